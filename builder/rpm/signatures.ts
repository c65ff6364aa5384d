// The OpenPGP signatures an .rpm carries, as raw packets with what each one covers, for the
// fetch stage to verify against trusted keys (openpgp). Verification itself is not here:
// this layer knows bytes and ranges, not keys or trust.
import type { RpmHeaders } from './read-headers.js';
import { SigTag } from './tags.js';

export interface SignaturePacket {
  /** Signature-header tag it came from. */
  tag: number;
  /** rsaheader/dsaheader/openpgp sign the main header; pgp/gpg sign header+payload. */
  kind: 'rsaheader' | 'dsaheader' | 'openpgp' | 'pgp' | 'gpg';
  /** What the signature is over: the main header, or header+payload (to end of file). */
  covers: 'header' | 'header+payload';
  /** Binary OpenPGP signature packet(s). */
  packet: Buffer;
}

export function signaturePackets(h: RpmHeaders): SignaturePacket[] {
  const out: SignaturePacket[] = [];
  const bin = (tag: number, kind: SignaturePacket['kind'], covers: SignaturePacket['covers']) => {
    const b = h.signature.has(tag) ? h.signature.getBin(tag) : undefined;
    if (b) out.push({ tag, kind, covers, packet: Buffer.from(b) });
  };
  bin(SigTag.RSA, 'rsaheader', 'header');
  bin(SigTag.DSA, 'dsaheader', 'header');
  // rpm 6 (v6 packages, and v4 packages signed by rpm 6): base64 packets in a string array.
  for (const s of h.signature.getStringArray(SigTag.OPENPGP) ?? []) {
    out.push({ tag: SigTag.OPENPGP, kind: 'openpgp', covers: 'header', packet: Buffer.from(s, 'base64') });
  }
  bin(SigTag.PGP, 'pgp', 'header+payload');
  bin(SigTag.GPG, 'gpg', 'header+payload');
  return out;
}
