// "<algo>:<hex>" checksums as locks and repodata state them, and hashing while a file
// streams: sha256 always (the cache key), plus whatever algorithm the lock uses.
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { ChecksumError } from './errors.js';

export type ChecksumAlgo = 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512' | 'md5';
const HEX_LEN: Record<ChecksumAlgo, number> = { md5: 32, sha1: 40, sha224: 56, sha256: 64, sha384: 96, sha512: 128 };

export interface Checksum {
  algo: ChecksumAlgo;
  hex: string;
}

/** Parse "sha256:<hex>" (also createrepo's old name "sha" for sha1). */
export function parseChecksum(s: string, subject = 'checksum'): Checksum {
  const m = /^([a-z0-9]+):([0-9a-fA-F]+)$/.exec(s);
  if (!m) throw new ChecksumError(`${subject}: "${s}" is not "<algo>:<hex>"`);
  const algo = (m[1] === 'sha' ? 'sha1' : m[1]) as ChecksumAlgo;
  if (!(algo in HEX_LEN)) throw new ChecksumError(`${subject}: unsupported checksum algorithm "${m[1]}"`);
  if (m[2].length !== HEX_LEN[algo]) throw new ChecksumError(`${subject}: ${algo} digest must have ${HEX_LEN[algo]} hex digits, got ${m[2].length}`);
  return { algo, hex: m[2].toLowerCase() };
}

export function formatChecksum(c: Checksum): string {
  return `${c.algo}:${c.hex}`;
}

/** Hashes the same bytes with sha256 and (if different) the expected algorithm. */
export class StreamDigest {
  private readonly sha256: Hash = createHash('sha256');
  private readonly other?: Hash;
  bytes = 0;
  constructor(readonly expected: Checksum) {
    if (expected.algo !== 'sha256') this.other = createHash(expected.algo);
  }
  update(chunk: Uint8Array): void {
    this.sha256.update(chunk);
    this.other?.update(chunk);
    this.bytes += chunk.length;
  }
  /** Finish: the sha256 hex and whether the expected checksum matched. */
  digest(): { sha256: string; actual: string; ok: boolean } {
    const sha256 = this.sha256.digest('hex');
    const actual = this.other ? this.other.digest('hex') : sha256;
    return { sha256, actual, ok: actual === this.expected.hex };
  }
}

/** Feed the first `length` bytes of a file into a digest (resuming a partial download). */
export async function digestPrefix(path: string, length: number, d: StreamDigest, signal?: AbortSignal): Promise<void> {
  if (length <= 0) return;
  const rs = createReadStream(path, { start: 0, end: length - 1, highWaterMark: 1 << 20, signal });
  for await (const chunk of rs) d.update(chunk as Buffer);
}

/** The hex digest of a whole file (for `verify` of cache hits). */
export async function hashFile(path: string, algo: ChecksumAlgo, signal?: AbortSignal): Promise<string> {
  const h = createHash(algo);
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20, signal })) h.update(chunk as Buffer);
  return h.digest('hex');
}
