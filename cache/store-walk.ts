// Walking the store's directories for gc and fsck: every object (key, path) and every
// package index (importer, rpm sha256, path). Foreign names are reported, not guessed at.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isErrno } from '../builder/errors.js';
import { keyFromRelPath, STORE_VERSION, type StoreKey } from './store-key.js';

async function list(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return [];
    throw err;
  }
}

export interface StorePaths {
  root: string;
  objects: string;
  packages: string;
  roots: string;
  locks: string;
  tmp: string;
}

export function storePaths(storeDir: string): StorePaths {
  const root = join(storeDir, STORE_VERSION);
  return { root, objects: join(root, 'objects'), packages: join(root, 'packages'), roots: join(root, 'roots'), locks: join(root, 'locks'), tmp: join(root, 'tmp') };
}

export async function* walkObjects(objectsDir: string): AsyncGenerator<{ key?: StoreKey; path: string }> {
  for (const fan of await list(objectsDir)) {
    for (const name of await list(join(objectsDir, fan))) {
      yield { key: keyFromRelPath(fan, name), path: join(objectsDir, fan, name) };
    }
  }
}

export async function* walkIndexes(packagesDir: string): AsyncGenerator<{ importer: string; rpmSha256: string; path: string }> {
  for (const importer of await list(packagesDir)) {
    for (const fan of await list(join(packagesDir, importer))) {
      for (const name of await list(join(packagesDir, importer, fan))) {
        if (name.startsWith('.')) continue; // an in-flight atomic write's temp
        yield { importer, rpmSha256: name.replace(/\.json$/, ''), path: join(packagesDir, importer, fan, name) };
      }
    }
  }
}
