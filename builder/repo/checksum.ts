// Checksums as repository metadata writes them: <checksum type="sha">hex</checksum>
// becomes "sha1:hex". One place maps repomd's type names to node's hash names.
import { createHash, type Hash } from 'node:crypto';

const ALGOS: Record<string, string> = { sha: 'sha1', sha1: 'sha1', sha224: 'sha224', sha256: 'sha256', sha384: 'sha384', sha512: 'sha512', md5: 'md5' };

/** "sha256" / "sha" → node's name, or undefined for a type we cannot verify. */
export function normalizeAlgo(type: string): string | undefined {
  return ALGOS[type.toLowerCase()];
}

/** Format as "<algo>:<hex>"; undefined for an unknown type. */
export function formatChecksum(type: string, hex: string): string | undefined {
  const algo = normalizeAlgo(type);
  return algo && `${algo}:${hex.trim().toLowerCase()}`;
}

export function splitChecksum(c: string): { algo: string; hex: string } {
  const i = c.indexOf(':');
  return { algo: c.slice(0, i), hex: c.slice(i + 1) };
}

export function hasherFor(checksum: string): Hash {
  return createHash(splitChecksum(checksum).algo);
}
