// rpm's Berkeley DB rpmdb (EL7 rpm 4.11, EL8 rpm 4.14) built with db5.3_load — the same
// libdb 5.3 those distros link, so the on-disk format is theirs by construction:
//   Packages: hash, key = native-endian uint32 header number, data = header blob; key 0
//             holds the largest instance number (pkgInstance in lib/backend/db3.c);
//   indexes:  btree (what rpm ≥ 4.9 creates for every secondary index: `file` on a
//             CentOS 7 /var/lib/rpm shows Packages as Hash and all others as Btree),
//             key = tag value bytes, data = the (hdrNum, tagNum) uint32 pairs, native
//             endian, sorted — one record per key.
// libdb stamps each file with a random 20-byte file id; we overwrite it with one derived
// from the file name, and clear the page slack libdb leaves uninitialised (bdb-scrub.ts),
// so two builds are byte-identical.
import { createHash } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exec } from '../../../kernel/exec.js';
import { INDEXES, indexRows } from './indexes.js';
import type { InstalledRecord } from './sqlite.js';
import { scrubBdb } from './bdb-scrub.js';
import { RpmdbError } from './errors.js';

export const DB_LOAD = 'db5.3_load';
const PAGE_SIZE = 4096;
const LOAD_PARALLEL = 4;

function u32le(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
}

/** A db_load "bytevalue" dump of key/data pairs (db_dump -p's unprintable form). */
function dump(type: 'hash' | 'btree', pairs: Iterable<[Buffer, Buffer]>): string {
  const lines = ['VERSION=3', 'format=bytevalue', `type=${type}`, `db_pagesize=${PAGE_SIZE}`, 'HEADER=END'];
  for (const [k, v] of pairs) lines.push(' ' + k.toString('hex'), ' ' + v.toString('hex'));
  lines.push('DATA=END', '');
  return lines.join('\n');
}

async function load(dir: string, name: string, text: string, signal?: AbortSignal): Promise<void> {
  const file = join(dir, name);
  try {
    await exec([DB_LOAD, file], { input: text, signal });
  } catch (err) {
    throw new RpmdbError('E_RPMDB_WRITE', `${DB_LOAD} could not write ${file}`, { cause: err, hint: 'install db5.3-util (Debian) / libdb-utils (EL)' });
  }
  // Reproducible bytes: clear what libdb leaves uninitialised, and a file id derived from
  // the name (unique per file, as libdb's environment requires, but the same every build).
  const bytes = await readFile(file);
  scrubBdb(bytes, createHash('sha256').update(`vzbuild rpmdb ${name}`).digest());
  // No fsync: the root is a work tree, never published as is; what is published (the
  // template cache) is made durable by pack, and an interrupted build starts the root over.
  const fh = await open(file, 'r+');
  try {
    await fh.write(bytes, 0, bytes.length, 0);
  } finally {
    await fh.close();
  }
}

export async function writeBdbRpmdb(dir: string, records: readonly InstalledRecord[], signal?: AbortSignal): Promise<string[]> {
  const written: string[] = [];
  const pkgs: [Buffer, Buffer][] = [[u32le(0), u32le(records.length)]];
  records.forEach((r, i) => pkgs.push([u32le(i + 1), r.blob]));
  const jobs: (() => Promise<void>)[] = [() => load(dir, 'Packages', dump('hash', pkgs), signal)];
  written.push('Packages');
  for (const def of INDEXES) {
    // Let other work in (the transaction, when this runs alongside it) between indexes.
    await new Promise((resolve) => setImmediate(resolve));
    // key (as bytes, binary-safe) -> list of (hnum, idx)
    const byKey = new Map<string, { key: Buffer; items: [number, number][] }>();
    records.forEach((r, i) => {
      for (const row of indexRows(r.header, def)) {
        // rpm's BDB code stores an empty key (the basename of "/") as one NUL byte
        // ("/" fixup in rpmdb.c); libdb has no zero-length keys.
        const key = typeof row.key === 'string' ? Buffer.from(row.key || '\0', 'utf8') : row.key;
        const k = key.toString('latin1');
        let e = byKey.get(k);
        if (!e) byKey.set(k, (e = { key, items: [] }));
        e.items.push([i + 1, row.idx]);
      }
    });
    // Empty indexes are still written: rpm expects every index file and would otherwise
    // create it and "generate missing indexes" on the first (even read-only) query.
    const pairs: [Buffer, Buffer][] = [];
    for (const { key, items } of byKey.values()) {
      items.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      const data = Buffer.alloc(items.length * 8);
      items.forEach(([h, t], j) => {
        data.writeUInt32LE(h, j * 8);
        data.writeUInt32LE(t, j * 8 + 4);
      });
      pairs.push([key, data]);
    }
    const text = dump('btree', pairs);
    jobs.push(() => load(dir, def.name, text, signal));
    written.push(def.name);
  }
  // One db5.3_load per file; a few at a time keeps both cores busy without a process storm.
  for (let i = 0; i < jobs.length; i += LOAD_PARALLEL) await Promise.all(jobs.slice(i, i + LOAD_PARALLEL).map((j) => j()));
  return written;
}
