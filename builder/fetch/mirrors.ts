// Where a repo's files can come from: its baseurl list, a mirrorlist (one URL per line) or
// a metalink, resolved once per run into an ordered list of base URLs. A failing mirror is
// dropped per file by ./download.ts; mirrors that failed before are tried later for the
// following files (a per-run penalty, as librepo reorders by failures).
import type { LockedRepo } from '../model/lockfile.js';
import type { RecipeRepo } from '../model/recipe.js';
import { MirrorListError } from './errors.js';
import type { HttpClient, RepoTls } from './http.js';
import { parseMetalink, type Metalink } from './metalink.js';

/** Mirror list and metalink documents are small; a bigger answer is an error page or an attack. */
const MAX_LIST_BYTES = 4 << 20;

export interface MirrorSet {
  repo: string;
  /** Base URLs, each ending in "/", in order of preference. */
  bases: string[];
  metalink?: Metalink;
  tls?: RepoTls;
  /** Failures per base URL during this run; more failures = tried later. */
  penalty: Map<string, number>;
}

function withSlash(u: string): string {
  return u.endsWith('/') ? u : u + '/';
}

/** Read a small text document (mirrorlist, metalink, key) over the client. */
export async function fetchText(http: HttpClient, href: string, tls: RepoTls | undefined, signal?: AbortSignal): Promise<string> {
  const res = await http.open(href, { tls, signal });
  if (res.status !== 200) {
    res.body.destroy();
    throw new Error(`HTTP ${res.status}`);
  }
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of res.body) {
    n += (c as Buffer).length;
    if (n > MAX_LIST_BYTES) {
      res.body.destroy();
      throw new Error(`larger than ${MAX_LIST_BYTES} bytes`);
    }
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function parseMirrorlist(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#') && /^(https?|file):\/\//.test(l))
    .map(withSlash);
}

/**
 * Resolve a repo's mirrors. `lockUrl` (the base URL the lock was resolved from) goes first.
 * A mirrorlist that answers with a metalink document is read as one (librepo does the same).
 */
export async function resolveMirrors(http: HttpClient, repo: RecipeRepo | undefined, locked: LockedRepo | undefined, signal?: AbortSignal): Promise<MirrorSet> {
  const id = repo?.id ?? locked?.id ?? '?';
  const tls = repo ? tlsOf(repo) : undefined;
  const bases: string[] = [];
  const problems: string[] = [];
  let metalink: Metalink | undefined;
  if (locked?.url) bases.push(withSlash(locked.url));
  for (const u of repo?.baseurl ?? []) bases.push(withSlash(u));
  for (const [kind, href] of [['metalink', repo?.metalink], ['mirrorlist', repo?.mirrorlist]] as const) {
    if (!href) continue;
    try {
      const text = await fetchText(http, href, tls, signal);
      if (kind === 'metalink' || /<metalink[\s>]/.test(text.slice(0, 4096))) {
        metalink = parseMetalink(text, href);
        bases.push(...metalink.mirrors.map((m) => withSlash(m.base)));
      } else {
        const list = parseMirrorlist(text);
        if (!list.length) throw new Error('lists no http(s) URL');
        bases.push(...list);
      }
    } catch (err) {
      if (signal?.aborted) throw err;
      if (err instanceof MirrorListError) throw err;
      problems.push(`${kind} ${href}: ${(err as Error).message}`);
    }
  }
  const unique = [...new Set(bases)];
  if (!unique.length) {
    throw new MirrorListError(`repo ${id}: no mirror to fetch from${problems.length ? ':\n  ' + problems.join('\n  ') : ' (no baseurl, mirrorlist or metalink)'}`);
  }
  return { repo: id, bases: unique, metalink, tls, penalty: new Map() };
}

/** The order to try mirrors in for the next file: fewest failures first, stable otherwise. */
export function mirrorOrder(m: MirrorSet): string[] {
  return m.bases.map((b, i) => ({ b, i, p: m.penalty.get(b) ?? 0 })).sort((x, y) => x.p - y.p || x.i - y.i).map((x) => x.b);
}

/** The TLS keys a recipe repo may carry (added by the recipe stage for RHEL CDN repos). */
export function tlsOf(repo: RecipeRepo): RepoTls | undefined {
  const r = repo as RecipeRepo & RepoTls;
  if (!r.sslcacert && !r.sslclientcert && !r.sslclientkey && r.sslverify === undefined) return undefined;
  return { sslcacert: r.sslcacert, sslclientcert: r.sslclientcert, sslclientkey: r.sslclientkey, sslverify: r.sslverify };
}
