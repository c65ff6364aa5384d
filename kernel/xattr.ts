// Extended attributes through the attr tools (Node has no xattr API). Batched: one setfattr
// per call restores any number of files, one getfattr walks a whole tree, so a template with
// a handful of capability-carrying binaries costs a spawn or two, not one per file.
// Values are base64 (getfattr's "0s" encoding) so binary capabilities survive JSON.
import { exec } from './exec.js';
import { spawnPipe } from './pipe.js';

export type Xattrs = Record<string, string>;

/** getfattr/setfattr escape backslash and non-printable bytes in names as \ooo. */
function escapePath(p: string): string {
  return p.replace(/[\\\x00-\x1f\x7f]/g, (c) => '\\' + c.charCodeAt(0).toString(8).padStart(3, '0'));
}

function unescapePath(p: string): string {
  return p.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** Set xattrs on many paths (not following symlinks) with one setfattr --restore. */
export async function setXattrs(items: readonly { path: string; xattrs: Xattrs }[], signal?: AbortSignal): Promise<void> {
  const dump: string[] = [];
  for (const { path, xattrs } of items) {
    const names = Object.keys(xattrs).sort();
    if (!names.length) continue;
    if (!path.startsWith('/')) throw new TypeError(`setXattrs: path must be absolute: ${path}`);
    dump.push(`# file: ${escapePath(path)}`);
    for (const n of names) dump.push(`${n}=0s${xattrs[n]}`);
    dump.push('');
  }
  if (!dump.length) return;
  await exec(['setfattr', '-h', '--restore=-'], { input: dump.join('\n') + '\n', signal });
}

function parseDump(out: string): Map<string, Xattrs> {
  const result = new Map<string, Xattrs>();
  let cur: Xattrs | undefined;
  for (const line of out.split('\n')) {
    if (line.startsWith('# file: ')) {
      cur = {};
      result.set(unescapePath(line.slice(8)), cur);
    } else if (cur && line && !line.startsWith('#')) {
      const eq = line.indexOf('=');
      const name = eq < 0 ? line : line.slice(0, eq);
      const raw = eq < 0 ? '' : line.slice(eq + 1);
      cur[name] = raw.startsWith('0s') ? raw.slice(2) : Buffer.from(raw.replace(/^"|"$/g, '')).toString('base64');
    }
  }
  return result;
}

/** All xattrs under a tree (symlinks not followed): absolute path → xattrs, only paths that have any. */
export async function readXattrsTree(root: string, signal?: AbortSignal): Promise<Map<string, Xattrs>> {
  const r = await exec(['getfattr', '-R', '-P', '-h', '-d', '-m', '-', '-e', 'base64', '--absolute-names', root], { signal, okCodes: [0, 1] });
  return parseDump(r.stdout);
}

/** Reads the xattrs of paths handed to it one at a time, e.g. by a tree walk as it goes. */
export interface XattrReader {
  /** Queue a path (not followed if it is a symlink): absolute, or "." or "./…" under `base`. */
  add(path: string): void;
  /** No more paths: path as given → xattrs, only paths that have any. */
  done(): Promise<Map<string, Xattrs>>;
}

/** Bytes of NUL-separated paths gathered before one write to xargs. */
const PATH_BATCH = 64 * 1024;

/**
 * The xattrs of the paths a caller already walked, without a second walk of the tree:
 * `getfattr -R` repeats every readdir and lstat (~0.3 CPU-s on a 30k-entry template, as much
 * as the walk itself); xargs hands the paths to a few getfattr runs that only look each one
 * up, on the other core while the caller keeps walking. Exit status 123 (some getfattr
 * exited 1: a path vanished, or the filesystem has no xattr support) counts as success,
 * as 1 does for readXattrsTree. With `base`, getfattr runs there and paths may be "./…".
 */
export function openXattrReader(opts: { base?: string; signal?: AbortSignal } = {}): XattrReader {
  const argv = ['xargs', '-0', '-r', '-s', '131072', 'getfattr', '-h', '-d', '-m', '-', '-e', 'base64', '--absolute-names'];
  // Relative to the tree's root, each lookup skips the root's own components: a quarter
  // of getfattr's kernel time on a checkout 5 levels deep.
  const pipe = spawnPipe(argv, { signal: opts.signal, cwd: opts.base, okCodes: [0, 123] });
  const out: Buffer[] = [];
  const read = new Promise<Map<string, Xattrs>>((resolve, reject) => {
    pipe.on('data', (b: Buffer) => out.push(b));
    pipe.on('end', () => resolve(parseDump(Buffer.concat(out).toString('utf8'))));
    pipe.on('error', reject);
  });
  // Awaited in done(); until then a failure must not count as unhandled.
  read.catch(() => undefined);
  let batch = '';
  return {
    add(path: string): void {
      // "./" keeps a name such as "-x" from reading as an option.
      const ok = path.startsWith('/') || (opts.base !== undefined && (path === '.' || path.startsWith('./')));
      if (!ok) throw new TypeError(`openXattrReader: path must be absolute, or "./…" with a base: ${path}`);
      batch += path + '\0';
      if (batch.length >= PATH_BATCH) {
        pipe.write(batch);
        batch = '';
      }
    },
    done(): Promise<Map<string, Xattrs>> {
      pipe.end(batch);
      batch = '';
      return read;
    },
  };
}

/** The xattrs of one path (not following a final symlink). */
export async function readXattrs(path: string, signal?: AbortSignal): Promise<Xattrs> {
  const r = await exec(['getfattr', '-h', '-d', '-m', '-', '-e', 'base64', '--absolute-names', path], { signal });
  return parseDump(r.stdout).get(path) ?? {};
}
