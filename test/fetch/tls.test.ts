// TLS options of RHEL CDN style repos: a private CA (sslcacert) and a client certificate
// (sslclientcert/sslclientkey) the server requires. Certificates are made by openssl here.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchLock } from '../../builder/pipeline/fetch.js';
import { tempDir, tools } from '../helpers/env.js';
import { serveRepo, type RepoServer } from '../helpers/http-server.js';
import { lockFromRepo, makeRepo } from './fixture.js';
import { FAST_HTTP, recipeRepo, testCtx } from './setup.js';

describe.skipIf(!tools('openssl', 'rpmbuild', 'createrepo_c'))('https with a private CA and client certificates', () => {
  const tmp = tempDir('vzbuild-tls-');
  const f = (n: string) => join(tmp.path, n);
  let s: RepoServer;
  let repoDir: string;
  beforeAll(async () => {
    const ssl = (...a: string[]) => execFileSync('openssl', a, { cwd: tmp.path, stdio: 'ignore' });
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    ssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-subj', '/CN=vzbuild test CA', '-days', '2');
    writeFileSync(f('san.ext'), 'subjectAltName=IP:127.0.0.1\n');
    for (const who of ['server', 'client']) {
      ssl('req', ...ec, '-keyout', `${who}.key`, '-out', `${who}.csr`, '-subj', `/CN=${who === 'server' ? '127.0.0.1' : 'entitlement'}`);
      ssl('x509', '-req', '-in', `${who}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${who}.crt`, '-days', '2', ...(who === 'server' ? ['-extfile', 'san.ext'] : []));
    }
    repoDir = makeRepo(f('repo'), 3);
    s = await serveRepo(repoDir, { tls: { key: readFileSync(f('server.key')), cert: readFileSync(f('server.crt')), ca: readFileSync(f('ca.crt')) } });
  });
  afterAll(async () => {
    await s?.close();
    tmp.cleanup();
  });

  it('fetches with sslcacert + sslclientcert/sslclientkey, and fails naming the mirror without them', async () => {
    const lock = lockFromRepo(repoDir, s.url);
    const tls = { sslcacert: f('ca.crt'), sslclientcert: f('client.crt'), sslclientkey: f('client.key') };
    const r = await fetchLock(lock, [recipeRepo('test', [s.url], tls)], testCtx(f('c1')), { http: FAST_HTTP });
    expect(r.stats.downloaded).toBe(3);
    expect(s.requests.filter((q) => q.status === 200)).toHaveLength(3);

    const noClient = await fetchLock(lock, [recipeRepo('test', [s.url], { sslcacert: f('ca.crt') })], testCtx(f('c2')), { http: FAST_HTTP, retries: 0 }).catch((e) => e);
    expect(noClient.code).toBe('E_FETCH');
    expect(noClient.message).toContain(s.url);
    const noCa = await fetchLock(lock, [recipeRepo('test', [s.url], { sslclientcert: f('client.crt'), sslclientkey: f('client.key') })], testCtx(f('c3')), { http: FAST_HTTP, retries: 0 }).catch((e) => e);
    expect(noCa.message).toMatch(/self[- ]signed|unable to (get|verify)/i);
  });
});
