// Lockfile IO: the one reader and writer of lockfiles. Validates against a strict schema
// (unknown keys are errors), writes canonically (sorted packages and repos, fixed key
// order, no timestamps) and atomically (temp file in the same dir, fsync, rename, fsync
// of the directory), and digests the canonical JSON so a lock names itself.
import { createHash } from 'node:crypto';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { BuilderError, ValidationError, isErrno } from '../errors.js';
import { LOCKFILE_VERSION, type LockedPackage, type LockedRepo, type Lockfile } from '../model/lockfile.js';
import { compareEvr } from '../rpm/vercmp.js';
import { validatorFor } from '../schema/validate.js';

const checksum = { type: 'string', pattern: '^(sha1|sha224|sha256|sha384|sha512|md5):[0-9a-f]+$' } as const;
const name = { type: 'string', minLength: 1, pattern: '^[^\\s/]+$' } as const;

export const LOCKFILE_SCHEMA = {
  $id: 'vzbuild:lockfile',
  type: 'object',
  additionalProperties: false,
  required: ['version', 'recipe', 'distro', 'repos', 'packages'],
  properties: {
    version: { const: LOCKFILE_VERSION },
    recipe: { type: 'string', minLength: 1 },
    distro: {
      type: 'object',
      additionalProperties: false,
      required: ['id', 'release', 'arch'],
      properties: { id: { type: 'string', minLength: 1 }, release: { type: 'string', minLength: 1 }, arch: { type: 'string', minLength: 1 } },
    },
    repos: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'url', 'repomd'],
        properties: { id: name, url: { type: 'string', minLength: 1 }, repomd: checksum },
      },
    },
    packages: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'epoch', 'version', 'release', 'arch', 'repo', 'location', 'checksum', 'size'],
        properties: {
          name,
          epoch: { type: 'integer', minimum: 0 },
          version: name,
          release: name,
          arch: name,
          repo: name,
          location: { type: 'string', minLength: 1 },
          checksum,
          size: { type: 'integer', minimum: 0 },
        },
      },
    },
  },
} as const;

const validator = () => validatorFor('lockfile', LOCKFILE_SCHEMA);

/** All problems of a lock (schema, then semantics: duplicate NEVRAs, unknown repo ids). */
export function lockfileProblems(lock: unknown): string[] {
  const validate = validator();
  if (!validate(lock)) {
    return (validate.errors ?? []).map((e) => {
      const where = e.instancePath ? e.instancePath.slice(1).replace(/\/(\d+)/g, '[$1]').replace(/\//g, '.') : '(top level)';
      if (e.keyword === 'additionalProperties') return `${where}: unknown key "${e.params.additionalProperty}"`;
      return `${where}: ${e.message}`;
    });
  }
  const l = lock as Lockfile;
  const problems: string[] = [];
  const repoIds = new Set<string>();
  for (const r of l.repos) {
    if (repoIds.has(r.id)) problems.push(`repos: duplicate repo id "${r.id}"`);
    repoIds.add(r.id);
  }
  const seen = new Set<string>();
  l.packages.forEach((p, i) => {
    const nevra = `${p.name}-${p.epoch ? p.epoch + ':' : ''}${p.version}-${p.release}.${p.arch}`;
    if (seen.has(nevra)) problems.push(`packages[${i}]: ${nevra} is listed twice`);
    seen.add(nevra);
    if (!repoIds.has(p.repo)) problems.push(`packages[${i}]: ${nevra} names repo "${p.repo}", which the lock does not list`);
    if (p.location.startsWith('/') || p.location.split('/').includes('..')) problems.push(`packages[${i}]: ${nevra}: location "${p.location}" must be relative and stay inside the repo`);
  });
  return problems;
}

/** Same order rpm -qa --qf sorts by and humans scan: name, then arch, then EVR ascending. */
export function comparePackages(a: LockedPackage, b: LockedPackage): number {
  return cmp(a.name, b.name) || cmp(a.arch, b.arch) || compareEvr(a, b) || cmp(a.repo, b.repo) || cmp(a.checksum, b.checksum);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A copy with the canonical key order and sort order (what is written and digested). */
export function canonicalLockfile(lock: Lockfile): Lockfile {
  const repo = (r: LockedRepo): LockedRepo => ({ id: r.id, url: r.url, repomd: r.repomd });
  const pkg = (p: LockedPackage): LockedPackage => ({
    name: p.name,
    epoch: p.epoch,
    version: p.version,
    release: p.release,
    arch: p.arch,
    repo: p.repo,
    location: p.location,
    checksum: p.checksum,
    size: p.size,
  });
  return {
    version: lock.version,
    recipe: lock.recipe,
    distro: { id: lock.distro.id, release: lock.distro.release, arch: lock.distro.arch },
    repos: lock.repos.map(repo).sort((a, b) => cmp(a.id, b.id)),
    packages: lock.packages.map(pkg).sort(comparePackages),
  };
}

/** The text written to disk: canonical, two-space JSON, trailing newline. */
export function serializeLockfile(lock: Lockfile): string {
  return JSON.stringify(canonicalLockfile(lock), null, 2) + '\n';
}

/** "sha256:<hex>" of the canonical compact JSON: equal locks digest equal, whatever their order. */
export function lockDigest(lock: Lockfile): string {
  return 'sha256:' + createHash('sha256').update(JSON.stringify(canonicalLockfile(lock))).digest('hex');
}

export async function readLockfile(path: string): Promise<Lockfile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) throw new BuilderError('E_LOCK_NOT_FOUND', `lockfile ${path} not found`, { cause: err, hint: 'make one with `vzbuild resolve RECIPE -o LOCK`' });
    throw err;
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new ValidationError(`lockfile ${path}`, [`not JSON: ${(err as Error).message}`]);
  }
  const problems = lockfileProblems(data);
  if (problems.length) throw new ValidationError(`lockfile ${path}`, problems);
  return data as Lockfile;
}

/** Validate, then write canonically and atomically; returns the lock's digest. */
export async function writeLockfile(path: string, lock: Lockfile): Promise<string> {
  // Validate what the caller gave (indexes match their array; canonicalising would also
  // silently drop unknown keys instead of reporting them).
  const problems = lockfileProblems(lock);
  if (problems.length) throw new ValidationError(`lockfile ${path} (not written)`, problems);
  const canonical = canonicalLockfile(lock);
  await writeFileAtomic(path, JSON.stringify(canonical, null, 2) + '\n');
  return lockDigest(canonical);
}

/** temp file beside the target (same filesystem), fsync, rename, fsync the directory. */
export async function writeFileAtomic(path: string, data: string | Buffer): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${Date.now().toString(36)}.tmp`);
  const fh = await open(tmp, 'wx', 0o644);
  try {
    await fh.writeFile(data);
    await fh.sync();
    await fh.close();
    await rename(tmp, path);
  } catch (err) {
    await fh.close().catch(() => {
      // Already closed on the success path before rename; nothing to release.
    });
    await rm(tmp, { force: true });
    throw err;
  }
  // The rename is durable only once the directory entry is on disk.
  const d = await open(dir, 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}
