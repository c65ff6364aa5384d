// The RHEL 6 @core closure (288 stub packages with real dependencies, scriptlets and file
// lists) installed by assembleRoot, checked by the real rpm and compared with dnf.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assembleRoot, type AssembleOutput } from '../../builder/assemble/index.js';
import { tempDir, tools } from '../helpers/env.js';
import { rhel6CoreStubRepo } from '../helpers/stub-repo.js';
import { inputFromRpms, rhel6CoreLockPaths, rpmQa, rpmVa, testCtx } from './fixtures.js';

describe.skipIf(!tools('rpm', 'rpmbuild', 'createrepo_c', 'bwrap', 'dnf'))('assemble: RHEL 6 @core stub closure', () => {
  const tmp = tempDir('vzbuild-asm-');
  const logs: string[] = [];
  let repo: string;
  let out: AssembleOutput;
  let paths: string[];
  beforeAll(async () => {
    repo = rhel6CoreStubRepo();
    // The lock resolve would produce: dnf's answer for @core, as files of the stub repo.
    paths = rhel6CoreLockPaths(repo);
    const input = { ...inputFromRpms(paths), root: join(tmp.path, 'root') };
    out = await assembleRoot(input, testCtx(join(tmp.path, 'cache'), logs));
  }, 600_000);
  afterAll(tmp.cleanup);

  it('installs every locked package with no failing scriptlet', () => {
    expect(out.skipped).toEqual([]);
    expect(out.installed).toHaveLength(paths.length);
    expect(out.scriptletResults.filter((r) => !r.ok)).toEqual([]);
    expect(out.stats.imported).toBe(paths.length);
  });

  it('rpm --root lists exactly the lock and -Va is clean', () => {
    // written by our rpmdb writer (sqlite: what the host's rpm reads)
    expect(existsSync(join(out.root, 'var/lib/rpm/rpmdb.sqlite'))).toBe(true);
    const lock = out.installed.map((n) => (/-\d+:/.test(n) ? n : n.replace(/^(.*)-([^-]+)-([^-]+)$/, '$1-0:$2-$3'))).sort();
    expect(rpmQa(out.root)).toEqual(lock);
    expect(rpmVa(out.root)).toBe('');
  });

  it('ran every %post as dnf does (same markers under /var/lib/stubpost)', () => {
    const dnfRoot = join(tmp.path, 'dnf-root');
    const nevras = paths.map((p) => basename(p, '.rpm'));
    execFileSync('dnf', ['-y', '-q', `--installroot=${dnfRoot}`, '--releasever=6', '--setopt=reposdir=/dev/null', `--repofrompath=r,file://${repo}`, '--nogpgcheck', '--setopt=install_weak_deps=False', 'install', ...nevras], { stdio: 'pipe', maxBuffer: 64 << 20 });
    const theirs = readdirSync(join(dnfRoot, 'var/lib/stubpost')).sort();
    const ours = readdirSync(join(out.root, 'var/lib/stubpost')).sort();
    expect(theirs.length).toBeGreaterThan(100);
    expect(ours).toEqual(theirs);
    // and the same number of %post scriptlets reported as run
    expect(out.scriptletResults.filter((r) => r.kind === 'post').length).toBe(theirs.length);
  }, 600_000);

  it('reuses every package from the store on a second build, adding 0 bytes to it', async () => {
    const objects = join(tmp.path, 'cache', 'store', 'v1', 'objects');
    const bytes = () => Number(execFileSync('du', ['-sb', objects], { encoding: 'utf8' }).split('\t')[0]);
    const files = () => Number(execFileSync('sh', ['-c', `find "$1" -type f | wc -l`, 'sh', objects], { encoding: 'utf8' }));
    const before = { bytes: bytes(), files: files() };
    expect(before.files).toBeGreaterThan(1000);
    const again = await assembleRoot({ ...inputFromRpms(paths), root: join(tmp.path, 'root2') }, testCtx(join(tmp.path, 'cache')));
    expect({ bytes: bytes(), files: files() }).toEqual(before);
    expect(again.installed).toEqual(out.installed);
    expect(again.stats.imported).toBe(0);
    expect(again.stats.reused).toBe(paths.length);
    // Its headers came from the parsed-header cache the first build filled, and the root
    // they made is as correct as the first.
    const [headerDir] = readdirSync(join(tmp.path, 'cache', 'headers'));
    expect(readdirSync(join(tmp.path, 'cache', 'headers', headerDir))).toHaveLength(paths.length);
    expect(rpmVa(again.root)).toBe('');
  }, 600_000);
});
