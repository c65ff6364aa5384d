// The recipe's OpenPGP keys, each pinned by fingerprint, and detached-signature checks
// against them. Keys come only from the recipe's gpgkey locations (file:// or https://),
// never from a keyserver. Version 4 (and 6) signatures are verified by openpgp.js; the
// version 3 signatures that rpm wrote until ~2019 (every CentOS 5–7 package), which openpgp.js
// v6 does not parse, are checked here with node's crypto (RSA only: a v3 DSA signature is
// refused). As rpm does, a key's expiry is judged at the signature's creation time.
import { createPublicKey, createVerify, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type * as OpenPGP from 'openpgp';
import type { Ctx } from '../context.js';
import type { RecipeRepo } from '../model/recipe.js';
import { SignatureError } from './errors.js';
import type { HttpClient } from './http.js';
import { fetchText, tlsOf } from './mirrors.js';

export interface PinnedKey {
  fingerprint: string;
  key: OpenPGP.PublicKey;
  source: string;
}

/** Data to verify: bytes, or a function that streams them (header+payload). */
export type SignedData = Uint8Array | (() => AsyncIterable<Uint8Array>);

// openpgp.js is big (~200 ms to load): only runs that check signatures pay for it.
let pgpModule: Promise<typeof OpenPGP> | undefined;
const pgp = () => (pgpModule ??= import('openpgp'));

const HASH: Record<number, string> = { 1: 'md5', 2: 'sha1', 8: 'sha256', 9: 'sha384', 10: 'sha512', 11: 'sha224' };
const PUBALGO: Record<number, string> = { 1: 'RSA', 2: 'RSA', 3: 'RSA', 16: 'ElGamal', 17: 'DSA', 19: 'ECDSA', 22: 'EdDSA', 27: 'Ed25519', 28: 'Ed448' };

/** Load and pin a repo's keys: every key in every file must carry a pinned fingerprint. */
export async function loadRepoKeys(repo: RecipeRepo, http: HttpClient, ctx: Ctx): Promise<PinnedKey[]> {
  const subject = `repo ${repo.id}`;
  const pinned = new Set(repo.fingerprint.map((f) => f.replace(/\s+/g, '').toUpperCase()));
  if (!repo.gpgkey.length) throw new SignatureError(subject, 'gpgcheck is on but the recipe lists no gpgkey', { hint: 'add gpgkey (file:// or https://) and its fingerprint, or set gpgcheck: false explicitly' });
  if (!pinned.size) throw new SignatureError(subject, `gpgcheck is on but no fingerprint pins the keys ${repo.gpgkey.join(', ')}`, { hint: 'add `fingerprint:` with the 40-hex fingerprint of each key' });
  const out: PinnedKey[] = [];
  for (const loc of repo.gpgkey) {
    let text: string;
    try {
      if (loc.startsWith('file://') || loc.startsWith('/')) text = await readFile(loc.startsWith('/') ? loc : fileURLToPath(loc), 'utf8');
      else if (loc.startsWith('https://')) text = await fetchText(http, loc, tlsOf(repo), ctx.signal);
      else throw new Error('only file:// and https:// key locations are allowed (never a keyserver)');
    } catch (err) {
      if (err instanceof SignatureError) throw err;
      throw new SignatureError(subject, `cannot read gpgkey ${loc}: ${(err as Error).message}`, { cause: err });
    }
    const keys = await parseKeys(text, `${subject}: gpgkey ${loc}`);
    for (const key of keys) {
      const fp = key.getFingerprint().toUpperCase();
      if (!pinned.has(fp)) {
        throw new SignatureError(subject, `gpgkey ${loc} holds key ${fp}, which is not pinned (pinned: ${[...pinned].join(', ')})`, {
          hint: 'a key file whose fingerprint does not match the recipe is refused; check the URL or the fingerprint',
        });
      }
      out.push({ fingerprint: fp, key, source: loc });
    }
  }
  return out;
}

async function parseKeys(text: string, subject: string): Promise<OpenPGP.PublicKey[]> {
  const blocks = text.match(/-----BEGIN PGP PUBLIC KEY BLOCK-----[\s\S]*?-----END PGP PUBLIC KEY BLOCK-----/g);
  if (!blocks) throw new SignatureError(subject, 'no armored OpenPGP public key in the file');
  const keys: OpenPGP.PublicKey[] = [];
  for (const b of blocks) {
    try {
      keys.push(...(await (await pgp()).readKeys({ armoredKeys: b })));
    } catch (err) {
      throw new SignatureError(subject, `unreadable key: ${(err as Error).message}`, { cause: err });
    }
  }
  return keys;
}

interface Packet {
  version: number;
  body: Uint8Array;
}

/** The first OpenPGP packet (tag 2, signature) of a binary blob. */
function readSignaturePacket(bytes: Uint8Array, subject: string): Packet {
  const b0 = bytes[0];
  if (!(b0 & 0x80)) throw new SignatureError(subject, 'signature is not an OpenPGP packet');
  let tag: number;
  let len: number;
  let p: number;
  if (b0 & 0x40) {
    tag = b0 & 0x3f;
    const l0 = bytes[1];
    if (l0 < 192) [len, p] = [l0, 2];
    else if (l0 < 224) [len, p] = [((l0 - 192) << 8) + bytes[2] + 192, 3];
    else if (l0 === 255) [len, p] = [Buffer.from(bytes.subarray(2, 6)).readUInt32BE(0), 6];
    else throw new SignatureError(subject, 'partial-length signature packet');
  } else {
    tag = (b0 >> 2) & 0xf;
    const lt = b0 & 3;
    if (lt === 0) [len, p] = [bytes[1], 2];
    else if (lt === 1) [len, p] = [(bytes[1] << 8) | bytes[2], 3];
    else if (lt === 2) [len, p] = [Buffer.from(bytes.subarray(1, 5)).readUInt32BE(0), 5];
    else [len, p] = [bytes.length - 1, 1];
  }
  if (tag !== 2) throw new SignatureError(subject, `OpenPGP packet tag ${tag} where a signature (2) was expected`);
  if (p + len > bytes.length) throw new SignatureError(subject, 'truncated signature packet');
  const body = bytes.subarray(p, p + len);
  return { version: body[0], body };
}

export interface VerifiedBy {
  fingerprint: string;
  keyId: string;
}

/** Verify one detached binary signature packet over `data` against the pinned keys. */
export async function verifySignaturePacket(data: SignedData, packet: Uint8Array, keys: PinnedKey[], subject: string): Promise<VerifiedBy> {
  const pkt = readSignaturePacket(packet, subject);
  if (pkt.version === 3) return verifyV3(data, pkt.body, keys, subject);
  let sig: OpenPGP.Signature;
  try {
    sig = await (await pgp()).readSignature({ binarySignature: packet });
  } catch (err) {
    throw new SignatureError(subject, `unreadable signature: ${(err as Error).message}`, { cause: err });
  }
  return verifyOpenpgp(data, sig, keys, subject);
}

/** Verify an armored detached signature (repomd.xml.asc). */
export async function verifyDetachedArmored(data: Uint8Array, armored: string, keys: PinnedKey[], subject: string): Promise<VerifiedBy> {
  let sig: OpenPGP.Signature;
  try {
    sig = await (await pgp()).readSignature({ armoredSignature: armored });
  } catch (err) {
    throw new SignatureError(subject, `unreadable signature: ${(err as Error).message}`, { cause: err });
  }
  return verifyOpenpgp(data, sig, keys, subject);
}

function keyFor(keys: PinnedKey[], keyIdHex: string): { pinned: PinnedKey; sub: OpenPGP.PublicKey | OpenPGP.Subkey } | undefined {
  for (const k of keys) {
    for (const sub of k.key.getKeys()) if (sub.getKeyID().toHex().toLowerCase() === keyIdHex) return { pinned: k, sub };
  }
  return undefined;
}

function unknownKey(keyId: string, keys: PinnedKey[], subject: string): SignatureError {
  return new SignatureError(subject, `signed by key ID ${keyId.toUpperCase()}, which is not one of the recipe's keys (${keys.map((k) => k.fingerprint).join(', ') || 'none'})`);
}

async function verifyOpenpgp(data: SignedData, sig: OpenPGP.Signature, keys: PinnedKey[], subject: string): Promise<VerifiedBy> {
  const ids = sig.getSigningKeyIDs().map((k) => k.toHex().toLowerCase());
  const found = ids.map((id) => keyFor(keys, id)).find(Boolean);
  if (!found) throw unknownKey(ids[0] ?? '?', keys, subject);
  const created = (sig.packets[0] as unknown as { created?: Date }).created ?? undefined;
  const binary = typeof data === 'function' ? toWebStream(data) : data;
  const message = await (await pgp()).createMessage({ binary });
  const res = await (await pgp()).verify({ message, signature: sig, verificationKeys: found.pinned.key, format: 'binary', date: created, expectSigned: false });
  // The message stream must be drained for a streaming verification to finish.
  if (typeof data === 'function') await drain(res.data as ReadableStream<Uint8Array>);
  try {
    await res.signatures[0].verified;
  } catch (err) {
    throw new SignatureError(subject, `BAD signature (key ${found.pinned.fingerprint}): ${(err as Error).message}`, { cause: err });
  }
  return { fingerprint: found.pinned.fingerprint, keyId: found.sub.getKeyID().toHex().toUpperCase() };
}

function toWebStream(data: () => AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const it = data()[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(ctrl) {
      const { value, done } = await it.next();
      if (done) ctrl.close();
      else ctrl.enqueue(value);
    },
  });
}

async function drain(s: ReadableStream<Uint8Array>): Promise<void> {
  const r = s.getReader();
  while (!(await r.read()).done);
}

async function verifyV3(data: SignedData, body: Uint8Array, keys: PinnedKey[], subject: string): Promise<VerifiedBy> {
  // v3: version, hashed-length (5), type, created(4), key id(8), pubkey algo, hash algo, left16(2), MPIs.
  if (body.length < 19 || body[1] !== 5) throw new SignatureError(subject, 'malformed version 3 signature packet');
  const trailer = body.subarray(2, 7);
  const keyId = Buffer.from(body.subarray(7, 15)).toString('hex');
  const pub = body[15];
  const hash = HASH[body[16]];
  if (!hash) throw new SignatureError(subject, `version 3 signature with unsupported hash algorithm ${body[16]}`);
  const found = keyFor(keys, keyId);
  if (!found) throw unknownKey(keyId, keys, subject);
  if (PUBALGO[pub] !== 'RSA') throw new SignatureError(subject, `version 3 ${PUBALGO[pub] ?? 'algorithm ' + pub} signatures are not supported (only RSA)`);
  const bits = (body[19] << 8) | body[20];
  const sigBytes = body.subarray(21, 21 + Math.ceil(bits / 8));
  const key = rsaKeyObject(found.sub, subject);
  const modLen = Math.ceil((key.asymmetricKeyDetails?.modulusLength ?? 0) / 8);
  const sig = Buffer.alloc(Math.max(modLen, sigBytes.length));
  sig.set(sigBytes, sig.length - sigBytes.length);
  const v = createVerify(hash);
  if (typeof data === 'function') for await (const c of data()) v.update(c);
  else v.update(data);
  v.update(trailer);
  if (!v.verify(key, sig)) throw new SignatureError(subject, `BAD signature (key ${found.pinned.fingerprint}, V3 RSA/${hash.toUpperCase()})`);
  return { fingerprint: found.pinned.fingerprint, keyId: keyId.toUpperCase() };
}

function rsaKeyObject(k: OpenPGP.PublicKey | OpenPGP.Subkey, subject: string): KeyObject {
  const params = (k.keyPacket as unknown as { publicParams: { n?: Uint8Array; e?: Uint8Array } }).publicParams;
  if (!params.n || !params.e) throw new SignatureError(subject, `key ${k.getKeyID().toHex().toUpperCase()} is not an RSA key`);
  const b64 = (u: Uint8Array) => Buffer.from(u).toString('base64url');
  return createPublicKey({ key: { kty: 'RSA', n: b64(params.n), e: b64(params.e) }, format: 'jwk' });
}
