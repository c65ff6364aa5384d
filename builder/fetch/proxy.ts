// Proxies from the environment (http_proxy, https_proxy, no_proxy, as curl and librepo read
// them) through agents that open a CONNECT tunnel to the proxy, for http and https targets
// alike (what hpagent does). Not supported: SOCKS proxies, and proxies that allow CONNECT only
// to port 443 when the target is plain http.
import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';

export interface ProxyEnv {
  http?: URL;
  https?: URL;
  noProxy: string[];
}

export function proxyFromEnv(env: NodeJS.ProcessEnv): ProxyEnv {
  const pick = (...names: string[]) => names.map((n) => env[n]).find((v) => v && v.trim());
  const parse = (v: string | undefined, name: string): URL | undefined => {
    if (!v) return undefined;
    const u = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(v) ? v : `http://${v}`);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`${name}: unsupported proxy scheme ${u.protocol} (only http:// and https:// proxies)`);
    return u;
  };
  const all = pick('all_proxy', 'ALL_PROXY');
  return {
    // Like curl, only the lower-case http_proxy counts (HTTP_PROXY is attacker-controlled in CGI).
    http: parse(pick('http_proxy') ?? all, 'http_proxy'),
    https: parse(pick('https_proxy', 'HTTPS_PROXY') ?? all, 'https_proxy'),
    noProxy: (pick('no_proxy', 'NO_PROXY') ?? '').split(/[\s,]+/).filter(Boolean).map((s) => s.toLowerCase()),
  };
}

/** Does no_proxy exempt this URL? Entries: "*", host names (suffix match), ".domain", host:port, IPs. */
export function bypassProxy(url: URL, noProxy: string[]): boolean {
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  for (const raw of noProxy) {
    if (raw === '*') return true;
    let entry = raw;
    let entryPort: string | undefined;
    const m = /^(.*):(\d+)$/.exec(entry);
    if (m && !entry.includes('::')) [, entry, entryPort] = m;
    if (entryPort && entryPort !== port) continue;
    entry = entry.replace(/^\*?\./, '');
    if (host === entry || host.endsWith('.' + entry)) return true;
  }
  return false;
}

interface TunnelOptions {
  proxy: URL;
  tls?: tls.ConnectionOptions;
}

function connectTunnel(proxy: URL, target: { host: string; port: number }, timeoutMs: number, cb: (err: Error | null, socket?: Duplex) => void): void {
  const headers: Record<string, string> = { host: `${target.host}:${target.port}` };
  if (proxy.username || proxy.password) {
    headers['proxy-authorization'] = 'Basic ' + Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64');
  }
  const req = (proxy.protocol === 'https:' ? https : http).request({
    host: proxy.hostname,
    port: proxy.port || (proxy.protocol === 'https:' ? 443 : 80),
    method: 'CONNECT',
    path: `${target.host}:${target.port}`,
    headers,
    agent: false,
    timeout: timeoutMs,
  });
  req.once('connect', (res, socket) => {
    req.removeAllListeners();
    if (res.statusCode === 200) cb(null, socket);
    else {
      socket.destroy();
      cb(new Error(`proxy ${proxy.host} refused CONNECT ${target.host}:${target.port}: HTTP ${res.statusCode}`));
    }
  });
  req.once('timeout', () => req.destroy(new Error(`proxy ${proxy.host}: CONNECT timed out`)));
  req.once('error', (err) => {
    req.removeAllListeners();
    cb(err);
  });
  req.end();
}

/** An http.Agent whose connections go through a CONNECT tunnel. */
export class HttpTunnelAgent extends http.Agent {
  constructor(private readonly tunnel: TunnelOptions, opts: http.AgentOptions) {
    super(opts);
  }
  override createConnection(options: http.ClientRequestArgs, cb: (err: Error | null, socket?: Duplex) => void): undefined {
    connectTunnel(this.tunnel.proxy, { host: String(options.host ?? options.hostname), port: Number(options.port ?? 80) }, Number(options.timeout ?? 30_000), cb);
    return undefined;
  }
}

/** An https.Agent whose TLS connections run inside a CONNECT tunnel. */
export class HttpsTunnelAgent extends https.Agent {
  constructor(private readonly tunnel: TunnelOptions, opts: https.AgentOptions) {
    super(opts);
  }
  override createConnection(options: tls.ConnectionOptions & http.ClientRequestArgs, cb: (err: Error | null, socket?: Duplex) => void): undefined {
    const host = String(options.host ?? options.hostname);
    connectTunnel(this.tunnel.proxy, { host, port: Number(options.port ?? 443) }, Number(options.timeout ?? 30_000), (err, socket) => {
      if (err || !socket) return cb(err ?? new Error('no tunnel socket'));
      const secure = tls.connect({ ...options, socket, servername: options.servername ?? host });
      cb(null, secure);
    });
    return undefined;
  }
}
