// Where things live inside the state directory. The one place that maps a state dir to
// its subdirectories; cache/ knows nothing about distros.
import { join } from 'node:path';

export interface CacheLayout {
  root: string;
  /** Parsed repository metadata, keyed by the metadata file's checksum. */
  metadata: string;
  /** Downloaded, verified RPMs: packages/<sha256>.rpm. */
  packages: string;
  /** Content-addressed file objects. */
  store: string;
  /** Template roots (hard-link checkouts of the store). */
  checkouts: string;
  /** Parsed RPM headers by package checksum (assemble's; rebuilt when missing). */
  headers: string;
  /** Built template caches. */
  templates: string;
  /** Container records and private areas made by `vzbuild ct`. */
  containers: string;
  /** Lock files for cross-process coordination. */
  locks: string;
  tmp: string;
}

export function cacheLayout(root: string): CacheLayout {
  return {
    root,
    metadata: join(root, 'metadata'),
    packages: join(root, 'packages'),
    store: join(root, 'store'),
    checkouts: join(root, 'checkouts'),
    headers: join(root, 'headers'),
    templates: join(root, 'templates'),
    containers: join(root, 'containers'),
    locks: join(root, 'locks'),
    tmp: join(root, 'tmp'),
  };
}
