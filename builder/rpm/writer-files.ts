// The RPM writer's file side: the description's files normalised into rpm's file list
// (sorted by path, inodes, hard-link groups, digests) and the cpio payload for them.
// Paths are taken as given: the writer also builds hostile packages for tests (a symlink
// to / and files through it, names with ".."), so it never "fixes" a path.
import { createHash } from 'node:crypto';
import { encodeNewcHeader, encodeStrippedHeader, encodeTrailer, pad4 } from './cpio.js';
import { RPMFILE } from './tags.js';

export type FileType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'chardev' | 'blockdev' | 'fifo';

export interface FileDesc {
  /** Absolute path as installed ("/usr/bin/tool"). */
  path: string;
  type?: FileType;
  /** Permission bits (default 0644 files, 0755 dirs, 0777 symlinks). */
  mode?: number;
  user?: string;
  group?: string;
  content?: string | Buffer;
  /** Symlink target, or for 'hardlink' the path of the regular file it links to. */
  target?: string;
  mtime?: number;
  config?: boolean;
  noreplace?: boolean;
  missingok?: boolean;
  ghost?: boolean;
  doc?: boolean;
  license?: boolean;
  /** File capabilities text, e.g. "cap_net_raw=ep". */
  caps?: string;
  /** Device numbers for chardev/blockdev. */
  major?: number;
  minor?: number;
  /** Override the name written into the cpio archive (hostile-package tests only). */
  archiveName?: string;
  /** Override the header's recorded size (hostile-package tests only). */
  headerSize?: number;
}

export interface LaidFile {
  path: string;
  dirname: string;
  basename: string;
  mode: number;
  size: number;
  user: string;
  group: string;
  mtime: number;
  digest: string;
  linkTo: string;
  flags: number;
  inode: number;
  rdev: number;
  caps: string;
  content?: Buffer;
  ghost: boolean;
  archiveName: string;
  /** Members of the hard-link group (indexes), when linked. */
  linkGroup?: number[];
}

const TYPE_BITS: Record<FileType, number> = {
  file: 0o100000,
  hardlink: 0o100000,
  dir: 0o040000,
  symlink: 0o120000,
  chardev: 0o020000,
  blockdev: 0o060000,
  fifo: 0o010000,
};

export function layFiles(files: readonly FileDesc[], defaultMtime: number, digestAlgo: string): LaidFile[] {
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (let i = 1; i < sorted.length; i++) if (sorted[i].path === sorted[i - 1].path) throw new TypeError(`writeRpm: duplicate file ${sorted[i].path}`);
  const laid: LaidFile[] = sorted.map((f, i) => {
    const type = f.type ?? (f.target !== undefined ? 'symlink' : 'file');
    const perm = f.mode ?? (type === 'dir' ? 0o755 : type === 'symlink' ? 0o777 : 0o644);
    const content = type === 'file' ? (Buffer.isBuffer(f.content) ? f.content : Buffer.from(f.content ?? '', 'utf8')) : undefined;
    const linkTo = type === 'symlink' ? f.target ?? '' : '';
    const slash = f.path.lastIndexOf('/');
    const flags =
      (f.config ? RPMFILE.CONFIG : 0) | (f.noreplace ? RPMFILE.NOREPLACE : 0) | (f.missingok ? RPMFILE.MISSINGOK : 0) |
      (f.ghost ? RPMFILE.GHOST : 0) | (f.doc ? RPMFILE.DOC : 0) | (f.license ? RPMFILE.LICENSE : 0);
    return {
      path: f.path,
      dirname: f.path.slice(0, slash + 1),
      basename: f.path.slice(slash + 1),
      mode: TYPE_BITS[type] | (perm & 0o7777),
      size: content ? content.length : type === 'symlink' ? Buffer.byteLength(linkTo) : 0,
      user: f.user ?? 'root',
      group: f.group ?? 'root',
      mtime: f.mtime ?? defaultMtime,
      digest: content && !f.ghost ? createHash(digestAlgo).update(content).digest('hex') : '',
      linkTo,
      flags,
      inode: i + 1,
      rdev: type === 'chardev' || type === 'blockdev' ? (((f.major ?? 0) & 0xff) << 8) | ((f.minor ?? 0) & 0xff) : 0,
      caps: f.caps ?? '',
      content,
      ghost: !!f.ghost,
      archiveName: f.archiveName ?? (f.path.startsWith('/') ? '.' + f.path : f.path),
    };
  });
  // Hard links: share the target's inode, size and digest; the group is recorded on each.
  const byPath = new Map(laid.map((l, i) => [l.path, i]));
  sorted.forEach((f, i) => {
    if ((f.type ?? '') !== 'hardlink') return;
    const t = byPath.get(f.target ?? '');
    if (t === undefined || laid[t].content === undefined) throw new TypeError(`writeRpm: hardlink ${f.path} -> ${f.target}: target is not a regular file in the package`);
    const target = laid[t];
    // One inode: mode, owner and mtime are the target's, whatever the description says.
    const { inode, size, digest, content, mode, user, group, mtime } = target;
    Object.assign(laid[i], { inode, size, digest, content, mode, user, group, mtime });
  });
  const groups = new Map<number, number[]>();
  laid.forEach((l, i) => {
    if ((l.mode & 0o170000) !== 0o100000) return;
    groups.set(l.inode, [...(groups.get(l.inode) ?? []), i]);
  });
  for (const g of groups.values()) if (g.length > 1) g.forEach((i) => (laid[i].linkGroup = g));
  sorted.forEach((f, i) => {
    if (f.headerSize !== undefined) laid[i].size = f.headerSize;
  });
  return laid;
}

/**
 * The cpio archive for the laid-out files, in path order, ghosts left out. A hard-link
 * group's content goes with its last member (the others have size 0), as rpm writes it.
 * `stripped` writes rpm's 07070X form (needed for files ≥ 4 GiB).
 */
export function buildPayload(laid: readonly LaidFile[], stripped = false): Buffer {
  const parts: Buffer[] = [];
  laid.forEach((f, i) => {
    if (f.ghost) return;
    const isReg = (f.mode & 0o170000) === 0o100000;
    const group = f.linkGroup?.filter((j) => !laid[j].ghost);
    const carries = !group || group[group.length - 1] === i;
    const body = isReg ? (carries ? f.content ?? Buffer.alloc(0) : Buffer.alloc(0)) : (f.mode & 0o170000) === 0o120000 ? Buffer.from(f.linkTo, 'utf8') : Buffer.alloc(0);
    if (stripped) parts.push(encodeStrippedHeader(i));
    else {
      parts.push(
        encodeNewcHeader(
          {
            ino: f.inode,
            mode: f.mode,
            uid: 0,
            gid: 0,
            nlink: group ? group.length : (f.mode & 0o170000) === 0o040000 ? 2 : 1,
            mtime: f.mtime,
            size: body.length,
            devMajor: 0,
            devMinor: 1,
            rdevMajor: (f.rdev >> 8) & 0xff,
            rdevMinor: f.rdev & 0xff,
          },
          f.archiveName,
        ),
      );
    }
    parts.push(body, Buffer.alloc(pad4(body.length)));
  });
  parts.push(encodeTrailer());
  return Buffer.concat(parts);
}
