// The HTTP(S) and file:// transport of the fetch stage: one client per run with keep-alive
// agents (proxied when the environment says so), per-repo TLS client certificates (RHEL CDN),
// timeouts, and a low-speed guard as librepo has (minrate). Retries and mirror failover are
// not here but in ./download.ts, which knows what a failure means for a file.
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { Agents, Got } from 'got';
import { bypassProxy, HttpsTunnelAgent, HttpTunnelAgent, proxyFromEnv, type ProxyEnv } from './proxy.js';

export interface HttpSettings {
  /** TCP connect (and TLS handshake) timeout. */
  connectTimeoutMs: number;
  /** No byte for this long on an open request: give up on it (dnf's `timeout`). */
  idleTimeoutMs: number;
  /** Bytes/s below which a transfer is "too slow" over `lowSpeedWindowMs` (dnf's `minrate`). */
  minRate: number;
  lowSpeedWindowMs: number;
  /** Parallel connections per host. */
  perHost: number;
  userAgent: string;
  /**
   * 'node': node's http(s).request on the same agents, for packages (measured: got builds and
   * merges an Options object per request, ~1.5 ms CPU each, which dominates a run of many
   * small RPMs on a busy machine). 'got': got 14 for every request. Unknown values throw.
   */
  transport: 'node' | 'got';
}

export const DEFAULT_HTTP: HttpSettings = {
  connectTimeoutMs: 30_000,
  idleTimeoutMs: 30_000,
  minRate: 1000,
  lowSpeedWindowMs: 30_000,
  perHost: 6,
  userAgent: 'vzbuild',
  transport: 'node',
};

/** TLS material for one repo (yum/dnf's sslcacert, sslclientcert, sslclientkey, sslverify). */
// got loads in ~100 ms; a warm run (all cache hits) never needs it.
let gotModule: Promise<Got> | undefined;
const loadGot = () => (gotModule ??= import('got').then((m) => m.default));

export interface RepoTls {
  sslcacert?: string;
  sslclientcert?: string;
  sslclientkey?: string;
  sslverify?: boolean;
}

export interface HttpResponse {
  url: string;
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Readable;
}

export interface OpenOptions {
  /** Ask for the bytes from this offset on (Range); the caller checks the answer. */
  offset?: number;
  tls?: RepoTls;
  signal?: AbortSignal;
}

export class HttpClient {
  readonly settings: HttpSettings;
  private readonly proxy: ProxyEnv;
  private readonly direct: Agents;
  private proxied?: Agents;
  private readonly pem = new Map<string, Promise<Buffer>>();

  constructor(settings: Partial<HttpSettings> = {}, env: NodeJS.ProcessEnv = {}) {
    this.settings = { ...DEFAULT_HTTP, ...settings };
    this.proxy = proxyFromEnv(env);
    const agentOpts = { keepAlive: true, maxSockets: this.settings.perHost, maxFreeSockets: this.settings.perHost };
    this.direct = { http: new http.Agent(agentOpts), https: new https.Agent(agentOpts) };
  }

  private agentsFor(url: URL): Agents {
    const proxy = url.protocol === 'https:' ? this.proxy.https : this.proxy.http;
    if (!proxy || bypassProxy(url, this.proxy.noProxy)) return this.direct;
    const agentOpts = { keepAlive: true, maxSockets: this.settings.perHost, maxFreeSockets: this.settings.perHost };
    this.proxied ??= {
      http: this.proxy.http ? new HttpTunnelAgent({ proxy: this.proxy.http }, agentOpts) : this.direct.http,
      https: this.proxy.https ? new HttpsTunnelAgent({ proxy: this.proxy.https }, agentOpts) : this.direct.https,
    };
    return this.proxied;
  }

  private readPem(path: string | undefined): Promise<Buffer> | undefined {
    if (!path) return undefined;
    const file = path.startsWith('file://') ? fileURLToPath(path) : path;
    let p = this.pem.get(file);
    if (!p) this.pem.set(file, (p = readFile(file)));
    return p;
  }

  /** Open a URL; resolves once response headers arrived (or the file is open). */
  async open(href: string, o: OpenOptions = {}): Promise<HttpResponse> {
    const url = new URL(href);
    if (url.protocol === 'file:') return openFile(url, o.offset ?? 0);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`unsupported URL scheme ${url.protocol}`);
    const [ca, cert, key] = await Promise.all([this.readPem(o.tls?.sslcacert), this.readPem(o.tls?.sslclientcert), this.readPem(o.tls?.sslclientkey)]);
    const s = this.settings;
    if (s.transport === 'node') return this.openNode(url, href, o, { ca, cert, key });
    if (s.transport !== 'got') throw new Error(`unknown HTTP transport "${String(s.transport)}"`);
    const got = await loadGot();
    const stream = got.stream(url, {
      agent: this.agentsFor(url),
      headers: { 'user-agent': s.userAgent, ...(o.offset ? { range: `bytes=${o.offset}-` } : {}) },
      // RPMs are stored compressed already; a transparent gunzip would break Range offsets.
      decompress: false,
      retry: { limit: 0 },
      throwHttpErrors: false,
      timeout: { lookup: s.connectTimeoutMs, connect: s.connectTimeoutMs, secureConnect: s.connectTimeoutMs, socket: s.idleTimeoutMs, response: s.idleTimeoutMs },
      https: { certificateAuthority: ca, certificate: cert, key, rejectUnauthorized: o.tls?.sslverify ?? true },
      signal: o.signal,
    });
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      stream.once('error', onError);
      stream.once('response', (res: http.IncomingMessage) => {
        stream.off('error', onError);
        resolve({ url: href, status: res.statusCode ?? 0, headers: res.headers, body: stream });
      });
    });
  }

  private openNode(url: URL, href: string, o: OpenOptions, pem: { ca?: Buffer; cert?: Buffer; key?: Buffer }): Promise<HttpResponse> {
    const s = this.settings;
    const agents = this.agentsFor(url);
    const secure = url.protocol === 'https:';
    return new Promise((resolve, reject) => {
      const req = (secure ? https : http).request(url, {
        agent: (secure ? agents.https : agents.http) as http.Agent,
        headers: { 'user-agent': s.userAgent, ...(o.offset ? { range: `bytes=${o.offset}-` } : {}) },
        ...(secure ? { ca: pem.ca, cert: pem.cert, key: pem.key, rejectUnauthorized: o.tls?.sslverify ?? true } : {}),
        signal: o.signal,
      });
      // Until the response starts: connect (+TLS) and the server's first byte.
      const waiting = setTimeout(() => req.destroy(timeoutError(`no response within ${s.connectTimeoutMs + s.idleTimeoutMs} ms`)), s.connectTimeoutMs + s.idleTimeoutMs);
      // Afterwards: socket inactivity (a stalled transfer).
      req.setTimeout(s.idleTimeoutMs, () => req.destroy(timeoutError(`no data for ${s.idleTimeoutMs} ms`)));
      req.once('error', (err) => {
        clearTimeout(waiting);
        reject(err);
      });
      req.once('response', (res) => {
        clearTimeout(waiting);
        // From here on a failure of the request (reset, timeout) is a failure of the body.
        req.removeAllListeners('error');
        req.on('error', (err) => res.destroy(err));
        res.once('aborted', () => res.destroy(Object.assign(new Error('connection reset'), { code: 'ECONNRESET' })));
        resolve({ url: href, status: res.statusCode ?? 0, headers: res.headers, body: res });
      });
      req.end();
    });
  }

  close(): void {
    for (const a of [this.direct, this.proxied]) {
      (a?.http as http.Agent | undefined)?.destroy();
      (a?.https as https.Agent | undefined)?.destroy();
    }
  }
}

async function openFile(url: URL, offset: number): Promise<HttpResponse> {
  const path = fileURLToPath(url);
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      return { url: url.href, status: 404, headers: {}, body: Readable.from([]) };
    }
    throw err;
  }
  const body = createReadStream(path, { start: offset, highWaterMark: 1 << 20 });
  // Answer like a server that honours Range, so callers have one code path.
  const headers = offset > 0 ? { 'content-range': `bytes ${offset}-${size - 1}/${size}`, 'content-length': String(size - offset) } : { 'content-length': String(size) };
  return { url: url.href, status: offset > 0 ? 206 : 200, headers, body };
}


/**
 * Abort `body` with a "too slow" error when fewer than minRate*window bytes arrived during
 * any full window (the idle timeout catches silence; this catches trickling mirrors).
 */
export function guardLowSpeed(body: Readable, s: Pick<HttpSettings, 'minRate' | 'lowSpeedWindowMs'>): () => void {
  if (s.minRate <= 0) return () => {};
  let windowBytes = 0;
  body.on('data', (c: Buffer) => {
    windowBytes += c.length;
  });
  const timer = setInterval(() => {
    const rate = (windowBytes * 1000) / s.lowSpeedWindowMs;
    windowBytes = 0;
    if (rate < s.minRate) body.destroy(new SlowTransferError(rate, s.minRate));
  }, s.lowSpeedWindowMs);
  timer.unref();
  return () => clearInterval(timer);
}

function timeoutError(msg: string): Error {
  return Object.assign(new Error(`timed out (${msg})`), { code: 'ETIMEDOUT' });
}

export class SlowTransferError extends Error {
  readonly code = 'ESLOW';
  constructor(rate: number, min: number) {
    super(`too slow: ${Math.round(rate)} B/s, below the ${min} B/s minimum`);
  }
}
