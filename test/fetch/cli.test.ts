// `vzbuild fetch` end to end through bin/vzbuild: plain progress lines off a TTY, the JSON
// result and JSON progress events with --json, and --offline naming what is missing.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run as runCli } from '../../builder/cli/main.js';
import { BIN, tempDir, tools } from '../helpers/env.js';
import { serveRepo, type RepoServer } from '../helpers/http-server.js';
import { lockFromRepo, makeRepo } from './fixture.js';

const run = promisify(execFile);

describe.skipIf(!tools('rpmbuild', 'createrepo_c'))('vzbuild fetch', () => {
  const tmp = tempDir('vzbuild-fetch-cli-');
  let s: RepoServer;
  let lockPath: string;
  let n: number;
  beforeAll(async () => {
    const dir = makeRepo(join(tmp.path, 'repo'), 6);
    s = await serveRepo(dir);
    const lock = lockFromRepo(dir, s.url);
    n = lock.packages.length;
    lockPath = join(tmp.path, 'test.lock.json');
    writeFileSync(lockPath, JSON.stringify(lock, null, 2));
  });
  afterAll(async () => {
    await s?.close();
    tmp.cleanup();
  });

  it('--offline on an empty cache fails naming each missing package', async () => {
    const err = await run(BIN, ['--cache-dir', join(tmp.path, 'c0'), 'fetch', lockPath, '--offline']).catch((e) => e);
    expect(err.code).toBe(1);
    expect(err.stderr).toMatch(new RegExp(`E_OFFLINE: ${n} package\\(s\\) not in the cache`));
    expect(s.requests).toHaveLength(0);
  });

  it('prints plain progress lines and a summary, then hits the cache', async () => {
    const cache = join(tmp.path, 'c1');
    const r = await run(BIN, ['--cache-dir', cache, 'fetch', lockPath]);
    expect(r.stderr).toMatch(new RegExp(`fetching ${n} packages`));
    expect(r.stderr).toMatch(/fetched \S+ \(\d+ KiB\)/);
    expect(r.stderr).toMatch(/signatures are not checked/);
    expect(r.stdout).toMatch(new RegExp(`${n} packages: ${n} downloaded .*, 0 from cache`));
    const warm = await run(BIN, ['--cache-dir', cache, 'fetch', lockPath, '--offline']);
    expect(warm.stdout).toMatch(new RegExp(`${n} packages: 0 downloaded .*, ${n} from cache`));
  });

  it('draws a progress bar (files, bytes, rate, ETA) on a TTY', async () => {
    const capture = () => {
      const s = Object.assign(new PassThrough(), { isTTY: true, text: '' });
      s.on('data', (d) => (s.text += d));
      return s;
    };
    const stdout = capture();
    const stderr = capture();
    const code = await runCli(['node', 'vzbuild', '--cache-dir', join(tmp.path, 'c3'), 'fetch', lockPath], { stdout, stderr, env: {}, cwd: tmp.path });
    expect(code).toBe(0);
    expect(stderr.text).toMatch(new RegExp(`\\r\\x1b\\[K\\[#{24}\\] ${n}/${n} files  \\d+\\.\\d MiB/\\d+\\.\\d MiB  \\d+\\.\\d MiB/s  ETA 0 s`));
    expect(stderr.text).not.toMatch(/fetched /); // per-file lines are for logs, not terminals
    expect(stdout.text).toMatch(new RegExp(`${n} packages: ${n} downloaded`));
  });

  it('--json prints the result document and JSON progress events', async () => {
    const r = await run(BIN, ['--json', '--cache-dir', join(tmp.path, 'c2'), 'fetch', lockPath]);
    const doc = JSON.parse(r.stdout);
    expect(doc.packages).toHaveLength(n);
    expect(doc.stats.downloaded).toBe(n);
    const events = r.stderr.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(events.filter((e) => e.event === 'fetch-file')).toHaveLength(n);
    expect(events.some((e) => e.event === 'fetch-start' && e.files === n)).toBe(true);
  });
});
