// Hostile and broken packages: each is a clear error naming the package and what is wrong,
// found without reading more than the input warrants. Packages are built by our writer,
// then cut or tampered with.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HEADER_IMMUTABLE } from '../../builder/rpm/tags.js';
import { readRpmHeaders } from '../../builder/rpm/read-headers.js';
import { payloadEntries } from '../../builder/rpm/reader.js';
import { buildRpm, buildRpmParts, lead, signatureHeader, type RpmDescription } from '../../builder/rpm/writer.js';
import { tempDir, tools } from '../helpers/env.js';

const tmp = tempDir('vzbuild-bad-');
afterAll(() => tmp.cleanup());

const desc = (over: Partial<RpmDescription> = {}): RpmDescription => ({
  name: 'victim',
  version: '1.0',
  release: '1',
  arch: 'x86_64',
  files: [
    { path: '/etc/victim.conf', content: 'a=1\n'.repeat(100) },
    { path: '/usr/bin/victim', content: Buffer.alloc(5000, 7), mode: 0o755 },
  ],
  ...over,
});

let seq = 0;
function save(parts: Buffer[] | Buffer): string {
  const p = join(tmp.path, `bad-${seq++}.rpm`);
  writeFileSync(p, Array.isArray(parts) ? Buffer.concat(parts) : parts);
  return p;
}

/** Read headers and the whole payload; resolve to the error (or undefined). */
async function readAll(path: string): Promise<Error | undefined> {
  try {
    for await (const e of payloadEntries(path)) e.body.resume();
    return undefined;
  } catch (e) {
    return e as Error;
  }
}

async function parts(over?: Partial<RpmDescription>) {
  const [l, sig, pad, header, payload] = await buildRpm(desc(over));
  return { l, sig, pad, header, payload, whole: Buffer.concat([l, sig, pad, header, payload]) };
}

describe('bad input is a clear error', () => {
  it('the intact package reads fine (control)', async () => {
    expect(await readAll(save((await parts()).whole))).toBeUndefined();
  });

  it('wrong magic', async () => {
    const { whole } = await parts();
    const b = Buffer.from(whole);
    b.write('PK\x03\x04', 0, 'latin1');
    await expect(readRpmHeaders(save(b))).rejects.toThrow(/not an RPM package \(lead magic 504b0304/);
    await expect(readRpmHeaders(save(Buffer.from('hello')))).rejects.toThrow(/not an RPM package|truncated in the lead/);
  });

  it('truncated at every stage', async () => {
    const { l, sig, pad, header, whole } = await parts();
    const cuts: [number, RegExp][] = [
      [0, /truncated in the lead \(0 of 96 bytes\)/],
      [50, /truncated in the lead/],
      [l.length + 10, /truncated in the signature header/],
      [l.length + sig.length - 3, /truncated in the signature header/],
      [l.length + sig.length + pad.length + 100, /truncated in the main header/],
      [l.length + sig.length + pad.length + header.length + 10, /truncated: header\+payload should be \d+ bytes, file has \d+/],
    ];
    for (const [n, re] of cuts) {
      const err = await readAll(save(whole.subarray(0, n)));
      expect(err?.message, `cut at ${n}`).toMatch(re);
      expect(err?.message).toMatch(/bad-\d+\.rpm/);
    }
  });

  it('truncated payload without size records: the payload stream ends early', async () => {
    const { header, payload, archiveSize } = await buildRpmParts(desc({ compression: 'none' }));
    const cut = payload.subarray(0, payload.length - 700);
    // Signature written for the cut payload: sizes agree, so the cpio reader must notice.
    const sig = signatureHeader(header, cut, archiveSize);
    const err = await readAll(save([lead(desc()), sig, Buffer.alloc((8 - (sig.length % 8)) % 8), header, cut]));
    expect(err?.message).toMatch(/victim-1.0-1.x86_64\): payload ends early, in the content of \/usr\/bin\/victim/);
  });

  it('header index count and offsets out of range', async () => {
    const { l, sig, pad, header, payload } = await parts();
    const at = (mut: (h: Buffer) => void) => {
      const h = Buffer.from(header);
      mut(h);
      return save([l, sig, pad, h, payload]);
    };
    await expect(readRpmHeaders(at((h) => h.writeUInt32BE(0x100000, 8)))).rejects.toThrow(/main header: index count 1048576 out of range/);
    await expect(readRpmHeaders(at((h) => h.writeInt32BE(0x7fff0000, 16 + 16 * 3 + 8)))).rejects.toThrow(/main header: index entry 3 \(tag \d+\): offset \d+ outside data store/);
    await expect(readRpmHeaders(at((h) => h.writeUInt32BE(0x00ffffff, 16 + 16 * 5 + 12)))).rejects.toThrow(/main header: index entry 5 .*(run past|not terminated|STRING with count)/);
  });

  it('a data length that points past the end of the file', async () => {
    const { l, sig, pad, header, payload } = await parts();
    const h = Buffer.from(header);
    h.writeUInt32BE(200 * 1024 * 1024, 12);
    const started = process.memoryUsage().rss;
    await expect(readRpmHeaders(save([l, sig, pad, h, payload]))).rejects.toThrow(/truncated in the main header: it needs \d+ bytes at offset \d+, file has \d+/);
    // Checked before allocating: no 200 MiB buffer was made.
    expect(process.memoryUsage().rss - started).toBeLessThan(100 * 1024 * 1024);
  });

  it('a broken region trailer', async () => {
    const { l, sig, pad, header, payload } = await parts();
    const h = Buffer.from(header);
    h.writeUInt32BE(HEADER_IMMUTABLE + 1, h.length - 16);
    await expect(readRpmHeaders(save([l, sig, pad, h, payload]))).rejects.toThrow(/region tag 63: bad region trailer/);
  });

  it('a tampered header fails its SHA256 digest, naming the package', async () => {
    const { l, sig, pad, header, payload } = await parts();
    const h = Buffer.from(header);
    const i = h.indexOf('victim test package');
    h.write('V', i, 'latin1');
    await expect(readRpmHeaders(save([l, sig, pad, h, payload]))).rejects.toThrow(/victim-1.0-1.x86_64\): header SHA256 digest mismatch/);
  });

  it('a tampered payload fails its digest after the last entry', async () => {
    const { l, sig, pad, header, payload } = await parts({ compression: 'none' });
    const p = Buffer.from(payload);
    p[p.indexOf(Buffer.alloc(16, 7)) + 3] = 8;
    const err = await readAll(save([l, sig, pad, header, p]));
    expect(err?.message).toMatch(/victim-1.0-1.x86_64\): compressed payload sha256 digest mismatch/);
  });

  it.skipIf(!tools('xz'))('a corrupt compressed payload', async () => {
    const { l, sig, pad, header, payload } = await parts({ compression: 'xz' });
    const p = Buffer.from(payload);
    p.fill(0x41, 40, 80);
    const err = await readAll(save([l, sig, pad, header, p]));
    expect(err?.message).toMatch(/victim-1.0-1.x86_64\): payload \(xz\) is corrupt: xz -dc --format=xz exited with 1/);
  });

  it('a bad cpio header inside a valid compression stream', async () => {
    const { header, payload, archiveSize } = await buildRpmParts(desc({ compression: 'none' }));
    const p = Buffer.from(payload);
    p.write('0707Z1', 0, 'latin1');
    const sig = signatureHeader(header, p, archiveSize);
    const err = await readAll(save([lead(desc()), sig, Buffer.alloc((8 - (sig.length % 8)) % 8), header, p]));
    expect(err?.message).toMatch(/bad cpio magic "0707Z1" at payload offset 0/);
  });

  it.skipIf(!tools('zstd'))('a payload that decompresses to more than the header says (bomb) is stopped early', async () => {
    // 64 MiB of zeros compress to a few KB; the signature claims a 2 KB archive.
    const bomb = desc({ compression: 'zstd', files: [{ path: '/zero', content: Buffer.alloc(64 << 20) }] });
    const { header, payload } = await buildRpmParts(bomb);
    const sig = signatureHeader(header, payload, 2048);
    const path = save([lead(bomb), sig, Buffer.alloc((8 - (sig.length % 8)) % 8), header, payload]);
    let seen = 0;
    let err: Error | undefined;
    try {
      for await (const e of payloadEntries(path)) for await (const b of e.body) seen += (b as Buffer).length;
    } catch (e) {
      err = e as Error;
    }
    expect(err?.message).toMatch(/victim-1.0-1.x86_64\): payload decompresses to more than 2048 bytes \(the archive size the header records\)/);
    expect(seen).toBeLessThan(2048);
  });

  it('a symlink target longer than PATH_MAX', async () => {
    const err = await readAll(save((await parts({ files: [{ path: '/l', target: 'x'.repeat(5000) }] })).whole));
    expect(err?.message).toMatch(/symlink \/l target of 5000 bytes exceeds 4096/);
  });
});
