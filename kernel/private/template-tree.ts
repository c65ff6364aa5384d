// Template caches as the deploy side sees them: finding one by file or name, identifying it
// by content (sha256, memoised by inode/size/mtime so 20 deploys hash once), and unpacking
// it once into a shared read-only tree under the state dir for the sharing private-area
// modes. Unpacks go to a temp dir renamed into place; ready.json is written last, so an
// interrupted unpack is redone, never trusted.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { cacheLayout } from '../../cache/layout.js';
import { CtError } from '../errors.js';
import { exec } from '../exec.js';
import { unpackArgv } from './copy.js';
import { checkFreeSpace } from './space.js';

export const TEMPLATE_SUFFIXES = ['.tar.gz', '.tgz', '.tar.xz', '.tar.zst', '.tar.bz2', '.tar'];

/** FILE (a path) or NAME (a template cache in the state dir's templates/ area). */
export async function resolveTemplate(cacheDir: string, spec: string, cwd: string): Promise<string> {
  const asPath = isAbsolute(spec) ? spec : resolve(cwd, spec);
  try {
    if ((await stat(asPath)).isFile()) return asPath;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const area = cacheLayout(cacheDir).templates;
  let names: string[] = [];
  try {
    names = await readdir(area);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  for (const sfx of TEMPLATE_SUFFIXES) if (names.includes(spec + sfx)) return join(area, spec + sfx);
  const known = names.filter((n) => TEMPLATE_SUFFIXES.some((s) => n.endsWith(s)));
  throw new CtError('E_NO_TEMPLATE', `template "${spec}" is neither a file nor a template cache in ${area}`, {
    hint: known.length ? `available: ${known.join(', ')}` : 'build one with `vzbuild build`, or pass a template cache file',
  });
}

/** Template name as vzctl's OSTEMPLATE wants it: the file name without the tar suffix. */
export function templateName(path: string): string {
  const b = basename(path);
  for (const sfx of TEMPLATE_SUFFIXES) if (b.endsWith(sfx)) return b.slice(0, -sfx.length);
  return b;
}

function treesDir(cacheDir: string): string {
  return join(cacheLayout(cacheDir).containers, '.trees');
}

/** sha256 of the template cache, memoised by (dev, ino, size, mtime). */
export async function templateKey(cacheDir: string, path: string): Promise<string> {
  const st = await stat(path);
  const memoDir = join(treesDir(cacheDir), '.keys');
  const memo = join(memoDir, `${st.dev}-${st.ino}-${st.size}-${Math.trunc(st.mtimeMs)}`);
  try {
    return (await readFile(memo, 'utf8')).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const h = createHash('sha256');
  await pipeline(createReadStream(path), h);
  const key = h.digest('hex');
  await mkdir(memoDir, { recursive: true });
  const tmp = `${memo}.tmp-${process.pid}`;
  await writeFile(tmp, key + '\n');
  await rename(tmp, memo);
  return key;
}

/** `tar -x` of a template cache into dir, keeping owners, modes and xattrs (as vzctl's vps-create). */
export async function unpackTemplate(cache: string, dir: string, signal?: AbortSignal): Promise<void> {
  await mkdir(dir, { recursive: true });
  // The copy mode's argv: parallel decompressor, numeric ids, xattrs (capabilities) kept.
  await exec(await unpackArgv(cache, dir), { signal });
}

export type TreeVariant = 'shared' | 'hardlink';

/**
 * The template unpacked once, read-only for containers: `shared` is the overlay lower dir;
 * `hardlink` is the link source whose shared files are immutable (see ./hardlink.ts).
 */
export async function ensureTemplateTree(cacheDir: string, cache: string, key: string, variant: TreeVariant, signal?: AbortSignal): Promise<string> {
  const dir = join(treesDir(cacheDir), variant === 'shared' ? key : `${key}-hardlink`);
  const root = join(dir, 'root');
  try {
    await stat(join(dir, 'ready.json'));
    return root;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  // Not ready: whatever is there is a leftover of an interrupted unpack.
  await rm(dir, { recursive: true, force: true });
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await checkFreeSpace(cache, treesDir(cacheDir));
  await unpackTemplate(cache, join(tmp, 'root'), signal);
  try {
    await rename(tmp, dir);
  } catch (err) {
    // Another deploy unpacked the same template first: same content, keep theirs.
    if ((err as NodeJS.ErrnoException).code !== 'ENOTEMPTY' && (err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    await rm(tmp, { recursive: true, force: true });
    return root;
  }
  await writeFile(join(dir, 'ready.json'), JSON.stringify({ version: 1, key, source: cache, variant }) + '\n');
  return root;
}
