// vzbuild's own version, from its package.json: the one source for `--version`, build ids
// and manifests. This module sits at builder/ in the sources and inside dist/cli/ in the
// bundle, so the file is looked for one and two levels up.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { isErrno } from './errors.js';

let memo: Promise<string> | undefined;

export function toolVersion(): Promise<string> {
  return (memo ??= find());
}

async function find(): Promise<string> {
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(await readFile(fileURLToPath(new URL(rel, import.meta.url)), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'vzbuild' && pkg.version) return pkg.version;
    } catch (err) {
      // Not at this depth: try the next one.
      if (!isErrno(err, 'ENOENT')) throw err;
    }
  }
  return '0.0.0';
}
