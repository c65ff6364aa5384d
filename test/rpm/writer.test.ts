// The RPM writer against the real tools: rpm -K (digests), rpm -qp (what the header says),
// rpm2cpio | cpio (the payload), createrepo_c (a repo of them); and round trips through our
// own reader, including rpm's stripped cpio form and a hostile package.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inspectPackage } from '../../builder/rpm/inspect.js';
import { payloadEntries } from '../../builder/rpm/reader.js';
import { writeRpm, type RpmDescription } from '../../builder/rpm/writer.js';
import { buildRepo } from '../helpers/rpm-builder.js';
import { tempDir, tools } from '../helpers/env.js';
import { describeTree, extractPayload } from './extract.js';

const tmp = tempDir('vzbuild-writer-');
afterAll(() => tmp.cleanup());

const hello = (over: Partial<RpmDescription> = {}): RpmDescription => ({
  name: 'hello',
  epoch: 2,
  version: '1.0',
  release: '3.el9',
  arch: 'x86_64',
  requires: ['bash >= 4.2', { name: 'coreutils', pre: ['pre', 'post'] }, '(foo or bar)', { name: 'glibc', sense: 'GE', version: '2.17-1' }],
  provides: ['hello-cap = 1.1'],
  conflicts: ['evil < 2'],
  obsoletes: ['old-hello <= 0.9'],
  recommends: ['rec'],
  suggests: ['sug'],
  supplements: ['(sup if hello)'],
  enhances: ['enh'],
  files: [
    { path: '/usr', type: 'dir' },
    { path: '/usr/bin', type: 'dir' },
    { path: '/usr/bin/hello', content: '#!/bin/sh\necho hi\n', mode: 0o755 },
    { path: '/usr/bin/hello2', type: 'hardlink', target: '/usr/bin/hello' },
    { path: '/usr/bin/hi', target: 'hello' },
    { path: '/etc/hello.conf', content: 'x=1\n', config: true, noreplace: true, user: 'nobody', group: 'nobody', mode: 0o640 },
    { path: '/var/log/hello.log', ghost: true },
    { path: '/usr/share/doc/hello/README', content: Buffer.alloc(100_000, 'r'), doc: true },
  ],
  scripts: { pre: 'echo pre', post: { body: 'print("hi")', interpreter: ['<lua>'] }, postun: { interpreter: ['/sbin/ldconfig'] } },
  triggers: [{ kind: 'in', on: ['bash'], body: 'echo trig' }],
  ...over,
});

const qf = (path: string, fmt: string) => execFileSync('rpm', ['-qp', '--qf', fmt, path], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

describe.skipIf(!tools('rpm', 'rpm2cpio', 'cpio', 'zstd', 'xz', 'bzip2'))('writeRpm', () => {
  for (const compression of ['gzip', 'zstd', 'xz', 'bzip2', 'lzma', 'none'] as const) {
    it(`${compression}: rpm -K, rpm -qp and rpm2cpio | cpio accept it; our reader agrees`, async () => {
      const out = join(tmp.path, `hello-${compression}.rpm`);
      const w = await writeRpm(hello({ compression }), out);
      expect(w.nevra).toBe('hello-2:1.0-3.el9.x86_64');
      expect(execFileSync('rpm', ['-K', out], { encoding: 'utf8' })).toMatch(/digests OK/);
      expect(qf(out, '%{NEVRA} %{PAYLOADCOMPRESSOR}')).toBe(`hello-2:1.0-3.el9.x86_64 ${compression === 'none' ? 'identity' : compression}`);
      expect(qf(out, '[%{REQUIRENAME} %{REQUIREFLAGS:deptype} %{REQUIREVERSION}\n]')).toContain('coreutils pre,post \n');
      const reqs = execFileSync('rpm', ['-qp', '--requires', out], { encoding: 'utf8' });
      expect(reqs).toContain('(foo or bar)\n');
      expect(reqs).toContain('bash >= 4.2\n');
      expect(reqs).toContain('rpmlib(RichDependencies) <= 4.12.0-1\n');
      expect(execFileSync('rpm', ['-qp', '--provides', out], { encoding: 'utf8' })).toBe('hello = 2:1.0-3.el9\nhello(x86-64) = 2:1.0-3.el9\nhello-cap = 1.1\n');
      expect(qf(out, '[%{FILENAMES} %{FILEMODES:perms} %{FILEUSERNAME} %{FILEFLAGS:fflags} %{FILELINKTOS}\n]')).toBe(
        [
          '/etc/hello.conf -rw-r----- nobody cn ',
          '/usr drwxr-xr-x root  ',
          '/usr/bin drwxr-xr-x root  ',
          '/usr/bin/hello -rwxr-xr-x root  ',
          '/usr/bin/hello2 -rwxr-xr-x root  ',
          '/usr/bin/hi lrwxrwxrwx root  hello',
          '/usr/share/doc/hello/README -rw-r--r-- root d ',
          '/var/log/hello.log -rw-r--r-- root g ',
          '',
        ].join('\n'),
      );
      const scripts = execFileSync('rpm', ['-qp', '--scripts', '--triggers', out], { encoding: 'utf8' });
      expect(scripts).toContain('postinstall scriptlet (using <lua>):\nprint("hi")');
      expect(scripts).toContain('postuninstall program: /sbin/ldconfig');
      expect(scripts).toContain('triggerin scriptlet (using /bin/sh) -- bash\necho trig');
      // The payload: cpio's listing, and extraction equal to ours byte for byte.
      const listing = execFileSync('sh', ['-c', 'rpm2cpio "$1" | cpio -t --quiet', 'sh', out], { encoding: 'utf8' });
      expect(listing.split('\n').filter(Boolean)).toEqual(['./etc/hello.conf', './usr', './usr/bin', './usr/bin/hello', './usr/bin/hello2', './usr/bin/hi', './usr/share/doc/hello/README']);
      const a = join(tmp.path, `${compression}.cpio`);
      const b = join(tmp.path, `${compression}.ours`);
      mkdirSync(a);
      mkdirSync(b);
      execFileSync('sh', ['-c', 'rpm2cpio "$1" | cpio -idm --quiet', 'sh', out], { cwd: a });
      await extractPayload(out, b);
      expect(await describeTree(b)).toEqual(await describeTree(a));
      const info = await inspectPackage(out, { verifyPayload: true });
      expect(info.payloadVerified).toBe(true);
      expect(info.files.find((f) => f.path === '/etc/hello.conf')?.attrs).toEqual(['config', 'noreplace']);
    });
  }

  it("rpm's stripped cpio form (07070X) round-trips through our reader, hard links included", async () => {
    const out = join(tmp.path, 'stripped.rpm');
    await writeRpm(hello({ strippedCpio: true, compression: 'none' }), out);
    expect(execFileSync('rpm', ['-K', out], { encoding: 'utf8' })).toMatch(/digests OK/);
    const seen: [string, number, number][] = [];
    for await (const e of payloadEntries(out)) {
      let n = 0;
      for await (const c of e.body) n += (c as Buffer).length;
      seen.push([e.path, n, e.nlink]);
    }
    expect(seen).toEqual([
      ['/etc/hello.conf', 4, 1],
      ['/usr', 0, 1],
      ['/usr/bin', 0, 1],
      ['/usr/bin/hello', 0, 2],
      ['/usr/bin/hello2', 18, 2],
      ['/usr/bin/hi', 0, 1],
      ['/usr/share/doc/hello/README', 100_000, 1],
    ]);
  });

  it('entry.bytes() gives the same content as entry.body, across chunk boundaries (newc and stripped, zstd)', async () => {
    for (const strippedCpio of [false, true]) {
      const out = join(tmp.path, `bytes-${strippedCpio}.rpm`);
      await writeRpm(hello({ strippedCpio, compression: 'zstd' }), out);
      const viaBody: [string, string][] = [];
      for await (const e of payloadEntries(out)) {
        const chunks: Buffer[] = [];
        for await (const c of e.body) chunks.push(c as Buffer);
        viaBody.push([e.path, createHash('sha256').update(Buffer.concat(chunks)).digest('hex')]);
      }
      const viaBytes: [string, string][] = [];
      for await (const e of payloadEntries(out)) {
        const b = await e.bytes();
        expect(b.length, e.path).toBe(e.size);
        // Symlinks' bytes are their target (what the cpio body holds); streams give none.
        viaBytes.push([e.path, createHash('sha256').update(e.linkTarget ? Buffer.alloc(0) : b).digest('hex')]);
        if (!e.linkTarget) await expect(e.bytes()).rejects.toThrow(/already consumed/);
      }
      expect(viaBytes).toEqual(viaBody);
    }
  });

  for (const strippedCpio of [false, true]) {
    it(`real rpm installs it and rpm -V passes (${strippedCpio ? 'stripped 07070X' : 'newc'} cpio, hard links, symlinks, empty files)`, async () => {
      const out = join(tmp.path, `install-${strippedCpio}.rpm`);
      const root = join(tmp.path, `root-${strippedCpio}`);
      mkdirSync(root);
      await writeRpm(
        {
          name: 'inst',
          version: '1',
          release: '1',
          arch: 'x86_64',
          strippedCpio,
          compression: 'zstd',
          files: [
            { path: '/opt/s', type: 'dir' },
            { path: '/opt/s/a', content: 'hello world\n', mode: 0o755 },
            { path: '/opt/s/b', type: 'hardlink', target: '/opt/s/a' },
            { path: '/opt/s/c', target: 'a' },
            { path: '/opt/s/d', content: Buffer.alloc(70_000, 3) },
            { path: '/opt/s/e', content: '' },
            { path: '/opt/s/f.conf', content: 'k=v\n', config: true, mode: 0o600 },
          ],
        },
        out,
      );
      const rpmArgs = ['--root', root, '--dbpath', '/var/lib/rpm'];
      execFileSync('rpm', ['-i', ...rpmArgs, '--nodeps', '--noscripts', out], { stdio: ['ignore', 'pipe', 'pipe'] });
      expect(execFileSync('rpm', ['-V', ...rpmArgs, 'inst'], { encoding: 'utf8' })).toBe('');
      const tree = await describeTree(join(root, 'opt/s'));
      expect(tree.map((e) => [e.path, e.type, e.mode, e.size, e.nlink, e.target])).toEqual([
        ['a', 'file', 0o755, 12, 2, undefined],
        ['b', 'file', 0o755, 12, 2, undefined],
        ['c', 'symlink', 0, undefined, undefined, 'a'],
        ['d', 'file', 0o644, 70_000, 1, undefined],
        ['e', 'file', 0o644, 0, 1, undefined],
        ['f.conf', 'file', 0o600, 4, 1, undefined],
      ]);
    });
  }

  it('writes hostile packages as described (symlink to /, then a file through it; ".." names)', async () => {
    const out = join(tmp.path, 'evil.rpm');
    await writeRpm(
      {
        name: 'evil',
        version: '1',
        release: '1',
        files: [
          { path: '/etc/evil', target: '/' },
          { path: '/etc/evil/etc/passwd', content: 'root::0:0::/:/bin/sh\n' },
          { path: '/usr/share/x', content: 'x', archiveName: './../../../tmp/x' },
        ],
      },
      out,
    );
    expect(execFileSync('rpm', ['-K', out], { encoding: 'utf8' })).toMatch(/digests OK/);
    const names: string[] = [];
    for await (const e of payloadEntries(out)) {
      names.push(`${e.archiveName}${e.linkTarget ? ' -> ' + e.linkTarget : ''}`);
      e.body.resume();
    }
    expect(names).toEqual(['./etc/evil -> /', './etc/evil/etc/passwd', './../../../tmp/x']);
  });

  it.skipIf(!tools('createrepo_c'))('buildRepo makes a createrepo_c repository of written packages', async () => {
    const dir = join(tmp.path, 'repo');
    const descs: RpmDescription[] = Array.from({ length: 50 }, (_, i) => ({
      name: `pkg${i}`,
      version: `1.${i}`,
      release: '1',
      arch: 'x86_64',
      requires: i ? [`pkg${i - 1} >= 1.${i - 1}`] : [],
      files: [{ path: `/usr/share/pkg${i}/data`, content: `data ${i}\n` }],
    }));
    const repo = await buildRepo(dir, descs);
    expect(repo.packages).toHaveLength(50);
    const primary = execFileSync('sh', ['-c', 'zcat "$1"/repodata/*-primary.xml.gz', 'sh', dir], { encoding: 'utf8' });
    expect(primary).toContain('packages="50"');
    expect(primary).toContain('<rpm:entry name="pkg48" flags="GE" epoch="0" ver="1.48"/>');
    expect(primary).toContain(`<checksum type="sha256" pkgid="YES">${repo.packages[7].sha256}</checksum>`);
  });
});
