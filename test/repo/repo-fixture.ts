// Builds small, real repositories for error-path tests: metadata files written as given
// (plain or gzip), and a repomd.xml whose checksums match them unless told otherwise.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { execFileSync } from 'node:child_process';

export interface RepoFile {
  type: string;
  /** File name under repodata/. */
  name: string;
  /** Uncompressed content. */
  content: string | Buffer;
  compress?: 'gzip' | 'xz' | 'bzip2' | 'zstd' | 'none';
  /** Bytes to store instead of the compressed content (still listed with `checksumOf`). */
  stored?: Buffer;
  /** Override the checksum repomd.xml states. */
  checksum?: string;
  checksumType?: string;
}

function compress(kind: RepoFile['compress'], data: Buffer): Buffer {
  switch (kind ?? 'none') {
    case 'none':
      return data;
    case 'gzip':
      return gzipSync(data);
    case 'xz':
      return execFileSync('xz', ['-c'], { input: data });
    case 'bzip2':
      return execFileSync('bzip2', ['-c'], { input: data });
    case 'zstd':
      return execFileSync('zstd', ['-c', '-q'], { input: data });
  }
  throw new Error(`bad kind ${kind}`);
}

export function writeRepo(dir: string, files: RepoFile[], revision = '42'): void {
  mkdirSync(join(dir, 'repodata'), { recursive: true });
  let xml = `<?xml version="1.0" encoding="UTF-8"?>\n<repomd xmlns="http://linux.duke.edu/metadata/repo">\n  <revision>${revision}</revision>\n`;
  for (const f of files) {
    const plain = Buffer.from(f.content);
    const stored = f.stored ?? compress(f.compress, plain);
    writeFileSync(join(dir, 'repodata', f.name), stored);
    const type = f.checksumType ?? 'sha256';
    const algo = type === 'sha' ? 'sha1' : type;
    const sum = f.checksum ?? createHash(algo).update(stored).digest('hex');
    xml += `  <data type="${f.type}">\n    <checksum type="${type}">${sum}</checksum>\n`;
    xml += `    <open-checksum type="sha256">${createHash('sha256').update(plain).digest('hex')}</open-checksum>\n`;
    xml += `    <location href="repodata/${f.name}"/>\n    <size>${stored.length}</size>\n    <open-size>${plain.length}</open-size>\n  </data>\n`;
  }
  writeFileSync(join(dir, 'repodata', 'repomd.xml'), xml + '</repomd>\n');
}

export function primaryXml(packagesXml: string, count?: number): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<metadata xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm="http://linux.duke.edu/metadata/rpm"${count === undefined ? '' : ` packages="${count}"`}>\n${packagesXml}</metadata>\n`;
}

export function packageXml(name: string, opts: { evr?: string; arch?: string; requires?: string[]; provides?: string[]; files?: string[] } = {}): string {
  const [v, r] = (opts.evr ?? '1.0-1').split('-');
  const arch = opts.arch ?? 'x86_64';
  const sum = createHash('sha256').update(`${name}-${v}-${r}.${arch}`).digest('hex');
  const entries = (xs: string[] | undefined) => (xs ?? []).map((x) => `      <rpm:entry name="${x}"/>\n`).join('');
  return `<package type="rpm">
  <name>${name}</name>
  <arch>${arch}</arch>
  <version epoch="0" ver="${v}" rel="${r}"/>
  <checksum type="sha256" pkgid="YES">${sum}</checksum>
  <summary>${name} &amp; friends</summary>
  <description>test</description>
  <time file="1" build="2"/>
  <size package="100" installed="200" archive="300"/>
  <location href="Packages/${name}-${v}-${r}.${arch}.rpm"/>
  <format>
    <rpm:sourcerpm>${name}-${v}-${r}.src.rpm</rpm:sourcerpm>
    <rpm:provides>
${entries([name, ...(opts.provides ?? [])])}    </rpm:provides>
    <rpm:requires>
${entries(opts.requires)}    </rpm:requires>
${(opts.files ?? []).map((f) => `    <file>${f}</file>\n`).join('')}  </format>
</package>
`;
}
