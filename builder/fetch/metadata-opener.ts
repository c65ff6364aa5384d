// Repository metadata over http(s)/file with the same mirror failover as packages, for the
// repo stage's loadRepo(open). repomd.xml is checked against the metalink's pinned size and
// hashes when the repo has one (a mirror serving a stale or forged repomd is skipped), and
// against repomd.xml.asc when the recipe sets repo_gpgcheck. Other files are verified by the
// repo stage against repomd's checksums; here a transfer that breaks off mid-stream resumes
// from the next mirror at the same offset, so the caller sees one unbroken stream.
import { createHash } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Ctx } from '../context.js';
import { BuilderError } from '../errors.js';
import type { RecipeRepo } from '../model/recipe.js';
import { DownloadError, type MirrorFailure } from './errors.js';
import { HttpClient, type HttpResponse } from './http.js';
import { loadRepoKeys, verifyDetachedArmored } from './keys.js';
import type { Metalink } from './metalink.js';
import { fetchText, mirrorOrder, resolveMirrors, type MirrorSet } from './mirrors.js';

const MAX_REPOMD = 16 << 20;
/** Passes over the mirror list before giving up, as librepo retries a repo's mirrors: a
 * transient 503 or reset on the only mirror must not fail a build. */
const ROUNDS = 3;
const backoff = (round: number, signal?: AbortSignal) => sleep(250 * 2 ** (round - 1), undefined, { signal });

export type MetadataOpen = ((href: string) => Promise<Readable>) & { close(): void };

export interface MetadataOpenerOptions {
  http?: HttpClient;
  /** The base URL a lock recorded for this repo: tried first. */
  lockUrl?: string;
}

export function metadataOpener(repo: RecipeRepo, ctx: Ctx, opts: MetadataOpenerOptions = {}): MetadataOpen {
  const http = opts.http ?? new HttpClient({}, ctx.env);
  let mirrors: Promise<MirrorSet> | undefined;
  const getMirrors = () => (mirrors ??= resolveMirrors(http, repo, opts.lockUrl ? { id: repo.id, url: opts.lockUrl, repomd: '' } : undefined, ctx.signal));

  const open = async (href: string): Promise<Readable> => {
    const m = await getMirrors();
    // hrefs come from (possibly hostile) metadata: an absolute one may only point at http(s),
    // never at a local file, and a relative one may not climb out of the repo.
    if (/^[a-z][a-z0-9+.-]*:/i.test(href)) {
      if (!/^https?:\/\//i.test(href)) throw new BuilderError('E_UNSAFE_PATH', `repo ${repo.id}: metadata href "${href}" is not an http(s) URL`);
      return streamWithFailover([href], http, m, ctx, href);
    }
    const rel = href.replace(/^\/+/, '');
    if (rel.split('/').includes('..')) throw new BuilderError('E_UNSAFE_PATH', `repo ${repo.id}: metadata href "${href}" escapes the repository`);
    if (rel === 'repodata/repomd.xml') return Readable.from([await openRepomd(rel, http, m, repo, ctx)]);
    return streamWithFailover(mirrorOrder(m).map((b) => b + rel), http, m, ctx, `repo ${repo.id}: ${rel}`);
  };
  return Object.assign(open, { close: () => (opts.http ? undefined : http.close()) });
}

async function readAll(res: HttpResponse, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of res.body) {
    n += (c as Buffer).length;
    if (n > max) {
      res.body.destroy();
      throw new Error(`larger than ${max} bytes`);
    }
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

function matchesMetalink(buf: Buffer, ml: Metalink): string | undefined {
  const candidates = [ml.repomd, ...ml.alternates];
  for (const c of candidates) {
    if (c.size !== undefined && c.size !== buf.length) continue;
    const ok = Object.entries(c.hashes).every(([algo, hex]) => {
      try {
        return createHash(algo).update(buf).digest('hex') === hex;
      } catch (err) {
        // A hash type node does not know cannot pin anything; the others still must match.
        void err;
        return true;
      }
    });
    if (ok) return undefined;
  }
  return `does not match the metalink (size ${buf.length}; expected ${ml.repomd.size ?? '?'} bytes, ${Object.keys(ml.repomd.hashes).join('/')} as pinned): stale or forged mirror`;
}

async function openRepomd(rel: string, http: HttpClient, m: MirrorSet, repo: RecipeRepo, ctx: Ctx): Promise<Buffer> {
  const failures: MirrorFailure[] = [];
  const keys = repo.repoGpgcheck ? await loadRepoKeys(repo, http, ctx) : undefined;
  for (let round = 0; round < ROUNDS; round++) {
   if (round > 0) await backoff(round, ctx.signal);
   for (const base of mirrorOrder(m)) {
    try {
      const res = await http.open(base + rel, { tls: m.tls, signal: ctx.signal });
      if (res.status !== 200) {
        res.body.destroy();
        throw new Error(`HTTP ${res.status}`);
      }
      const buf = await readAll(res, MAX_REPOMD);
      const bad = m.metalink && matchesMetalink(buf, m.metalink);
      if (bad) throw new Error(`repomd.xml ${bad}`);
      if (keys) {
        const asc = await fetchText(http, base + rel + '.asc', m.tls, ctx.signal).catch((e: Error) => {
          throw new Error(`repo_gpgcheck: cannot get repomd.xml.asc: ${e.message}`);
        });
        await verifyDetachedArmored(buf, asc, keys, `repo ${repo.id}: ${base}${rel}`);
      }
      return buf;
    } catch (err) {
      if (ctx.signal?.aborted) throw err;
      m.penalty.set(base, (m.penalty.get(base) ?? 0) + 1);
      failures.push({ url: base, reason: (err as Error).message, attempts: round + 1 });
    }
   }
  }
  throw new DownloadError(`repo ${repo.id}: ${rel}`, failures);
}

/**
 * A stream of one file that survives mirror failures: the first open fails over before any
 * byte (so the caller's await rejects with every mirror's reason), later breaks resume from
 * the next mirror with Range at the current offset (skipping bytes if a mirror ignores Range).
 */
async function streamWithFailover(urls: string[], http: HttpClient, m: MirrorSet, ctx: Ctx, subject: string): Promise<Readable> {
  const failures: MirrorFailure[] = [];
  const next = async (offset: number, from: number): Promise<{ res: HttpResponse; skip: number; index: number; total?: number }> => {
    // Indexes past the end wrap around for another round over the mirrors (after a pause).
    for (let i = from; i < urls.length * ROUNDS; i++) {
      if (i > from && i % urls.length === 0) await backoff(i / urls.length, ctx.signal);
      try {
        const res = await http.open(urls[i % urls.length], { offset, tls: m.tls, signal: ctx.signal });
        const len = res.headers['content-length'] === undefined ? undefined : Number(res.headers['content-length']);
        if (res.status === 200) return { res, skip: offset, index: i, total: len };
        if (res.status === 206 && offset > 0 && String(res.headers['content-range'] ?? '').startsWith(`bytes ${offset}-`)) {
          return { res, skip: 0, index: i, total: len === undefined ? undefined : offset + len };
        }
        res.body.destroy();
        throw new Error(`HTTP ${res.status}`);
      } catch (err) {
        if (ctx.signal?.aborted) throw err;
        failures.push({ url: urls[i % urls.length], reason: (err as Error).message, attempts: Math.floor(i / urls.length) + 1 });
      }
    }
    throw new DownloadError(subject, failures);
  };
  let cur = await next(0, 0);
  const out = new PassThrough();
  (async () => {
    let offset = 0;
    for (;;) {
      try {
        for await (const chunk of cur.res.body) {
          let c = chunk as Buffer;
          if (cur.skip) {
            const drop = Math.min(cur.skip, c.length);
            cur.skip -= drop;
            c = c.subarray(drop);
            if (!c.length) continue;
          }
          offset += c.length;
          if (!out.write(c)) await new Promise((r) => out.once('drain', r));
        }
        // A server that closes cleanly but early has not sent the file.
        if (cur.total !== undefined && offset < cur.total) throw new Error(`truncated at ${offset} of ${cur.total} bytes`);
        out.end();
        return;
      } catch (err) {
        if (ctx.signal?.aborted) throw err;
        failures.push({ url: urls[cur.index % urls.length], reason: (err as Error).message, attempts: Math.floor(cur.index / urls.length) + 1 });
        cur = await next(offset, cur.index + 1);
      }
    }
  })().catch((err) => out.destroy(err));
  return out;
}
