// A small ELF note reader: enough of the ELF format (32/64-bit, either byte order) to find
// PT_NOTE segments — or SHT_NOTE sections when a file has no program headers — and decode
// the notes in them. Used for glibc's NT_GNU_ABI_TAG ("the oldest kernel this libc runs
// on"). Reads only the headers and note bytes (never the whole file), with size caps so a
// hostile file can't make us allocate much.
import { open } from 'node:fs/promises';

export interface ElfNote {
  name: string;
  type: number;
  desc: Buffer;
}

export interface ElfInfo {
  class: 32 | 64;
  endian: 'le' | 'be';
  machine: number;
  notes: ElfNote[];
}

export class ElfError extends Error {}

type Reader = (offset: number, length: number) => Promise<Buffer>;

const MAX_NOTES_BYTES = 1 << 20;
const PT_NOTE = 4;
const SHT_NOTE = 7;
export const NT_GNU_ABI_TAG = 1;

export async function readElfNotesFromBuffer(buf: Buffer, what = 'buffer'): Promise<ElfInfo> {
  return parseElf(async (off, len) => buf.subarray(off, Math.min(buf.length, off + len)), what);
}

export async function readElfNotes(path: string): Promise<ElfInfo> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    return await parseElf(async (off, len) => {
      const n = Math.max(0, Math.min(len, size - off));
      const b = Buffer.alloc(n);
      if (n) await fh.read(b, 0, n, off);
      return b;
    }, path);
  } finally {
    await fh.close();
  }
}

async function parseElf(read: Reader, what: string): Promise<ElfInfo> {
  const id = await read(0, 64);
  if (id.length < 52 || id.readUInt32BE(0) !== 0x7f454c46) throw new ElfError(`${what}: not an ELF file`);
  const cls = id[4] === 2 ? 64 : id[4] === 1 ? 32 : 0;
  if (!cls) throw new ElfError(`${what}: unknown ELF class ${id[4]}`);
  const le = id[5] === 1;
  if (!le && id[5] !== 2) throw new ElfError(`${what}: unknown ELF data encoding ${id[5]}`);
  if (cls === 64 && id.length < 64) throw new ElfError(`${what}: truncated ELF header`);
  const u16 = (b: Buffer, o: number) => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
  const u32 = (b: Buffer, o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const word = (b: Buffer, o: number) => (cls === 64 ? Number(le ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o)) : u32(b, o));
  const machine = u16(id, 18);
  const phoff = word(id, cls === 64 ? 32 : 28);
  const shoff = word(id, cls === 64 ? 40 : 32);
  const phentsize = u16(id, cls === 64 ? 54 : 42);
  const phnum = u16(id, cls === 64 ? 56 : 44);
  const shentsize = u16(id, cls === 64 ? 58 : 46);
  const shnum = u16(id, cls === 64 ? 60 : 48);

  const regions: Array<{ off: number; size: number; align: number }> = [];
  if (phoff && phnum) {
    const ph = await read(phoff, phnum * phentsize);
    if (ph.length < phnum * phentsize) throw new ElfError(`${what}: truncated program headers`);
    for (let i = 0; i < phnum; i++) {
      const b = i * phentsize;
      if (u32(ph, b) !== PT_NOTE) continue;
      if (cls === 64) regions.push({ off: word(ph, b + 8), size: word(ph, b + 32), align: word(ph, b + 48) });
      else regions.push({ off: u32(ph, b + 4), size: u32(ph, b + 16), align: u32(ph, b + 28) });
    }
  } else if (shoff && shnum) {
    const sh = await read(shoff, shnum * shentsize);
    if (sh.length < shnum * shentsize) throw new ElfError(`${what}: truncated section headers`);
    for (let i = 0; i < shnum; i++) {
      const b = i * shentsize;
      if (u32(sh, b + 4) !== SHT_NOTE) continue;
      if (cls === 64) regions.push({ off: word(sh, b + 24), size: word(sh, b + 32), align: word(sh, b + 48) });
      else regions.push({ off: u32(sh, b + 16), size: u32(sh, b + 20), align: u32(sh, b + 32) });
    }
  }

  const notes: ElfNote[] = [];
  let total = 0;
  for (const r of regions) {
    total += r.size;
    if (total > MAX_NOTES_BYTES) throw new ElfError(`${what}: note segments larger than ${MAX_NOTES_BYTES} bytes`);
    const data = await read(r.off, r.size);
    if (data.length < r.size) throw new ElfError(`${what}: note segment at ${r.off} runs past the end of the file`);
    // Notes are 4-byte aligned, except in 8-aligned segments (NT_GNU_PROPERTY_TYPE_0 on 64-bit).
    const align = r.align === 8 ? 8 : 4;
    const pad = (n: number) => (n + align - 1) & ~(align - 1);
    let p = 0;
    while (p + 12 <= data.length) {
      const namesz = u32(data, p);
      const descsz = u32(data, p + 4);
      const type = u32(data, p + 8);
      const nameEnd = p + 12 + namesz;
      // The descriptor starts at the next alignment boundary after the name (8-aligned notes
      // put it at 16, not 12 + pad(namesz) = 20).
      const descOff = pad(p + 12 + namesz);
      if (nameEnd > data.length || descOff + descsz > data.length) throw new ElfError(`${what}: malformed note at segment offset ${p}`);
      const name = data.subarray(p + 12, nameEnd).toString('latin1').replace(/\0+$/, '');
      notes.push({ name, type, desc: Buffer.from(data.subarray(descOff, descOff + descsz)) });
      p = descOff + pad(descsz);
    }
  }
  return { class: cls, endian: le ? 'le' : 'be', machine, notes };
}

const ABI_OS = ['Linux', 'Hurd', 'Solaris', 'FreeBSD', 'NetBSD', 'Syllable'];

export interface AbiTag {
  os: string;
  /** Minimum kernel version, e.g. "2.6.32". */
  version: string;
  parts: [number, number, number];
}

/** Decode the GNU ABI tag (name "GNU", type 1, 4 words: os, major, minor, patch). */
export function abiTag(info: ElfInfo): AbiTag | undefined {
  const n = info.notes.find((x) => x.name === 'GNU' && x.type === NT_GNU_ABI_TAG && x.desc.length >= 16);
  if (!n) return undefined;
  const w = (i: number) => (info.endian === 'le' ? n.desc.readUInt32LE(i * 4) : n.desc.readUInt32BE(i * 4));
  const parts: [number, number, number] = [w(1), w(2), w(3)];
  return { os: ABI_OS[w(0)] ?? `os#${w(0)}`, version: parts.join('.'), parts };
}
