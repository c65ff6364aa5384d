// RPM signature checks on real signed packages (CentOS 6/7, EPEL 7 release RPMs and the
// CentOS keys from ../shared/fixtures), and refusals: another key, unsigned, tampered,
// a key file that does not match its pinned fingerprint.
import { copyFileSync, existsSync, mkdirSync, openSync, readSync, writeSync, closeSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { HttpClient } from '../../builder/fetch/http.js';
import { loadRepoKeys, type PinnedKey } from '../../builder/fetch/keys.js';
import { verifyRpmSignature } from '../../builder/fetch/verify.js';
import { fetchLock } from '../../builder/pipeline/fetch.js';
import { readRpmHeaders } from '../../builder/rpm/index.js';
import { fixture, tempDir, tools } from '../helpers/env.js';
import { serveRepo } from '../helpers/http-server.js';
import { rhel6CoreStubRepo } from '../helpers/stub-repo.js';
import { lockFromRepo } from './fixture.js';
import { assertCacheVerified, recipeRepo, testCtx } from './setup.js';

const F = (n: string) => fixture('cavaliercoder-go-rpm', n);
const C6 = 'centos-release-6-0.el6.centos.5.x86_64.rpm';
const C7 = 'centos-release-7-2.1511.el7.centos.2.10.x86_64.rpm';
const EPEL7 = 'epel-release-7-5.noarch.rpm';
const FP6 = 'C1DAC52D1664E8A4386DBA430946FCA2C105B9DE';
const FP7 = '6341AB2753D78A78A7C27BB124C6A8A7F4A80EB5';

const keyRepo = (v: 6 | 7, fp = v === 6 ? FP6 : FP7) => recipeRepo('os', [], { gpgcheck: true, gpgkey: [`file://${F(`RPM-GPG-KEY-CentOS-${v}`)}`], fingerprint: [fp] });

describe('RPM signatures', () => {
  const tmp = tempDir('vzbuild-sig-');
  const http = new HttpClient();
  const ctx = testCtx(join(tmp.path, 'cache'));
  let k6: PinnedKey[];
  let k7: PinnedKey[];
  beforeAll(async () => {
    k6 = await loadRepoKeys(keyRepo(6), http, ctx);
    k7 = await loadRepoKeys(keyRepo(7), http, ctx);
  });
  afterAll(() => {
    http.close();
    tmp.cleanup();
  });

  it('verifies CentOS 6, CentOS 7 and EPEL 7 against their keys (as rpmkeys -K does)', async () => {
    expect(await verifyRpmSignature(F(C6), k6, 'c6')).toBe(FP6);
    expect(await verifyRpmSignature(F(C7), k7, 'c7')).toBe(FP7);
    expect(await verifyRpmSignature(F(EPEL7), k7, 'epel7')).toBe(FP7);
  });

  it.skipIf(!tools('rpmkeys'))('agrees with rpmkeys -K on which key signs which package', () => {
    const db = join(tmp.path, 'rpmdb');
    mkdirSync(db);
    execFileSync('rpmkeys', ['--dbpath', db, '--import', F('RPM-GPG-KEY-CentOS-7')]);
    const k = (f: string) => {
      try {
        return execFileSync('rpmkeys', ['--dbpath', db, '-K', f], { encoding: 'utf8' });
      } catch (e) {
        return String((e as { stdout: string }).stdout); // exit 1: a signature is not OK
      }
    };
    const out = [C7, EPEL7, C6].map((n) => k(F(n)).trim());
    expect(out[0]).toMatch(/signatures OK$/);
    expect(out[1]).toMatch(/signatures OK$/);
    expect(out[2]).not.toMatch(/signatures OK$/);
  });

  it.skipIf(!tools('gpg', 'gpgconf', 'rpmsign'))('verifies v4 RSA and EdDSA signatures made by rpmsign (header signature + payload digest)', async () => {
    const home = join(tmp.path, 'gnupg');
    mkdirSync(home, { mode: 0o700 });
    const env = { ...process.env, GNUPGHOME: home };
    const gpg = (...args: string[]) => execFileSync('gpg', ['--batch', '--passphrase', '', ...args], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const stub = join(rhel6CoreStubRepo(), 'Packages');
      const src = join(stub, readdirSync(stub).find((n) => n.endsWith('.rpm'))!);
      for (const [uid, algo] of [['ed@vzbuild.test', 'ed25519'], ['rsa@vzbuild.test', 'rsa2048']]) {
        gpg('--quick-gen-key', `Test <${uid}>`, algo, 'sign', 'never');
        const fp = /^fpr:+([0-9A-F]{40}):/m.exec(gpg('--with-colons', '--list-keys', uid))![1];
        const keyFile = join(tmp.path, `${uid}.asc`);
        const { writeFileSync } = await import('node:fs');
        writeFileSync(keyFile, gpg('--armor', '--export', uid));
        const signed = join(tmp.path, `${algo}.rpm`);
        copyFileSync(src, signed);
        execFileSync('rpmsign', ['--addsign', '--define', `_gpg_name ${uid}`, '--define', '__gpg /usr/bin/gpg', '--define', `_gpg_path ${home}`, signed], { env, stdio: 'ignore' });
        const keys = await loadRepoKeys(recipeRepo('v4', [], { gpgcheck: true, gpgkey: [`file://${keyFile}`], fingerprint: [fp] }), http, ctx);
        expect(await verifyRpmSignature(signed, keys, algo)).toBe(fp);
        // The header signature binds the payload through the payload digest.
        const h = await readRpmHeaders(signed);
        flipByte(signed, h.payloadOffset + 50);
        await expect(verifyRpmSignature(signed, keys, algo)).rejects.toThrow(new RegExp(`${algo}: refused: payload sha256 digest mismatch`));
        await expect(verifyRpmSignature(F(C7), keys, 'c7')).rejects.toThrow(/not one of the recipe's keys/);
      }
    } finally {
      execFileSync('gpgconf', ['--kill', 'gpg-agent'], { env, stdio: 'ignore' });
    }
  });

  it('refuses a package signed by another key', async () => {
    await expect(verifyRpmSignature(F(C6), k7, 'centos-release-6')).rejects.toThrow(/centos-release-6.*signed by key ID 0946FCA2C105B9DE, which is not one of the recipe's keys/);
  });

  it('refuses an unsigned package', async () => {
    const stub = join(rhel6CoreStubRepo(), 'Packages');
    const unsigned = join(stub, readdirSync(stub).find((n) => n.endsWith('.rpm'))!);
    await expect(verifyRpmSignature(unsigned, k7, 'stub')).rejects.toThrow(/stub: refused: the package is not signed/);
  });

  it('refuses a package with a tampered payload (bad signature)', async () => {
    const bad = join(tmp.path, 'tampered-payload.rpm');
    copyFileSync(F(C7), bad);
    const h = await readRpmHeaders(bad);
    flipByte(bad, h.payloadOffset + 100);
    await expect(verifyRpmSignature(bad, k7, 'centos-release-7')).rejects.toThrow(/centos-release-7 \(header\+payload signature\): BAD signature \(key 6341AB27/);
  });

  it('refuses a package with a tampered header', async () => {
    const bad = join(tmp.path, 'tampered-header.rpm');
    copyFileSync(F(EPEL7), bad);
    const h = await readRpmHeaders(bad);
    // A byte inside a string of the header data (the description), so the header still parses.
    const at = h.header.blob.indexOf('This package');
    expect(at).toBeGreaterThan(0);
    flipByte(bad, h.headerRange.start + at + 2);
    await expect(verifyRpmSignature(bad, k7, 'epel-release-7')).rejects.toThrow(/epel-release-7: refused: .*digest mismatch/);
  });

  it('refuses a key file whose fingerprint is not the pinned one, and unpinned keys', async () => {
    await expect(loadRepoKeys(keyRepo(6, FP7), http, ctx)).rejects.toThrow(new RegExp(`RPM-GPG-KEY-CentOS-6 holds key ${FP6}, which is not pinned \\(pinned: ${FP7}\\)`));
    await expect(loadRepoKeys({ ...keyRepo(7), fingerprint: [] }, http, ctx)).rejects.toThrow(/no fingerprint pins the keys/);
    await expect(loadRepoKeys({ ...keyRepo(7), gpgkey: ['hkp://keys.example/0x1234'] }, http, ctx)).rejects.toThrow(/never a keyserver/);
  });

  it.skipIf(!tools('createrepo_c'))('fetchLock checks signatures before caching; a refused package never enters the cache', async () => {
    const dir = join(tmp.path, 'repo');
    mkdirSync(join(dir, 'Packages'), { recursive: true });
    for (const n of [C6, C7, EPEL7]) copyFileSync(F(n), join(dir, 'Packages', n));
    execFileSync('createrepo_c', ['--quiet', '--no-database', dir]);
    const s = await serveRepo(dir);
    try {
      const lock = lockFromRepo(dir, s.url, 'os');
      const el7 = { ...lock, packages: lock.packages.filter((p) => p.name !== 'centos-release' || p.version === '7') };
      const cache = join(tmp.path, 'cache-fetch');
      const ok = await fetchLock(el7, [{ ...keyRepo(7), baseurl: [s.url] }], testCtx(cache), {});
      expect(ok.stats.signaturesChecked).toBe(2);
      // Warm: the (sha256, key) marks make the check free; still counted as checked.
      const warm = await fetchLock(el7, [{ ...keyRepo(7), baseurl: [s.url] }], testCtx(cache), { offline: true });
      expect(warm.stats.signaturesChecked).toBe(2);

      const err = await fetchLock(lock, [{ ...keyRepo(7), baseurl: [s.url] }], testCtx(cache), {}).catch((e) => e);
      expect(err.code).toBe('E_GPG');
      expect(err.message).toMatch(/centos-release-6-0\.el6\.centos\.5\.x86_64.*not one of the recipe's keys/);
      expect(assertCacheVerified(cache)).toBe(2);
      const c6 = lock.packages.find((p) => p.version === '6')!;
      expect(existsSync(join(cache, 'packages', `${c6.checksum.slice(7)}.rpm`))).toBe(false);
    } finally {
      await s.close();
    }
  });
});

function flipByte(path: string, at: number): void {
  const fd = openSync(path, 'r+');
  const b = Buffer.alloc(1);
  readSync(fd, b, 0, 1, at);
  b[0] ^= 0xff;
  writeSync(fd, b, 0, 1, at);
  closeSync(fd);
}
