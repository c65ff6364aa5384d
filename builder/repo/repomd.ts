// repomd.xml: the index of a repository's metadata files. Read whole (it is a few KB;
// capped), hashed with sha256 for the lockfile, and parsed into records by data type.
import { createHash } from 'node:crypto';
import { isErrno } from '../errors.js';
import { formatChecksum } from './checksum.js';
import { RepoMetadataError, XmlSyntaxError } from './errors.js';
import type { MetadataOpener, Repomd, RepomdRecord } from './types.js';
import { XmlScanner } from './xml-scanner.js';

export const REPOMD_HREF = 'repodata/repomd.xml';
const MAX_REPOMD = 16 * 1024 * 1024;

export async function loadRepomd(repo: string, open: MetadataOpener, expect?: string): Promise<Repomd> {
  let stream: NodeJS.ReadableStream;
  try {
    stream = await open(REPOMD_HREF);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) {
      throw new RepoMetadataError('E_METADATA_MISSING', repo, REPOMD_HREF, 'file not found', { cause: err, hint: 'is the baseurl the directory that contains repodata/?' });
    }
    throw err;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of stream as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_REPOMD) throw new RepoMetadataError('E_METADATA_MALFORMED', repo, REPOMD_HREF, `larger than ${MAX_REPOMD} bytes`);
    chunks.push(c);
  }
  const bytes = Buffer.concat(chunks);
  const checksum = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  if (expect && expect !== checksum) {
    throw new RepoMetadataError('E_METADATA_CHECKSUM', repo, REPOMD_HREF, `checksum mismatch: expected ${expect}, got ${checksum}`, {
      hint: 'the repository changed since the lock was made; re-resolve, or point at a snapshot',
    });
  }
  try {
    return { checksum, ...parseRepomd(bytes.toString('utf8')) };
  } catch (err) {
    if (err instanceof XmlSyntaxError) {
      throw new RepoMetadataError(err.truncated ? 'E_METADATA_TRUNCATED' : 'E_METADATA_MALFORMED', repo, REPOMD_HREF, err.message, { cause: err });
    }
    throw err;
  }
}

export function parseRepomd(text: string): Omit<Repomd, 'checksum'> {
  const records: Record<string, RepomdRecord> = {};
  let revision: string | undefined;
  let rec: Partial<RepomdRecord> | undefined;
  let sumType = '';
  let sawRoot = false;
  const scanner: XmlScanner = new XmlScanner({
    open(name, s) {
      if (!sawRoot) {
        if (name !== 'repomd') throw new XmlSyntaxError(`root element is <${name}>, expected <repomd>`, s.lineAt());
        sawRoot = true;
      }
      switch (name) {
        case 'data':
          rec = { type: s.attr('type') };
          if (!rec.type) throw new XmlSyntaxError('<data> without type=', s.lineAt());
          return;
        case 'location':
          if (rec) {
            rec.location = s.attr('href');
            const base = s.attr('xml:base');
            if (base) rec.locationBase = base;
          }
          return;
        case 'checksum':
        case 'open-checksum':
          sumType = s.attr('type') ?? '';
          return rec !== undefined;
        case 'revision':
          return !rec;
        case 'timestamp':
        case 'size':
        case 'open-size':
          return rec !== undefined;
      }
    },
    close(name, text) {
      if (text === undefined) {
        if (name === 'data' && rec) {
          if (!rec.location) throw new XmlSyntaxError(`<data type="${rec.type}"> has no <location href=...>`, scanner.lineAt());
          if (!rec.checksum) throw new XmlSyntaxError(`<data type="${rec.type}"> has no <checksum>`, scanner.lineAt());
          records[rec.type!] = rec as RepomdRecord;
          rec = undefined;
        }
        return;
      }
      const t = text.trim();
      switch (name) {
        case 'revision':
          revision = t;
          break;
        case 'checksum':
        case 'open-checksum': {
          const c = formatChecksum(sumType, t);
          if (!c) throw new XmlSyntaxError(`unsupported checksum type "${sumType}" in <data type="${rec!.type}">`, scanner.lineAt());
          if (name === 'checksum') rec!.checksum = c;
          else rec!.openChecksum = c;
          break;
        }
        case 'timestamp':
          rec!.timestamp = Number(t);
          break;
        case 'size':
          rec!.size = Number(t);
          break;
        case 'open-size':
          rec!.openSize = Number(t);
          break;
      }
    },
  });
  scanner.write(text);
  scanner.end();
  return { revision, records };
}
