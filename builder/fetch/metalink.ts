// Metalink (MirrorManager's repomd.xml metalink, version 3.0): the mirror URLs with their
// preference, and the size and hashes of the current repomd.xml (plus the alternates that
// mirrors a little behind may still serve). Parsed with saxes; the document is small and
// capped by the caller.
import { SaxesParser } from 'saxes';
import { MirrorListError } from './errors.js';

export interface MetalinkRepomd {
  size?: number;
  /** algo -> hex, e.g. {sha256: "..."}; md5 is ignored (too weak to pin anything). */
  hashes: Record<string, string>;
}

export interface Metalink {
  /** Repository base URLs (".../repodata/repomd.xml" stripped), best preference first. */
  mirrors: { base: string; preference: number; location?: string }[];
  repomd: MetalinkRepomd;
  /** Older repomd.xml versions that are still acceptable. */
  alternates: MetalinkRepomd[];
}

export function parseMetalink(xml: string, source: string): Metalink {
  const parser = new SaxesParser({ xmlns: false });
  const stack: string[] = [];
  let text = '';
  let inRepomd = false;
  let cur: MetalinkRepomd | undefined;
  let main: MetalinkRepomd | undefined;
  const alternates: MetalinkRepomd[] = [];
  let hashType = '';
  let urlAttrs: Record<string, string> = {};
  const urls: { href: string; preference: number; location?: string; order: number }[] = [];
  const local = (n: string) => n.slice(n.indexOf(':') + 1);
  parser.on('opentag', (t) => {
    const name = local(t.name);
    stack.push(name);
    text = '';
    const attrs = t.attributes as Record<string, string>;
    if (name === 'file') inRepomd = attrs.name === 'repomd.xml';
    if (!inRepomd) return;
    if (name === 'file') main = cur = { hashes: {} };
    else if (name === 'alternate') alternates.push((cur = { hashes: {} }));
    else if (name === 'hash') hashType = (attrs.type ?? '').toLowerCase();
    else if (name === 'url') urlAttrs = attrs;
  });
  parser.on('text', (t) => {
    text += t;
  });
  parser.on('closetag', (t) => {
    const name = local(t.name);
    stack.pop();
    if (!inRepomd) return;
    const value = text.trim();
    if (name === 'size' && cur) cur.size = Number(value);
    else if (name === 'hash' && cur && hashType && hashType !== 'md5') cur.hashes[hashType === 'sha' ? 'sha1' : hashType] = value.toLowerCase();
    else if (name === 'alternate') cur = main;
    else if (name === 'url') {
      const protocol = (urlAttrs.protocol ?? new URL(value).protocol.replace(':', '')).toLowerCase();
      if (protocol === 'http' || protocol === 'https') {
        urls.push({ href: value, preference: Number(urlAttrs.preference ?? 0), location: urlAttrs.location, order: urls.length });
      }
    } else if (name === 'file') inRepomd = false;
    text = '';
  });
  try {
    parser.write(xml).close();
  } catch (err) {
    throw new MirrorListError(`${source}: not a valid metalink: ${(err as Error).message}`, { cause: err });
  }
  if (!main) throw new MirrorListError(`${source}: metalink has no <file name="repomd.xml">`);
  if (!Object.keys(main.hashes).length) throw new MirrorListError(`${source}: metalink pins no sha1/sha256/sha512 hash for repomd.xml`);
  urls.sort((a, b) => b.preference - a.preference || a.order - b.order);
  const mirrors = urls.map((u) => ({ base: u.href.replace(/repodata\/repomd\.xml$/, ''), preference: u.preference, location: u.location }));
  return { mirrors, repomd: main, alternates };
}
