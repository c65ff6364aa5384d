// Broken metadata gives a clear error: code, repo id, file, and line/element where known.
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { loadRepo, localOpener, RepoMetadataError } from '../../builder/repo/index.js';
import { execFileSync } from 'node:child_process';
import { fixture, tempDir, tools } from '../helpers/env.js';
import { packageXml, primaryXml, writeRepo } from './repo-fixture.js';

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups) c();
  cleanups = [];
});
function tmp(): string {
  const t = tempDir('vzbuild-repo-');
  cleanups.push(t.cleanup);
  return t.path;
}

async function loadError(dir: string, id = 'broken', threads?: number): Promise<RepoMetadataError> {
  try {
    await loadRepo({ id, open: localOpener(dir), want: { comps: false, modules: false }, threads });
  } catch (err) {
    expect(err).toBeInstanceOf(RepoMetadataError);
    return err as RepoMetadataError;
  }
  throw new Error('loadRepo did not fail');
}

const twoPackages = primaryXml(packageXml('a', { requires: ['b'] }) + packageXml('b'), 2);

describe('broken metadata', () => {
  it('accepts the well-formed base case (sanity for the cases below)', async () => {
    const dir = tmp();
    writeRepo(dir, [{ type: 'primary', name: 'p-primary.xml.gz', content: twoPackages, compress: 'gzip' }]);
    const meta = await loadRepo({ id: 'ok', open: localOpener(dir) });
    expect(meta.packages.map((p) => p.name)).toEqual(['a', 'b']);
    expect(meta.packages[0].requires).toEqual([{ name: 'b' }]);
  });

  it.skipIf(!tools('xz', 'bzip2', 'zstd')).each(['gzip', 'xz', 'bzip2', 'zstd', 'none'] as const)('reads a %s primary (by magic, whatever the name says)', async (kind) => {
    const dir = tmp();
    writeRepo(dir, [{ type: 'primary', name: 'p-primary.xml.gz', content: twoPackages, compress: kind }]);
    const meta = await loadRepo({ id: 'ok', open: localOpener(dir) });
    expect(meta.packages.map((p) => p.name)).toEqual(['a', 'b']);
  });

  it.skipIf(!tools('xz'))('truncated xz with a matching checksum names the file and the decoder error', async () => {
    const dir = tmp();
    const xz = execFileSync('xz', ['-c'], { input: Buffer.from(twoPackages) });
    writeRepo(dir, [{ type: 'primary', name: 'x-primary.xml.xz', content: twoPackages, stored: xz.subarray(0, xz.length - 40) }]);
    const err = await loadError(dir);
    expect(err.code).toBe('E_METADATA_TRUNCATED');
    expect(err.message).toMatch(/^repo broken: repodata\/x-primary\.xml\.xz: xz data is truncated: /);
  });

  it('bad checksum: names repo, file, expected and actual, on a real RHEL 6 primary', async () => {
    const dir = tmp();
    const src = fixture('pulp_rpm', 'rhel6-test_comps_with_xz_compress', 'repodata');
    mkdirSync(join(dir, 'repodata'));
    for (const f of readdirSync(src)) copyFileSync(join(src, f), join(dir, 'repodata', f));
    // Replace primary with different (valid gzip) content of the same name.
    const primary = readdirSync(src).find((n) => n.includes('-primary.xml.gz'))!;
    writeFileSync(join(dir, 'repodata', primary), gzipSync(twoPackages));
    const err = await loadError(dir, 'rhel6');
    expect(err.code).toBe('E_METADATA_CHECKSUM');
    expect(err.message).toContain('repo rhel6');
    expect(err.message).toContain(primary);
    expect(err.message).toContain('expected sha1:6b575c847d7974516d28d6185f315e0e85696d86');
    expect(err.message).toMatch(/got sha1:[0-9a-f]{40}/);
  });

  it('bad checksum is reported even when the corrupt bytes break gzip first', async () => {
    const dir = tmp();
    const good = gzipSync(twoPackages);
    const bad = Buffer.from(good);
    bad[20] ^= 0xff;
    bad[40] ^= 0xff;
    writeRepo(dir, [{ type: 'primary', name: 'x-primary.xml.gz', content: twoPackages, stored: bad, checksum: (await import('node:crypto')).createHash('sha256').update(good).digest('hex') }]);
    const err = await loadError(dir);
    expect(err.code).toBe('E_METADATA_CHECKSUM');
    expect(err.message).toContain('x-primary.xml.gz');
  });

  it('truncated XML: names the line and the open elements', async () => {
    const dir = tmp();
    const cut = twoPackages.slice(0, twoPackages.indexOf('<rpm:requires>', twoPackages.indexOf('<name>b')));
    writeRepo(dir, [{ type: 'primary', name: 't-primary.xml.gz', content: cut, compress: 'gzip' }]);
    const err = await loadError(dir);
    expect(err.code).toBe('E_METADATA_TRUNCATED');
    expect(err.message).toMatch(/t-primary\.xml\.gz: line \d+: document ends unexpectedly inside <metadata><package><format>/);
  });

  it('a broken package deep inside a primary parsed on worker threads: the error of a one-thread parse, same line', async () => {
    // 3000 packages (~2 MB) cut into pieces; the bad one is in a middle piece.
    const pkgs = Array.from({ length: 3000 }, (_, i) => packageXml(`p${i}`, { requires: [`p${i + 1}`], files: [`/usr/bin/p${i}`] }));
    pkgs[1700] = pkgs[1700].replace('<rpm:entry name="p1701"', '<rpm:entry flags="XX" name="p1701"');
    const dir = tmp();
    writeRepo(dir, [{ type: 'primary', name: 'p-primary.xml.gz', content: primaryXml(pkgs.join(''), 3000), compress: 'gzip' }]);
    const one = await loadError(dir, 'broken', 0);
    const many = await loadError(dir, 'broken', 2);
    expect(one.code).toBe('E_METADATA_MALFORMED');
    expect(one.message).toMatch(/p-primary\.xml\.gz: line \d+: <rpm:entry name="p1701"> has unknown flags="XX"/);
    expect(many.message).toBe(one.message);
  });

  it('truncated gzip stream with a matching checksum is E_METADATA_TRUNCATED', async () => {
    const dir = tmp();
    const gz = gzipSync(twoPackages);
    writeRepo(dir, [{ type: 'primary', name: 'g-primary.xml.gz', content: twoPackages, stored: gz.subarray(0, gz.length - 30) }]);
    const err = await loadError(dir);
    expect(err.code).toBe('E_METADATA_TRUNCATED');
    expect(err.message).toContain('gzip data is truncated');
  });

  it('unknown compression', async () => {
    const dir = tmp();
    writeRepo(dir, [{ type: 'primary', name: 'u-primary.xml.zck', content: twoPackages, stored: Buffer.from('\x00ZCK1 not really zchunk') }]);
    const err = await loadError(dir);
    expect(err.code).toBe('E_METADATA_COMPRESSION');
    expect(err.message).toContain('u-primary.xml.zck: unknown compression (first bytes 005a434b3120)');
  });

  it('missing file: the primary repomd.xml lists, and repomd.xml itself', async () => {
    const dir = tmp();
    writeRepo(dir, [{ type: 'primary', name: 'm-primary.xml.gz', content: twoPackages, compress: 'gzip' }]);
    const { rmSync } = await import('node:fs');
    rmSync(join(dir, 'repodata', 'm-primary.xml.gz'));
    let err = await loadError(dir);
    expect(err.code).toBe('E_METADATA_MISSING');
    expect(err.message).toBe('repo broken: repodata/m-primary.xml.gz: file not found');
    err = await loadError(join(dir, 'nowhere'));
    expect(err.code).toBe('E_METADATA_MISSING');
    expect(err.message).toContain('repodata/repomd.xml: file not found');
  });

  it('a lockfile\'s repomd checksum must match (expectRepomd)', async () => {
    const dir = tmp();
    writeRepo(dir, [{ type: 'primary', name: 'p-primary.xml.gz', content: twoPackages, compress: 'gzip' }]);
    const meta = await loadRepo({ id: 'ok', open: localOpener(dir) });
    await expect(loadRepo({ id: 'ok', open: localOpener(dir), expectRepomd: meta.repomdChecksum })).resolves.toMatchObject({ repomdChecksum: meta.repomdChecksum });
    await expect(loadRepo({ id: 'locked', open: localOpener(dir), expectRepomd: 'sha256:' + '0'.repeat(64) })).rejects.toMatchObject({
      code: 'E_METADATA_CHECKSUM',
      message: `repo locked: repodata/repomd.xml: checksum mismatch: expected sha256:${'0'.repeat(64)}, got ${meta.repomdChecksum}`,
    });
  });

  it('stops when aborted', async () => {
    const dir = tmp();
    writeRepo(dir, [{ type: 'primary', name: 'p-primary.xml.gz', content: twoPackages, compress: 'gzip' }]);
    const ac = new AbortController();
    ac.abort();
    const log = { debug() {}, info() {}, warn() {}, error() {} };
    await expect(loadRepo({ id: 'ok', open: localOpener(dir) }, { log, signal: ac.signal })).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('repomd.xml without a primary record', async () => {
    const dir = tmp();
    writeRepo(dir, [{ type: 'other', name: 'o-other.xml', content: '<otherdata/>' }]);
    const err = await loadError(dir);
    expect(err.code).toBe('E_METADATA_MISSING');
    expect(err.message).toContain('has no <data type="primary">');
  });

  it.each([
    ['mismatched close tag', twoPackages.replace('</arch>', '</name>'), /line 5: <\/name> closes <arch>/],
    ['entry without name', twoPackages.replace('<rpm:entry name="b"/>', '<rpm:entry flags="EQ"/>'), /line \d+: <rpm:entry> without name= in a/],
    ['unknown flags', twoPackages.replace('<rpm:entry name="b"/>', '<rpm:entry name="b" flags="XX"/>'), /unknown flags="XX"/],
    ['package without checksum', twoPackages.replace(/<checksum[^\n]*\n/, ''), /<package> a lacks checksum/],
    ['unknown entity', twoPackages.replace('<rpm:entry name="b"/>', '<rpm:entry name="b&bogus;"/>'), /line \d+: unknown entity &bogus;/],
    ['wrong package count', twoPackages.replace('packages="2"', 'packages="3"'), /declares packages="3" but has 2/],
    ['wrong root element', twoPackages.replace(/<metadata /, '<filelists ').replace('</metadata>', '</filelists>'), /root element is <filelists>, expected <metadata>/],
  ])('malformed: %s', async (_what, xml, pattern) => {
    const dir = tmp();
    writeRepo(dir, [{ type: 'primary', name: 'bad-primary.xml', content: xml }]);
    const err = await loadError(dir);
    expect(err.code).toBe('E_METADATA_MALFORMED');
    expect(err.message).toMatch(/^repo broken: repodata\/bad-primary\.xml: /);
    expect(err.message).toMatch(pattern);
  });
});
