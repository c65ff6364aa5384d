// Package signature policy: which of an RPM's signatures must verify against the recipe's
// pinned keys for the package to be accepted, the way rpm ≥ 4.14 decides it:
// - a header-only signature (rpm 6 OPENPGP, RSAHEADER, DSAHEADER) plus the header's payload
//   digest binds the whole file; or
// - the legacy header+payload signature (PGP 1002 / GPG 1005) for packages whose header has
//   no payload digest (everything built before rpm 4.14: CentOS ≤ 7, EPEL 7).
// An unsigned package, an unknown key, a bad signature, a header digest or payload digest
// mismatch are each refused with the reason. A verified (sha256, key) pair is remembered in
// the cache, so a warm run reads no package bytes.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Ctx } from '../context.js';
import { formatNevra } from '../model/package.js';
import type { LockedPackage } from '../model/lockfile.js';
import type { RecipeRepo } from '../model/recipe.js';
import { PGPHASHALGO, readRpmHeaders, SigTag, Tag, type RpmHeaders } from '../rpm/index.js';
import { hasVerifiedMark, markVerified, packageCache } from '../../cache/packages.js';
import { BuilderError } from '../errors.js';
import { SignatureError } from './errors.js';
import type { HttpClient } from './http.js';
import { loadRepoKeys, verifySignaturePacket, type PinnedKey, type SignedData } from './keys.js';

export interface SignatureChecker {
  checked: number;
  check(p: LockedPackage, path: string, sha256: string): Promise<void>;
}

export async function makeSignatureChecker(repos: RecipeRepo[] | undefined, pkgs: LockedPackage[], http: HttpClient, ctx: Ctx): Promise<SignatureChecker> {
  const cache = packageCache(ctx.settings.cacheDir);
  const used = [...new Set(pkgs.map((p) => p.repo))].sort();
  if (!repos) {
    if (pkgs.length) ctx.log.warn('no recipe given: package signatures are not checked (the lock\'s checksums still are)');
    return { checked: 0, async check() {} };
  }
  const keys = new Map<string, Promise<PinnedKey[]>>();
  for (const id of used) {
    const repo = repos.find((r) => r.id === id);
    if (!repo) throw new SignatureError(`repo ${id}`, 'the lock fetches packages from it, but the recipe does not define it (no keys to check against)');
    if (!repo.gpgcheck) ctx.log.warn(`repo ${id}: gpgcheck: false — package signatures are NOT checked`);
    else keys.set(id, loadRepoKeys(repo, http, ctx));
  }
  // Load every repo's keys up front: a bad key file fails the run before any download.
  for (const k of keys.values()) await k;
  const checker: SignatureChecker = {
    checked: 0,
    async check(p, path, sha256) {
      const pinned = keys.get(p.repo);
      if (!pinned) return;
      const ks = await pinned;
      for (const k of ks) if (await hasVerifiedMark(cache, sha256, k.fingerprint)) return void checker.checked++;
      const by = await verifyRpmSignature(path, ks, formatNevra(p), ctx.signal);
      await markVerified(cache, sha256, by);
      checker.checked++;
    },
  };
  return checker;
}

/** Verify an RPM's signatures; returns the fingerprint of the key that signed it. */
export async function verifyRpmSignature(path: string, keys: PinnedKey[], nevra: string, signal?: AbortSignal): Promise<string> {
  let h: RpmHeaders;
  try {
    h = await readRpmHeaders(path, { verify: true });
  } catch (err) {
    if (!(err instanceof BuilderError)) throw err;
    throw new SignatureError(nevra, `refused: ${err.message}`, { cause: err });
  }
  const sig = h.signature;
  const headerSigs: Buffer[] = [];
  for (const b64 of sig.getStringArray(SigTag.OPENPGP) ?? []) headerSigs.push(Buffer.from(b64, 'base64'));
  for (const tag of [SigTag.RSA, SigTag.DSA]) {
    const b = sig.getBin(tag);
    if (b) headerSigs.push(b);
  }
  const legacySigs = [SigTag.PGP, SigTag.GPG].map((t) => sig.getBin(t)).filter((b): b is Buffer => !!b);
  if (!headerSigs.length && !legacySigs.length) throw new SignatureError(nevra, 'refused: the package is not signed (no OpenPGP signature in its signature header)');
  const subject = `${nevra}`;
  let by: string | undefined;
  if (headerSigs.length) by = await firstValid(h.header.blob, headerSigs, keys, `${subject} (header signature)`);
  const digest = h.header.getStringArray(Tag.PAYLOADDIGEST)?.[0];
  if (by && digest) {
    const algo = PGPHASHALGO[h.header.getNumber(Tag.PAYLOADDIGESTALGO) ?? 8];
    if (!algo) throw new SignatureError(nevra, `refused: unknown payload digest algorithm ${h.header.getNumber(Tag.PAYLOADDIGESTALGO)}`);
    const hash = createHash(algo);
    for await (const c of createReadStream(path, { start: h.payloadOffset, highWaterMark: 1 << 20, signal })) hash.update(c as Buffer);
    const got = hash.digest('hex');
    if (got !== digest.toLowerCase()) throw new SignatureError(nevra, `refused: payload ${algo} digest mismatch (header says ${digest}, payload hashes to ${got}): tampered or corrupt`);
    return by;
  }
  if (!legacySigs.length) throw new SignatureError(nevra, 'refused: the payload is covered by no signature (no payload digest in the signed header, no header+payload signature)');
  const data: SignedData = () => createReadStream(path, { start: h.headerRange.start, highWaterMark: 1 << 20, signal });
  return firstValid(data, legacySigs, keys, `${subject} (header+payload signature)`);
}

async function firstValid(data: SignedData, sigs: Buffer[], keys: PinnedKey[], subject: string): Promise<string> {
  let first: unknown;
  for (const s of sigs) {
    try {
      return (await verifySignaturePacket(data, s, keys, subject)).fingerprint;
    } catch (err) {
      if (!(err instanceof SignatureError)) throw err;
      first ??= err;
    }
  }
  throw first;
}
