// dnf's answers for many requests at once (test/resolve/helpers/dnf-batch.py, the same
// configuration as ../shared/tools/dnf-resolve.py), cached on disk keyed by the inputs and
// the repos' repomd.xml, so re-runs of the differential tests do not pay for dnf again.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TEST_CACHE } from '../../helpers/stub-repo.js';

export interface OracleQuery {
  repos: Record<string, string>;
  arch?: string;
  releasever?: string;
  weak: boolean;
  exclude?: string[];
  /** dnf's best (default true, as EL's dnf.conf). */
  best?: boolean;
  /** Module streams to enable ("name:stream"), as `dnf module enable`. */
  enable_modules?: string[];
  /** dnf's module_platform_id, e.g. "platform:el9". */
  module_platform_id?: string;
  requests: string[][];
}
export type OracleAnswer = { ok: true; pkgs: string[] } | { ok: false; error: string };

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'dnf-batch.py');

export function dnfBatch(q: OracleQuery): OracleAnswer[] {
  const h = createHash('sha256').update(readFileSync(SCRIPT)).update(JSON.stringify(q));
  for (const dir of Object.values(q.repos)) h.update(readFileSync(join(dir, 'repodata', 'repomd.xml')));
  const file = join(TEST_CACHE, 'dnf-oracle', h.digest('hex').slice(0, 24) + '.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'));
  const out = execFileSync('/usr/bin/python3', [SCRIPT], { input: JSON.stringify(q), encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['pipe', 'pipe', 'pipe'] });
  const answers = JSON.parse(out) as OracleAnswer[];
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file + `.tmp-${process.pid}`, JSON.stringify(answers));
  renameSync(file + `.tmp-${process.pid}`, file);
  return answers;
}
