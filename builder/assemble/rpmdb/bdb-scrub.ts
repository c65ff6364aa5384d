// Make a libdb 5.3 hash/btree file reproducible. db_load writes pages from recycled
// buffers without clearing what the format leaves unused, so two loads of the same data
// differ in: the free gap between a page's index array and its items, the padding bytes
// of off-page item references, the tail of overflow pages, and the file id stamped in the
// meta page. This zeroes exactly those bytes (page layouts from libdb's db_page.h) and
// sets a caller-chosen file id; everything libdb reads is untouched.
const P_HASH_UNSORTED = 2;
const P_IBTREE = 3;
const P_LBTREE = 5;
const P_OVERFLOW = 7;
const P_HASHMETA = 8;
const P_BTREEMETA = 9;
const P_LDUP = 12;
const P_HASH = 13;
const H_OFFPAGE = 3;
const H_OFFDUP = 4;
const B_OVERFLOW = 3;
const PAGE_HEADER = 26;
/** DBMETA.uid (bytes 52..71 of page 0) and DBMETA.pagesize (20..23). */
const META_UID = 52;
const UID_LEN = 20;

export function scrubBdb(file: Buffer, fileId: Buffer): void {
  const pageSize = file.readUInt32LE(20);
  if (pageSize < 512 || pageSize > 65536 || file.length % pageSize !== 0) throw new Error(`not a libdb file with a sane page size (${pageSize})`);
  const metaType = file[25];
  if (metaType !== P_HASHMETA && metaType !== P_BTREEMETA) throw new Error(`page 0 is not a hash/btree meta page (type ${metaType})`);
  fileId.copy(file, META_UID, 0, UID_LEN);
  for (let base = pageSize; base < file.length; base += pageSize) {
    const page = file.subarray(base, base + pageSize);
    const type = page[25];
    const entries = page.readUInt16LE(20);
    const hfOffset = page.readUInt16LE(22);
    switch (type) {
      case P_HASH:
      case P_HASH_UNSORTED:
      case P_LBTREE:
      case P_IBTREE:
      case P_LDUP: {
        const indexEnd = PAGE_HEADER + 2 * entries;
        if (hfOffset < indexEnd || hfOffset > pageSize) throw new Error(`page ${base / pageSize}: bad layout (entries ${entries}, hf_offset ${hfOffset})`);
        page.fill(0, indexEnd, hfOffset);
        for (let i = 0; i < entries; i++) {
          const off = page.readUInt16LE(PAGE_HEADER + 2 * i);
          if (off < hfOffset || off >= pageSize) continue;
          if (type === P_HASH || type === P_HASH_UNSORTED) {
            // HOFFPAGE / HOFFDUP: type, unused[3], pgno, ...
            if (page[off] === H_OFFPAGE || page[off] === H_OFFDUP) page.fill(0, off + 1, off + 4);
          } else if (type === P_IBTREE) {
            // BINTERNAL: len(2), type(1), unused(1), pgno, nrecs, data
            page[off + 3] = 0;
          } else if ((page[off + 2] & 0x7f) === B_OVERFLOW) {
            // BOVERFLOW: unused1(2), type(1), unused2(1), pgno, tlen
            page.fill(0, off, off + 2);
            page[off + 3] = 0;
          }
        }
        break;
      }
      case P_OVERFLOW:
        // hf_offset holds the number of data bytes on an overflow page.
        if (PAGE_HEADER + hfOffset <= pageSize) page.fill(0, PAGE_HEADER + hfOffset);
        break;
      default:
        break;
    }
  }
}
