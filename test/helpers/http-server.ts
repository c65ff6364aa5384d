// A real HTTP server on 127.0.0.1 serving a directory (a yum repo), which a test can tell,
// per path, to misbehave: 503, reset the connection, truncate, send wrong bytes, stall,
// trickle, ignore Range, 404, or answer late. Each fault can be limited to the first N requests of a path.
// Records every request (path, Range, status) so tests can assert what happened.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';
import { Transform } from 'node:stream';

export type Fault = '503' | '404' | 'reset' | 'truncate' | 'wrong-bytes' | 'stall' | 'trickle' | 'ignore-range' | 'delay';

export interface FaultRule {
  /** Matches when the request path (without the mount prefix) contains this string; '' = every path. */
  match: string;
  fault: Fault;
  /** Apply to this many matching requests, then behave (default: forever). */
  times?: number;
}

export interface RequestLog {
  path: string;
  range?: string;
  status: number;
  fault?: Fault;
}

export interface RepoServer {
  url: string;
  port: number;
  requests: RequestLog[];
  fault(rule: FaultRule): void;
  clearFaults(): void;
  close(): Promise<void>;
}

export interface ServeOptions {
  prefix?: string;
  /** Serve https with this key/cert (PEM); with `ca`, require a client certificate it signed. */
  tls?: { key: Buffer; cert: Buffer; ca?: Buffer };
}

/** Serve `root` at http(s)://127.0.0.1:PORT/ (optionally with a path prefix). */
export async function serveRepo(root: string, opts: ServeOptions = {}): Promise<RepoServer> {
  const prefix = opts.prefix ?? '/';
  const rules: (FaultRule & { used: number })[] = [];
  const requests: RequestLog[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const handler: http.RequestListener = async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = decodeURIComponent(url.pathname);
    const log: RequestLog = { path, range: req.headers.range, status: 0 };
    requests.push(log);
    const send = (status: number, body = '') => {
      log.status = status;
      res.writeHead(status, { 'content-length': Buffer.byteLength(body) }).end(body);
    };
    if (!path.startsWith(prefix)) return send(404);
    const rel = normalize(path.slice(prefix.length));
    if (rel.startsWith('..')) return send(403);
    const rule = rules.find((r) => path.includes(r.match) && (r.times === undefined || r.used < r.times));
    if (rule) rule.used++;
    const fault = rule?.fault;
    log.fault = fault;
    if (fault === '503') return send(503, 'overloaded');
    if (fault === '404') return send(404, 'not here');
    // 'delay': answer correctly, 150 ms late (keeps transfers in flight for race tests).
    if (fault === 'delay') await new Promise((r) => setTimeout(r, 150));
    const file = join(root, rel);
    let size: number;
    try {
      const st = await stat(file);
      if (!st.isFile()) return send(404);
      size = st.size;
    } catch {
      return send(404); // missing file: a plain 404 as a server gives
    }
    let start = 0;
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (m && fault !== 'ignore-range') {
      start = Number(m[1]);
      if (start >= size) {
        log.status = 416;
        res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
        return;
      }
      log.status = 206;
      res.writeHead(206, { 'content-length': size - start, 'content-range': `bytes ${start}-${size - 1}/${size}`, 'accept-ranges': 'bytes' });
    } else {
      log.status = 200;
      res.writeHead(200, { 'content-length': size, 'accept-ranges': 'bytes' });
    }
    const remaining = size - start;
    const half = Math.max(1, Math.floor(remaining / 2));
    const body = createReadStream(file, { start, highWaterMark: 16 << 10 });
    switch (fault) {
      case 'reset':
      case 'truncate':
      case 'stall': {
        // Send half the bytes, then: RST, a clean FIN, or silence (until the client gives up).
        const cut = createReadStream(file, { start, end: start + half - 1 });
        cut.on('data', (c) => res.write(c));
        cut.on('end', () => {
          if (fault === 'reset') req.socket.resetAndDestroy();
          else if (fault === 'truncate') req.socket.end();
        });
        return;
      }
      case 'wrong-bytes': {
        let flipped = false;
        body
          .pipe(
            new Transform({
              transform(chunk: Buffer, _e, cb) {
                if (!flipped) {
                  chunk = Buffer.from(chunk);
                  chunk[chunk.length - 1] ^= 0xff;
                  flipped = true;
                }
                cb(null, chunk);
              },
            }),
          )
          .pipe(res);
        return;
      }
      case 'trickle': {
        // 64 bytes every 100 ms: alive, but far below any sane minimum rate.
        let off = start;
        const t = setInterval(() => {
          if (res.destroyed || off >= size) {
            clearInterval(t);
            timers.delete(t);
            res.end();
            return;
          }
          const n = Math.min(64, size - off);
          const s = createReadStream(file, { start: off, end: off + n - 1 });
          off += n;
          s.on('data', (c) => res.write(c));
        }, 100);
        timers.add(t);
        return;
      }
      default:
        body.pipe(res);
    }
  };
  const server = opts.tls
    ? https.createServer({ key: opts.tls.key, cert: opts.tls.cert, ca: opts.tls.ca, requestCert: !!opts.tls.ca, rejectUnauthorized: !!opts.tls.ca }, handler)
    : http.createServer(handler);
  server.on('connection', (s: import('node:net').Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}${prefix}`,
    port,
    requests,
    fault: (r) => rules.push({ ...r, used: 0 }),
    clearFaults: () => void rules.splice(0),
    close: async () => {
      for (const t of timers) clearInterval(t);
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
