// The local MetadataOpener: a repo on disk (a directory or a file:// URL). HTTP openers
// with mirror failover live in builder/fetch; the pipeline binds one or the other.
import { open } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BuilderError } from '../errors.js';
import type { MetadataOpener } from './types.js';

export function localOpener(dirOrFileUrl: string): MetadataOpener {
  const root = resolve(dirOrFileUrl.startsWith('file:') ? fileURLToPath(dirOrFileUrl) : dirOrFileUrl);
  return async (href: string) => {
    const path = resolve(root, href);
    // An href from (possibly hostile) metadata must not read outside the repo. Compared by
    // relative() rather than a root + "/" prefix, which is "//" for a repo at "/".
    if (!isInside(root, path)) {
      throw new BuilderError('E_UNSAFE_PATH', `metadata href "${href}" escapes the repo directory ${root}`);
    }
    // Open first, so a missing file rejects here (ENOENT) rather than on the first read.
    const fh = await open(path, 'r');
    return fh.createReadStream({ highWaterMark: 256 * 1024 });
  };
}

/** Whether `path` is `root` or below it (both absolute and normalized). */
export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}
