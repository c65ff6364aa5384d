// modules.yaml (repomd type "modules"): modulemd v2 documents (one per module build:
// name, stream, version, context, arch, dependencies, profiles, artifacts) and
// modulemd-defaults v1 (default stream and profiles). Other document types (obsoletes,
// translations) are skipped. Parsed with the failsafe schema so that streams like "8.10"
// and 19-digit versions stay exact strings: by the fast reader of modules-yaml.ts when the
// file keeps to libmodulemd's simple YAML (always, in practice), else by the `yaml` package.
import { LineCounter, parseAllDocuments } from 'yaml';
import { BLOCK_SCALAR, readSimpleYaml } from './modules-yaml.js';
import type { ModuleDefaults, ModuleIndex, ModuleStream } from './types.js';

export class ModulesYamlError extends Error {
  constructor(message: string, readonly line: number) {
    super(`line ${line}: ${message}`);
  }
}

type Y = unknown;
const isMap = (v: Y): v is Record<string, Y> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** A block scalar the fast reader did not fold, where its text is needed: parse fully. */
class NeedsFullParse extends Error {}
const str = (v: Y): string | undefined => {
  if (v === BLOCK_SCALAR) throw new NeedsFullParse();
  return typeof v === 'string' ? v : undefined;
};
const strList = (v: Y): string[] => (Array.isArray(v) ? v.filter((x): x is string => str(x) !== undefined) : []);

function profilesOf(v: Y): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  if (isMap(v)) for (const [k, p] of Object.entries(v)) out[k] = isMap(p) ? strList(p.rpms) : [];
  return out;
}

export function parseModulesYaml(text: string): ModuleIndex {
  const simple = readSimpleYaml(text);
  if (simple) {
    try {
      return indexDocuments(simple);
    } catch (err) {
      if (!(err instanceof NeedsFullParse)) throw err;
    }
  }
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { schema: 'failsafe', lineCounter: lines, uniqueKeys: false });
  const list = Array.isArray(docs) ? docs : [docs];
  // A generator, so that an earlier document's error is reported before a later one's.
  function* values(): Generator<{ value: Y; line: number }> {
    for (const doc of list) {
      const line = doc.range ? lines.linePos(doc.range[0]).line : 0;
      if (doc.errors.length) {
        const e = doc.errors[0];
        throw new ModulesYamlError(e.message.split('\n')[0], e.linePos?.[0].line ?? line);
      }
      yield { value: doc.toJS({ maxAliasCount: 100 }) as Y, line };
    }
  }
  return indexDocuments(values());
}

function indexDocuments(docs: Iterable<{ value: Y; line: number }>): ModuleIndex {
  const index: ModuleIndex = { streams: [], defaults: {} };
  for (const { value: root, line } of docs) {
    if (root === null || root === undefined) continue;
    if (!isMap(root) || !isMap(root.data)) throw new ModulesYamlError('document without a "data" mapping', line);
    const data = root.data;
    const kind = str(root.document);
    const version = str(root.version);
    if (kind === 'modulemd') {
      if (version !== '2') throw new ModulesYamlError(`modulemd version ${version} is not supported (expected 2)`, line);
      const name = str(data.name);
      const stream = str(data.stream);
      if (!name || !stream) throw new ModulesYamlError('modulemd without name or stream', line);
      const ver = str(data.version) ?? '0';
      if (!/^\d+$/.test(ver)) throw new ModulesYamlError(`module ${name}:${stream} has version "${ver}"`, line);
      const requires: Record<string, string[]>[] = [];
      for (const dep of Array.isArray(data.dependencies) ? data.dependencies : []) {
        const r: Record<string, string[]> = {};
        if (isMap(dep) && isMap(dep.requires)) for (const [m, s] of Object.entries(dep.requires)) r[m] = str(s) !== undefined ? [s as string] : strList(s);
        requires.push(r);
      }
      const m: ModuleStream = {
        name,
        stream,
        version: ver,
        context: str(data.context) ?? '00000000',
        arch: str(data.arch) ?? 'noarch',
        requires,
        profiles: profilesOf(data.profiles),
        artifacts: isMap(data.artifacts) ? strList(data.artifacts.rpms) : [],
      };
      const summary = str(data.summary);
      if (summary) m.summary = summary;
      index.streams.push(m);
    } else if (kind === 'modulemd-defaults') {
      if (version !== '1') throw new ModulesYamlError(`modulemd-defaults version ${version} is not supported (expected 1)`, line);
      const module = str(data.module);
      if (!module) throw new ModulesYamlError('modulemd-defaults without module', line);
      const d: ModuleDefaults = { module, profiles: {} };
      const stream = str(data.stream);
      if (stream) d.stream = stream;
      if (isMap(data.profiles)) for (const [s, p] of Object.entries(data.profiles)) d.profiles[s] = strList(p);
      index.defaults[module] = d;
    }
    // modulemd-obsoletes, modulemd-translations, ...: not needed to decide visibility.
  }
  return index;
}
