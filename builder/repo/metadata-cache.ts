// The parsed-metadata cache: one file per (kind, metadata checksum) under
// cacheLayout(cacheDir).metadata/repo-v<codec>/. A checksum names immutable content, so a
// hit needs no freshness check; repomd.xml (always read) decides which checksums are
// current. Writes go to a temp file in the same directory, fsync, rename: a crash leaves
// either the old state or the complete file. A corrupt or foreign file is a miss.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { cacheLayout } from '../../cache/layout.js';
import { touchUsed } from '../../cache/prune.js';
import { isErrno } from '../errors.js';
import type { Logger } from '../context.js';
import { CODEC_VERSION, unpack, type Unpacked } from './packages-codec.js';

export class MetadataCache {
  readonly dir: string;
  constructor(cacheDir: string, private readonly log: Logger) {
    this.dir = join(cacheLayout(cacheDir).metadata, `repo-v${CODEC_VERSION}`);
  }

  /** "primary", "sha256:ab…" → …/primary-sha256-ab….vzrc */
  pathFor(kind: string, key: string): string {
    return join(this.dir, `${kind}-${key.replace(/[^A-Za-z0-9._-]/g, '-')}.vzrc`);
  }

  async read(kind: string, key: string): Promise<Unpacked | undefined> {
    const path = this.pathFor(kind, key);
    let buf: Buffer;
    try {
      buf = await readFile(path);
    } catch (err) {
      // ENOTDIR: a part of the cache path is a file, so no cache file can be there either.
      if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return undefined;
      throw err;
    }
    let u: Unpacked;
    try {
      u = unpack(buf);
      if ((u.meta as { key?: string } | null)?.key !== key) throw new Error('holds data for another key');
    } catch (err) {
      // Safe to ignore: the cache is derived data; the caller re-parses and rewrites it.
      this.log.warn(`ignoring unreadable metadata cache file ${path}: ${(err as Error).message}`);
      return undefined;
    }
    await touchUsed(path); // last used now: gc keeps metadata in use (cache/prune.ts)
    return u;
  }

  async write(path: string, data: Buffer): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    const fh = await open(tmp, 'wx', 0o644);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } catch (err) {
      await fh.close();
      await rm(tmp, { force: true });
      throw err;
    }
    await fh.close();
    await rename(tmp, path);
  }
}
