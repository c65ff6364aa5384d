// Mirror sources (baseurl list, mirrorlist, metalink) and the metadata opener: failover,
// repomd.xml pinned by the metalink, repo_gpgcheck against repomd.xml.asc, mid-stream resume.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../builder/fetch/http.js';
import { metadataOpener } from '../../builder/fetch/metadata-opener.js';
import { parseMetalink } from '../../builder/fetch/metalink.js';
import { parseMirrorlist, resolveMirrors } from '../../builder/fetch/mirrors.js';
import { fetchLock } from '../../builder/pipeline/fetch.js';
import { tempDir, tools } from '../helpers/env.js';
import { serveRepo, type RepoServer } from '../helpers/http-server.js';
import { lockFromRepo, makeRepo } from './fixture.js';
import { FAST_HTTP, recipeRepo, testCtx } from './setup.js';

async function readAll(s: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function metalinkXml(repomd: Buffer, urls: { url: string; preference: number }[], alternate?: Buffer): string {
  const hashes = (b: Buffer) =>
    ['md5', 'sha1', 'sha256', 'sha512'].map((a) => `<hash type="${a}">${createHash(a).update(b).digest('hex')}</hash>`).join('\n');
  return `<?xml version="1.0" encoding="utf-8"?>
<metalink version="3.0" xmlns="http://www.metalinker.org/" type="dynamic" xmlns:mm0="http://fedorahosted.org/mirrormanager">
 <files>
  <file name="repomd.xml">
   <mm0:timestamp>1700000000</mm0:timestamp>
   <size>${repomd.length}</size>
   <verification>${hashes(repomd)}</verification>
   ${alternate ? `<mm0:alternates><mm0:alternate><mm0:timestamp>1</mm0:timestamp><size>${alternate.length}</size><verification>${hashes(alternate)}</verification></mm0:alternate></mm0:alternates>` : ''}
   <resources maxconnections="1">
    ${urls.map((u) => `<url protocol="http" type="http" location="US" preference="${u.preference}">${u.url}repodata/repomd.xml</url>`).join('\n    ')}
    <url protocol="rsync" type="rsync" location="US" preference="100">rsync://mirror.example/fedora/repodata/repomd.xml</url>
   </resources>
  </file>
 </files>
</metalink>`;
}

describe('mirror lists', () => {
  it('parses mirrorlists: URLs only, comments and junk skipped, a slash added', () => {
    expect(parseMirrorlist('# comment\nhttp://a.example/os\n\n  https://b.example/os/ \nftp://c.example/\nnot a url\n')).toEqual(['http://a.example/os/', 'https://b.example/os/']);
  });

  it('parses a metalink: http(s) mirrors by preference, repomd size and hashes, alternates', () => {
    const ml = parseMetalink(metalinkXml(Buffer.from('x'), [{ url: 'http://low/', preference: 10 }, { url: 'http://high/', preference: 100 }], Buffer.from('old')), 'ml');
    expect(ml.mirrors.map((m) => m.base)).toEqual(['http://high/', 'http://low/']);
    expect(ml.repomd.size).toBe(1);
    expect(Object.keys(ml.repomd.hashes).sort()).toEqual(['sha1', 'sha256', 'sha512']);
    expect(ml.alternates).toHaveLength(1);
    expect(() => parseMetalink('<metalink><files/></metalink>', 'bad.xml')).toThrow(/bad\.xml: metalink has no <file name="repomd.xml">/);
  });
});

describe.skipIf(!tools('rpmbuild', 'createrepo_c'))('mirrors over HTTP', () => {
  const tmp = tempDir('vzbuild-mirrors-');
  let repoDir: string;
  let a: RepoServer;
  let b: RepoServer;
  let lists: RepoServer;
  const http = new HttpClient(FAST_HTTP);
  beforeAll(async () => {
    repoDir = makeRepo(join(tmp.path, 'repo'), 6);
    a = await serveRepo(repoDir);
    b = await serveRepo(repoDir);
    mkdirSync(join(tmp.path, 'lists'));
    lists = await serveRepo(join(tmp.path, 'lists'));
  });
  afterEach(() => {
    for (const s of [a, b, lists]) {
      s.clearFaults();
      s.requests.splice(0);
    }
  });
  afterAll(async () => {
    http.close();
    for (const s of [a, b, lists]) await s?.close();
    tmp.cleanup();
  });

  it('fetches packages through a mirrorlist, failing over past a dead mirror', async () => {
    writeFileSync(join(tmp.path, 'lists', 'mirrorlist'), `http://127.0.0.1:1/dead/\n${a.url}\n${b.url}\n`);
    const lock = lockFromRepo(repoDir, '', 'ml');
    lock.repos[0].url = '';
    const repo = recipeRepo('ml', [], { mirrorlist: `${lists.url}mirrorlist` });
    const m = await resolveMirrors(http, repo, undefined);
    expect(m.bases).toEqual(['http://127.0.0.1:1/dead/', a.url, b.url]);
    const ctx = testCtx(join(tmp.path, 'cache-ml'));
    // One at a time, so the order is deterministic: the dead mirror is penalised after its
    // first failure, and every later file goes to `a` first.
    const r = await fetchLock(lock, [repo], ctx, { http: FAST_HTTP, retries: 0, concurrency: 1 });
    expect(r.stats.downloaded).toBe(lock.packages.length);
    expect(ctx.rec.events.filter((e) => e.event === 'fetch-retry')).toHaveLength(1);
    expect(a.requests.filter((q) => q.path.endsWith('.rpm'))).toHaveLength(lock.packages.length);
  });

  it('reports every mirror source that failed when none is usable', async () => {
    const repo = recipeRepo('none', [], { mirrorlist: `${lists.url}no-such-list` });
    await expect(resolveMirrors(http, repo, undefined)).rejects.toThrow(/repo none: no mirror to fetch from:\n  mirrorlist http:\/\/127\.0\.0\.1:\d+\/no-such-list: HTTP 404/);
  });

  it('takes repomd.xml only from a mirror matching the metalink (stale mirror skipped)', async () => {
    const repomd = readFileSync(join(repoDir, 'repodata', 'repomd.xml'));
    writeFileSync(join(tmp.path, 'lists', 'metalink'), metalinkXml(repomd, [{ url: a.url, preference: 100 }, { url: b.url, preference: 90 }]));
    a.fault({ match: 'repomd.xml', fault: 'wrong-bytes' });
    const open = metadataOpener(recipeRepo('fed', [], { metalink: `${lists.url}metalink` }), testCtx(join(tmp.path, 'c')), { http });
    expect((await readAll(await open('repodata/repomd.xml'))).equals(repomd)).toBe(true);
    expect(a.requests.filter((r) => r.path.endsWith('repomd.xml'))).toHaveLength(1);
    expect(b.requests.filter((r) => r.path.endsWith('repomd.xml'))).toHaveLength(1);
    b.fault({ match: 'repomd.xml', fault: 'wrong-bytes' });
    await expect(open('repodata/repomd.xml')).rejects.toThrow(/repo fed: repodata\/repomd.xml: download failed from every mirror tried:\n  .*does not match the metalink/);
  });

  it('opens metadata with failover before the first byte and resume after a break', async () => {
    const primary = readFileSync(join(repoDir, 'repodata', 'repomd.xml'), 'utf8').match(/href="(repodata\/[^"]*primary\.xml\.gz)"/)![1];
    const open = metadataOpener(recipeRepo('r', [a.url, b.url]), testCtx(join(tmp.path, 'c')), { http });
    a.fault({ match: 'primary', fault: '503' });
    const want = readFileSync(join(repoDir, primary));
    expect((await readAll(await open(primary))).equals(want)).toBe(true);
    a.clearFaults();
    a.fault({ match: 'primary', fault: 'truncate' });
    expect((await readAll(await open(primary))).equals(want)).toBe(true);
    expect(b.requests.at(-1)?.range).toMatch(/^bytes=\d+-$/);
    a.clearFaults();
    a.fault({ match: 'primary', fault: '404' });
    b.fault({ match: 'primary', fault: '404' });
    await expect(open(primary)).rejects.toThrow(/download failed from every mirror tried:\n  http:\/\/127\.0\.0\.1:\d+\/repodata\/.*primary\.xml\.gz: HTTP 404\n  http/);
    // hrefs from metadata cannot reach local files or climb out of the repo.
    await expect(open('file:///etc/passwd')).rejects.toThrow(/E?metadata href "file:\/\/\/etc\/passwd" is not an http\(s\) URL/);
    await expect(open('repodata/../../etc/passwd')).rejects.toThrow(/escapes the repository/);
  });

  it.skipIf(!tools('gpg', 'gpgconf'))('repo_gpgcheck verifies repomd.xml.asc against the pinned key', async () => {
    const home = join(tmp.path, 'gnupg');
    mkdirSync(home, { mode: 0o700 });
    const env = { ...process.env, GNUPGHOME: home };
    const gpg = (...args: string[]) => execFileSync('gpg', ['--batch', '--passphrase', '', ...args], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      gpg('--quick-gen-key', 'Repo <repo@vzbuild.test>', 'ed25519', 'sign', 'never');
      const fp = /^fpr:+([0-9A-F]{40}):/m.exec(gpg('--with-colons', '--list-keys', 'repo@vzbuild.test'))![1];
      const key = join(tmp.path, 'repo.asc');
      writeFileSync(key, gpg('--armor', '--export', 'repo@vzbuild.test'));
      const signed = join(tmp.path, 'signed');
      mkdirSync(join(signed, 'repodata'), { recursive: true });
      writeFileSync(join(signed, 'repodata', 'repomd.xml'), readFileSync(join(repoDir, 'repodata', 'repomd.xml')));
      gpg('--armor', '--detach-sign', '--output', join(signed, 'repodata', 'repomd.xml.asc'), join(signed, 'repodata', 'repomd.xml'));
      const s = await serveRepo(signed);
      try {
        const repo = recipeRepo('sig', [s.url], { repoGpgcheck: true, gpgkey: [`file://${key}`], fingerprint: [fp] });
        const open = metadataOpener(repo, testCtx(join(tmp.path, 'c')), { http });
        expect((await readAll(await open('repodata/repomd.xml'))).length).toBeGreaterThan(100);
        // A single bad copy is survived by the next round over the mirrors ...
        s.fault({ match: 'repomd.xml', fault: 'wrong-bytes', times: 1 });
        expect((await readAll(await open('repodata/repomd.xml'))).length).toBeGreaterThan(100);
        // ... a mirror that keeps serving forged metadata is refused, with the reason.
        s.fault({ match: 'repomd.xml', fault: 'wrong-bytes' });
        await expect(open("repodata/repomd.xml")).rejects.toThrow(/repo sig: .*repomd\.xml: (BAD|unreadable) signature/);
        s.clearFaults();
      } finally {
        await s.close();
      }
    } finally {
      execFileSync('gpgconf', ['--kill', 'gpg-agent'], { env, stdio: 'ignore' });
    }
  });
});
