import { describe, expect, it } from 'vitest';
import { encodeHeader, extendHeader } from '../../builder/rpm/header-encode.js';
import { Header } from '../../builder/rpm/header.js';
import { readRpmHeaders } from '../../builder/rpm/read-headers.js';
import { Tag, TagType, SigTag } from '../../builder/rpm/tags.js';
import { fixture } from '../helpers/env.js';

const sample = () =>
  encodeHeader([
    { tag: Tag.NAME, type: TagType.STRING, value: 'hello' },
    { tag: Tag.SUMMARY, type: TagType.I18NSTRING, value: ['greets'] },
    { tag: Tag.EPOCH, type: TagType.INT32, value: [3] },
    { tag: Tag.FILEMODES, type: TagType.INT16, value: [0o100644, 0o40755] },
    { tag: Tag.FILECOLORS, type: TagType.INT8, value: [1, 2] },
    { tag: Tag.LONGFILESIZES, type: TagType.INT64, value: [5n, 2n ** 40n] },
    { tag: Tag.BASENAMES, type: TagType.STRING_ARRAY, value: ['a', 'bé'] },
    { tag: Tag.SIGMD5, type: TagType.BIN, value: Buffer.from('00112233', 'hex') },
  ]);

describe('header encode/parse', () => {
  it('round-trips every type, with an immutable region covering all entries', () => {
    const h = new Header(sample(), 'sample');
    expect(h.getString(Tag.NAME)).toBe('hello');
    expect(h.getString(Tag.SUMMARY)).toBe('greets');
    expect(h.getNumber(Tag.EPOCH)).toBe(3);
    expect(h.getNumberArray(Tag.FILEMODES)).toEqual([0o100644, 0o40755]);
    expect(h.getNumberArray(Tag.FILECOLORS)).toEqual([1, 2]);
    expect(h.getNumberArray(Tag.LONGFILESIZES)).toEqual([5, 2 ** 40]);
    expect(h.getStringArray(Tag.BASENAMES)).toEqual(['a', 'bé']);
    expect(h.getBin(Tag.SIGMD5)?.toString('hex')).toBe('00112233');
    expect(h.regionTag).toBe(63);
    expect(h.regionEntries).toBe(9);
    expect(h.regionDataLength).toBe(h.dataLength);
    expect(h.has(Tag.VERSION)).toBe(false);
    expect(() => h.getString(Tag.EPOCH)).toThrow(/tag 1003 has type 4, expected a string/);
  });

  it('extends a header after its region, leaving the region bytes unchanged', () => {
    const base = new Header(sample(), 'sample');
    const ext = new Header(extendHeader(base, [{ tag: Tag.INSTALLTIME, type: TagType.INT32, value: [1234] }]), 'ext');
    expect(ext.getNumber(Tag.INSTALLTIME)).toBe(1234);
    expect(ext.regionEntries).toBe(9);
    expect(ext.indexCount).toBe(10);
    expect(ext.getStringArray(Tag.BASENAMES)).toEqual(['a', 'bé']);
    const dataOf = (h: Header) => h.blob.subarray(16 + h.indexCount * 16, 16 + h.indexCount * 16 + h.regionDataLength);
    expect(dataOf(ext).equals(dataOf(base))).toBe(true);
    expect(() => extendHeader(base, [{ tag: Tag.NAME, type: TagType.STRING, value: 'x' }])).toThrow(/already/);
  });

  it('reads the headers of real packages, digests checked', async () => {
    const h = await readRpmHeaders(fixture('cavaliercoder-go-rpm', 'centos-release-7-2.1511.el7.centos.2.10.x86_64.rpm'));
    expect(h.header.getString(Tag.NAME)).toBe('centos-release');
    expect(h.signature.getBin(SigTag.RSA)?.length).toBeGreaterThan(100);
    expect(h.headerRange.start % 8).toBe(0);
    expect(h.payloadOffset).toBe(h.headerRange.end);
    const v6 = await readRpmHeaders(fixture('rpm-rs-rpm', 'v6', 'zstd', 'rpm-basic-2.3.4-5.el9.noarch.rpm'));
    expect(v6.format).toBe(6);
    expect(v6.header.getString(Tag.NAME)).toBe('rpm-basic');
  });
});

describe('header parse rejects malformed input', () => {
  const mutate = (f: (b: Buffer) => void) => {
    const b = Buffer.from(sample());
    f(b);
    return b;
  };
  const cases: [string, Buffer, RegExp][] = [
    ['bad magic', mutate((b) => (b[0] = 0)), /bad magic/],
    ['zero index count', mutate((b) => b.writeUInt32BE(0, 8)), /index count 0 out of range/],
    ['huge index count', mutate((b) => b.writeUInt32BE(0x10000, 8)), /index count 65536 out of range/],
    ['huge data length', mutate((b) => b.writeUInt32BE(0x7fffffff, 12)), /exceeds/],
    ['data length past end', mutate((b) => b.writeUInt32BE(b.readUInt32BE(12) + 100, 12)), /truncated/],
    ['offset out of range', mutate((b) => b.writeInt32BE(1 << 20, 16 + 16 + 8)), /offset 1048576 outside data store/],
    ['negative offset', mutate((b) => b.writeInt32BE(-4, 16 + 16 + 8)), /offset -4 outside/],
    ['count past end', mutate((b) => b.writeUInt32BE(1 << 20, 16 + 5 * 16 + 12)), /index entry 5 \(tag 1030\): 2097152 bytes at offset \d+ run past the data store/],
    ['unknown type', mutate((b) => b.writeUInt32BE(77, 16 + 16 + 4)), /unknown type 77/],
    ['bad region trailer', mutate((b) => b.writeUInt32BE(1, b.length - 4)), /bad region trailer/],
    ['region claims too many', mutate((b) => b.writeInt32BE(-16 * 100, b.length - 8)), /claims 100 entries/],
  ];
  for (const [name, blob, re] of cases) {
    it(name, () => expect(() => new Header(blob, 'bad.rpm')).toThrow(re));
  }
  it('an unterminated string', () => {
    const b = encodeHeader([{ tag: Tag.NAME, type: TagType.STRING, value: 'abc' }], { region: null });
    b[b.length - 1] = 0x41; // overwrite the NUL
    expect(() => new Header(b, 'bad.rpm')).toThrow(/not terminated inside the data store/);
  });
});
