// The file list of a package header as typed records: paths (DIRNAMES/BASENAMES/DIRINDEXES,
// or OLDFILENAMES in pre-4.0 headers), modes, sizes (LONGFILESIZES when present), owners,
// mtimes, digests with their algorithm, link targets, flags, inode/hard-link groups,
// capabilities, colors. Arrays that a header omits get rpm's defaults; arrays whose length
// disagrees with the file count are a format error (rpm rejects those too).
import { formatError } from './errors.js';
import type { Header } from './header.js';
import { PGPHASHALGO, RPMFILE, Tag } from './tags.js';

export interface RpmFile {
  /** Absolute path for binary packages ("/usr/bin/ls"); a bare name in source packages. */
  path: string;
  mode: number;
  size: number;
  user: string;
  group: string;
  mtime: number;
  /** Hex digest ('' for non-regular files and ghosts), in `digestAlgo`. */
  digest: string;
  linkTo: string;
  /** RPMFILE_* bits. */
  flags: number;
  config: boolean;
  doc: boolean;
  ghost: boolean;
  license: boolean;
  missingOk: boolean;
  noReplace: boolean;
  inode: number;
  device: number;
  rdev: number;
  /** 0 none, 1 ELF32, 2 ELF64, 4 MIPS N32 (rpm's file color). */
  color: number;
  verifyFlags: number;
  lang: string;
  /** File capabilities as text ("cap_net_raw=ep"), '' when none. */
  caps: string;
  /**
   * Index of the hard-link group (files with the same inode and device) when it has more
   * than one member, else -1. Group members share the content: the payload carries it once.
   */
  linkGroup: number;
}

export interface FileListInfo {
  files: RpmFile[];
  /** Name of the file digest algorithm (md5 by default, as rpm). */
  digestAlgo: string;
  /** Hard-link groups (indexes into `files`), in the order their first member appears. */
  linkGroups: number[][];
}

/** File paths only (cheap: used by the payload reader to map cpio names to indexes). */
export function filePaths(h: Header): string[] {
  const base = h.getStringArray(Tag.BASENAMES);
  if (!base) return h.getStringArray(Tag.OLDFILENAMES) ?? [];
  const dirs = h.getStringArray(Tag.DIRNAMES) ?? [];
  const idx = h.getNumberArray(Tag.DIRINDEXES) ?? [];
  if (idx.length !== base.length) throw formatError(h.subject, `DIRINDEXES has ${idx.length} entries for ${base.length} BASENAMES`);
  return base.map((b, i) => {
    const d = dirs[idx[i]];
    if (d === undefined) throw formatError(h.subject, `file ${i} (${b}) has dir index ${idx[i]}, only ${dirs.length} DIRNAMES`);
    return d + b;
  });
}

export function fileList(h: Header): FileListInfo {
  const paths = filePaths(h);
  const n = paths.length;
  const nums = (tag: number, name: string, dflt: number): number[] => {
    const a = h.getNumberArray(tag);
    if (!a) return new Array<number>(n).fill(dflt);
    if (a.length !== n) throw formatError(h.subject, `${name} has ${a.length} entries for ${n} files`);
    return a;
  };
  const strs = (tag: number, name: string, dflt: string): string[] => {
    const a = h.getStringArray(tag);
    if (!a) return new Array<string>(n).fill(dflt);
    if (a.length !== n) throw formatError(h.subject, `${name} has ${a.length} entries for ${n} files`);
    return a;
  };
  const sizes = h.has(Tag.LONGFILESIZES) ? nums(Tag.LONGFILESIZES, 'LONGFILESIZES', 0) : nums(Tag.FILESIZES, 'FILESIZES', 0);
  const modes = nums(Tag.FILEMODES, 'FILEMODES', 0o100644);
  const users = strs(Tag.FILEUSERNAME, 'FILEUSERNAME', 'root');
  const groups = strs(Tag.FILEGROUPNAME, 'FILEGROUPNAME', 'root');
  const mtimes = nums(Tag.FILEMTIMES, 'FILEMTIMES', 0);
  const digests = strs(Tag.FILEDIGESTS, 'FILEDIGESTS', '');
  const links = strs(Tag.FILELINKTOS, 'FILELINKTOS', '');
  const flags = nums(Tag.FILEFLAGS, 'FILEFLAGS', 0);
  const inodes = h.has(Tag.FILEINODES) ? nums(Tag.FILEINODES, 'FILEINODES', 0) : paths.map((_, i) => i + 1);
  const devices = nums(Tag.FILEDEVICES, 'FILEDEVICES', 1);
  const rdevs = nums(Tag.FILERDEVS, 'FILERDEVS', 0);
  const colors = nums(Tag.FILECOLORS, 'FILECOLORS', 0);
  const verify = nums(Tag.FILEVERIFYFLAGS, 'FILEVERIFYFLAGS', 0xffffffff);
  const langs = strs(Tag.FILELANGS, 'FILELANGS', '');
  const caps = strs(Tag.FILECAPS, 'FILECAPS', '');
  const algoId = h.getNumber(Tag.FILEDIGESTALGO) ?? 1;

  // Hard-link groups: same (device, inode) among regular files, as rpm's rpmfilesFLinks.
  const byInode = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    if ((modes[i] & 0o170000) !== 0o100000) continue;
    const k = `${devices[i]}:${inodes[i]}`;
    const g = byInode.get(k);
    if (g) g.push(i);
    else byInode.set(k, [i]);
  }
  const linkGroups = [...byInode.values()].filter((g) => g.length > 1);
  const groupOf = new Int32Array(n).fill(-1);
  linkGroups.forEach((g, gi) => g.forEach((i) => (groupOf[i] = gi)));

  const files: RpmFile[] = paths.map((path, i) => ({
    path,
    mode: modes[i],
    size: sizes[i],
    user: users[i],
    group: groups[i],
    mtime: mtimes[i],
    digest: digests[i],
    linkTo: links[i],
    flags: flags[i],
    config: (flags[i] & RPMFILE.CONFIG) !== 0,
    doc: (flags[i] & RPMFILE.DOC) !== 0,
    ghost: (flags[i] & RPMFILE.GHOST) !== 0,
    license: (flags[i] & RPMFILE.LICENSE) !== 0,
    missingOk: (flags[i] & RPMFILE.MISSINGOK) !== 0,
    noReplace: (flags[i] & RPMFILE.NOREPLACE) !== 0,
    inode: inodes[i],
    device: devices[i],
    rdev: rdevs[i],
    color: colors[i],
    verifyFlags: verify[i],
    lang: langs[i],
    caps: caps[i],
    linkGroup: groupOf[i],
  }));
  return { files, digestAlgo: PGPHASHALGO[algoId] ?? `unknown-${algoId}`, linkGroups };
}
