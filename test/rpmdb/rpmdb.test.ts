// The rpmdb writer against the real rpm: the same packages installed with
// `rpm -i --justdb` give the same header blobs and the same rows in every index, and the
// databases we write answer rpm's queries (-qa, -qi, -qf, --whatprovides,
// --whatrequires), for sqlite and (through rpm's bdb_ro reader) Berkeley DB.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INDEXES, installedHeader, parseStoredHeader, richAtoms, transactionColor, writeRpmdb, type RpmdbPackage } from '../../builder/assemble/rpmdb/index.js';
import { encodeHeader } from '../../builder/rpm/header-encode.js';
import { readRpmHeaders } from '../../builder/rpm/read-headers.js';
import { Tag, TagType } from '../../builder/rpm/tags.js';
import { tempDir, tools } from '../helpers/env.js';
import { buildTestRpms } from './build-fixtures.js';

const have = tools('rpm', 'rpmbuild', 'db5.3_load', 'db5.3_dump');
const tmp = tempDir('vzbuild-rpmdb-');
afterAll(tmp.cleanup);

function rpm(root: string, args: string[], bdb = false): string {
  const pre = bdb ? ['--define', '_db_backend bdb_ro'] : [];
  return execFileSync('rpm', [...pre, '--root', root, '--dbpath', '/var/lib/rpm', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

type Row = [string, number, number];
function sqliteRows(file: string): Record<string, Row[]> {
  const db = new Database(file, { readonly: true });
  try {
    const out: Record<string, Row[]> = {};
    for (const def of INDEXES) {
      const rows = db.prepare(`SELECT key, hnum, idx FROM '${def.name}'`).all() as { key: string | Buffer; hnum: number; idx: number }[];
      out[def.name] = rows.map((r) => [Buffer.isBuffer(r.key) ? 'hex:' + r.key.toString('hex') : r.key, r.hnum, r.idx] as Row).sort();
    }
    return out;
  } finally {
    db.close();
  }
}

function bdbRows(dir: string): Record<string, Row[]> {
  const out: Record<string, Row[]> = {};
  for (const def of INDEXES) {
    const lines = execFileSync('db5.3_dump', [join(dir, def.name)], { encoding: 'utf8' }).split('\n');
    const start = lines.indexOf('HEADER=END') + 1;
    const rows: Row[] = [];
    for (let i = start; lines[i] !== 'DATA=END'; i += 2) {
      const key = Buffer.from(lines[i].trim(), 'hex');
      const data = Buffer.from(lines[i + 1].trim(), 'hex');
      for (let j = 0; j < data.length; j += 8) rows.push([def.keyType === 'TEXT' ? key.toString('utf8') : 'hex:' + key.toString('hex'), data.readUInt32LE(j), data.readUInt32LE(j + 4)]);
    }
    out[def.name] = rows.sort();
  }
  return out;
}

describe.skipIf(!have)('writeRpmdb against rpm', () => {
  let pkgs: RpmdbPackage[] = [];
  let realRoot = '';
  let realOrder: string[] = [];
  let tid = 0;
  const paths: Record<string, string> = {};

  beforeAll(async () => {
    const rpms = buildTestRpms(join(tmp.path, 'build'));
    realRoot = join(tmp.path, 'real');
    mkdirSync(realRoot);
    // rpm orders the transaction itself (beta before alpha); we replay its order.
    execFileSync('rpm', ['--root', realRoot, '--dbpath', '/var/lib/rpm', '-i', '--justdb', '--nodeps', '--noscripts', '--notriggers', ...rpms], { stdio: 'ignore' });
    const db = new Database(join(realRoot, 'var/lib/rpm/rpmdb.sqlite'), { readonly: true });
    const blobs = db.prepare('SELECT hnum, blob FROM Packages ORDER BY hnum').all() as { hnum: number; blob: Buffer }[];
    db.close();
    realOrder = blobs.map((b) => parseStoredHeader(b.blob, "rpmdb", "header").getString(Tag.NAME)!);
    tid = parseStoredHeader(blobs[0].blob, "rpmdb", "header").getNumber(Tag.INSTALLTID)!;
    for (const p of rpms) paths[/\/([a-z]+)-[^/]+$/.exec(p)![1]] = p;
    pkgs = [];
    for (const name of realOrder) {
      const h = await readRpmHeaders(paths[name]);
      pkgs.push({ headerBlob: h.header.blob, signatureBlob: h.signature.blob, subject: name });
    }
  });

  it('stores each header byte-for-byte as rpm does', async () => {
    const db = new Database(join(realRoot, 'var/lib/rpm/rpmdb.sqlite'), { readonly: true });
    const blobs = db.prepare('SELECT blob FROM Packages ORDER BY hnum').all() as { blob: Buffer }[];
    db.close();
    blobs.forEach(({ blob }, i) => {
      const real = parseStoredHeader(blob, "rpmdb", "header");
      const stamp = { installTime: real.getNumber(Tag.INSTALLTIME)!, installTid: real.getNumber(Tag.INSTALLTID)!, installColor: real.getNumber(Tag.INSTALLCOLOR)! };
      expect(installedHeader(pkgs[i].headerBlob, pkgs[i].signatureBlob, stamp).blob.equals(blob)).toBe(true);
    });
    expect(realOrder).toEqual(['beta', 'alpha', 'emptypkg']);
  });

  it('writes a sqlite rpmdb with the same schema and index rows as rpm', async () => {
    const root = join(tmp.path, 'sqlite');
    mkdirSync(root);
    const res = await writeRpmdb(root, pkgs, { format: 'sqlite', installTime: tid, installColor: transactionColor('x86_64') });
    expect(res).toMatchObject({ format: 'sqlite', files: ['rpmdb.sqlite'], packages: 3, dir: join(root, 'var/lib/rpm') });
    const file = join(root, 'var/lib/rpm/rpmdb.sqlite');
    const realFile = join(realRoot, 'var/lib/rpm/rpmdb.sqlite');
    const schema = (f: string) => {
      const db = new Database(f, { readonly: true });
      // Same objects, same SQL; creation order may differ (we build indexes after the rows).
      const s = db.prepare("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_stat%' ORDER BY name").all();
      const mode = db.pragma('journal_mode', { simple: true });
      const uv = db.pragma('user_version', { simple: true });
      db.close();
      return { s, mode, uv };
    };
    expect(schema(file)).toEqual(schema(realFile));
    expect(sqliteRows(file)).toEqual(sqliteRows(realFile));
    expect(readdirSync(join(root, 'var/lib'))).toEqual(['rpm']); // no temp dir left behind
  });

  it('answers rpm queries from the sqlite rpmdb', async () => {
    const root = join(tmp.path, 'sqlite-q');
    mkdirSync(join(root, 'usr/share/alpha/b'), { recursive: true });
    mkdirSync(join(root, 'usr/bin'), { recursive: true });
    writeFileSync(join(root, 'usr/share/alpha/b/same'), 'b\n');
    writeFileSync(join(root, 'usr/bin/beta'), '');
    await writeRpmdb(root, pkgs, { format: 'sqlite', installTime: 1700000000 });
    expect(rpm(root, ['-qa', '--qf', '%{NEVRA}\\n']).split('\n').filter(Boolean).sort()).toEqual(['alpha-1.0-1.noarch', 'beta-2:2.1-3.el9.x86_64', 'emptypkg-0-0.noarch']);
    expect(rpm(root, ['-qi', 'beta'])).toMatch(/Name\s+: beta\nEpoch\s+: 2\nVersion\s+: 2.1/);
    expect(rpm(root, ['-q', '--qf', '%{INSTALLTIME} %{INSTALLTID} %{SIGMD5}\\n', 'alpha'])).toMatch(/^1700000000 1700000000 [0-9a-f]{32}\n$/);
    expect(rpm(root, ['-qf', '/usr/share/alpha/b/same', '/usr/bin/beta'])).toBe('alpha-1.0-1.noarch\nbeta-2.1-3.el9.x86_64\n');
    expect(rpm(root, ['-q', '--whatprovides', 'alpha-virtual'])).toBe('alpha-1.0-1.noarch\n');
    expect(rpm(root, ['-q', '--whatrequires', 'gamma'])).toBe('alpha-1.0-1.noarch\n');
    expect(rpm(root, ['-q', '--whatrecommends', 'rec1'])).toBe('alpha-1.0-1.noarch\n');
    expect(rpm(root, ['-q', '--whatsupplements', 'sup2'])).toBe('alpha-1.0-1.noarch\n');
    expect(rpm(root, ['-q', '--triggeredby', 'beta'])).toContain('alpha-1.0-1.noarch');
    expect(rpm(root, ['-q', '--whatobsoletes', 'oldalpha'])).toBe('alpha-1.0-1.noarch\n');
  });

  it('writes a Berkeley DB rpmdb that rpm reads, with the same index rows', async () => {
    const root = join(tmp.path, 'bdb');
    mkdirSync(join(root, 'usr/bin'), { recursive: true });
    writeFileSync(join(root, 'usr/bin/beta'), '');
    const res = await writeRpmdb(root, pkgs, { format: 'bdb', installTime: tid });
    expect(res.files).toEqual(['Packages', ...INDEXES.map((d) => d.name)]);
    const dir = join(root, 'var/lib/rpm');
    expect(execFileSync('file', ['-b', join(dir, 'Packages')], { encoding: 'utf8' })).toMatch(/Berkeley DB \(Hash, version 9, native byte-order\)/);
    expect(execFileSync('file', ['-b', join(dir, 'Name')], { encoding: 'utf8' })).toMatch(/Berkeley DB \(Btree, version 9, native byte-order\)/);
    expect(bdbRows(dir)).toEqual(sqliteRows(join(realRoot, 'var/lib/rpm/rpmdb.sqlite')));
    // Key 0 of Packages holds the largest header instance (rpm's pkgInstance).
    const dumpLines = execFileSync('db5.3_dump', [join(dir, 'Packages')], { encoding: 'utf8' }).split('\n');
    expect(dumpLines.slice(dumpLines.indexOf('HEADER=END') + 1, dumpLines.indexOf('HEADER=END') + 3)).toEqual([' 00000000', ' 03000000']);
    expect(rpm(root, ['-qa'], true).split('\n').filter(Boolean).sort()).toEqual(['alpha-1.0-1.noarch', 'beta-2.1-3.el9.x86_64', 'emptypkg-0-0.noarch']);
    expect(rpm(root, ['-qf', '/usr/bin/beta'], true)).toBe('beta-2.1-3.el9.x86_64\n');
    expect(rpm(root, ['-q', '--whatprovides', 'beta(x86-64)'], true)).toBe('beta-2.1-3.el9.x86_64\n');
    expect(rpm(root, ['-q', '--whatrequires', 'zeta'], true)).toBe('alpha-1.0-1.noarch\n');
    expect(rpm(root, ['-qi', 'alpha'], true)).toMatch(/Group\s+: System\/Test/);
  });

  it('is byte-for-byte reproducible in both formats', async () => {
    const digest = async (format: 'sqlite' | 'bdb', name: string) => {
      const root = join(tmp.path, name);
      mkdirSync(root);
      const res = await writeRpmdb(root, pkgs, { format, installTime: 1700000000 });
      return res.files.map((f) => readFileSync(join(res.dir, f)).toString('base64'));
    };
    expect(await digest('sqlite', 'rep-s1')).toEqual(await digest('sqlite', 'rep-s2'));
    expect(await digest('bdb', 'rep-b1')).toEqual(await digest('bdb', 'rep-b2'));
  });

  it('refuses to write through a symlink planted in the root', async () => {
    const root = join(tmp.path, 'hostile');
    const outside = join(tmp.path, 'outside');
    mkdirSync(join(root, 'var'), { recursive: true });
    mkdirSync(outside);
    symlinkSync(outside, join(root, 'var/lib'));
    await expect(writeRpmdb(root, pkgs, { format: 'sqlite', installTime: 0 })).rejects.toMatchObject({ code: 'E_RPMDB_WRITE', message: expect.stringContaining('is a symlink') });
    expect(readdirSync(outside)).toEqual([]);
    await expect(writeRpmdb(join(tmp.path, 'no-such-root'), pkgs, { format: 'sqlite', installTime: 0 })).rejects.toMatchObject({ code: 'E_RPMDB_WRITE' });
  });
});

describe('installed header rules', () => {
  it('refuses a v3 header without an immutable region', () => {
    const v3 = encodeHeader(
      [
        { tag: Tag.NAME, type: TagType.STRING, value: 'old' },
        { tag: Tag.VERSION, type: TagType.STRING, value: '1' },
        { tag: Tag.RELEASE, type: TagType.STRING, value: '1' },
      ],
      { region: null },
    );
    expect(() => installedHeader(v3, undefined, { installTime: 1, installTid: 1, installColor: 0 }, 'old-1-1')).toThrow(/old-1-1: header has no immutable region/);
  });

  it.each([
    ['(gamma or delta)', ['delta', 'gamma']],
    ['(epsilon if zeta else eta)', ['epsilon', 'eta', 'zeta', '!zeta']],
    ['(iota unless kappa)', ['iota', '!kappa']],
    ['(a if b)', ['a', '!b']],
    ['(foo >= 1.0 with foo < 2)', ['foo']],
    ['(pkgA and (pkgB or rpmlib(RichDependencies)))', ['pkgA', 'pkgB']],
    ['((a if b) or c)', ['a', 'c', '!b']],
  ])('rich dependency %s indexes %j', (dep, atoms) => {
    expect(richAtoms(dep)).toEqual(atoms);
  });

  it('maps transaction colors per arch', () => {
    expect([transactionColor('x86_64'), transactionColor('aarch64'), transactionColor('i686'), transactionColor('armv7hl')]).toEqual([3, 3, 0, 0]);
  });
});

// Real metadata at scale: the RHEL 6 @core closure as stub RPMs (real names, deps, file
// lists from the RHEL 6 repodata), x86_64 + noarch (multilib pairs would conflict in a
// --justdb install because stub payloads differ).
describe.skipIf(!have)('writeRpmdb on the RHEL 6 @core stub packages', () => {
  it('matches rpm --justdb in every index and every header, and bdb_ro reads the BDB copy', async () => {
    const { rhel6CoreStubRepo } = await import('../helpers/stub-repo.js');
    const repo = join(rhel6CoreStubRepo(), 'Packages');
    const files = readdirSync(repo)
      .filter((f) => f.endsWith('.rpm') && !f.includes('.i686.'))
      .map((f) => join(repo, f));
    const real = join(tmp.path, 'core-real');
    mkdirSync(real);
    execFileSync('rpm', ['--root', real, '--dbpath', '/var/lib/rpm', '-i', '--justdb', '--nodeps', '--noscripts', '--notriggers', ...files], { stdio: 'ignore' });
    const db = new Database(join(real, 'var/lib/rpm/rpmdb.sqlite'), { readonly: true });
    const blobs = db.prepare('SELECT blob FROM Packages ORDER BY hnum').all() as { blob: Buffer }[];
    db.close();
    const byNevra = new Map<string, RpmdbPackage>();
    const nevra = (h: { getString(t: number): string | undefined }) => [Tag.NAME, Tag.VERSION, Tag.RELEASE, Tag.ARCH].map((t) => h.getString(t)).join('|');
    for (const f of files) {
      const h = await readRpmHeaders(f);
      byNevra.set(nevra(h.header), { headerBlob: h.header.blob, signatureBlob: h.signature.blob, subject: f });
    }
    const ordered = blobs.map(({ blob }) => byNevra.get(nevra(parseStoredHeader(blob, 'rpmdb', 'header')))!);
    expect(ordered.length).toBe(files.length);
    expect(files.length).toBeGreaterThan(200);
    blobs.forEach(({ blob }, i) => {
      const h = parseStoredHeader(blob, 'rpmdb', 'header');
      const stamp = { installTime: h.getNumber(Tag.INSTALLTIME)!, installTid: h.getNumber(Tag.INSTALLTID)!, installColor: h.getNumber(Tag.INSTALLCOLOR)! };
      expect(installedHeader(ordered[i].headerBlob, ordered[i].signatureBlob, stamp).blob.equals(blob)).toBe(true);
    });
    const tid0 = parseStoredHeader(blobs[0].blob, 'rpmdb', 'header').getNumber(Tag.INSTALLTID)!;
    const mine = join(tmp.path, 'core-mine');
    mkdirSync(mine);
    await writeRpmdb(mine, ordered, { format: 'sqlite', installTime: tid0 });
    const realRows = sqliteRows(join(real, 'var/lib/rpm/rpmdb.sqlite'));
    expect(sqliteRows(join(mine, 'var/lib/rpm/rpmdb.sqlite'))).toEqual(realRows);
    expect(realRows.Basenames.length).toBeGreaterThan(30000);

    const bdb = join(tmp.path, 'core-bdb');
    mkdirSync(join(bdb, 'usr/bin'), { recursive: true });
    writeFileSync(join(bdb, 'usr/bin/yum'), '');
    await writeRpmdb(bdb, ordered, { format: 'bdb', installTime: tid0 });
    // BDB stores the empty basename of "/" as a single NUL (rpm's "/" fixup); otherwise identical.
    const bRows = bdbRows(join(bdb, 'var/lib/rpm'));
    bRows.Basenames = bRows.Basenames.map(([k, h, i]) => [k === '\0' ? '' : k, h, i] as Row).sort();
    expect(bRows).toEqual(realRows);
    expect(rpm(bdb, ['-qa'], true).split('\n').filter(Boolean).length).toBe(files.length);
    expect(rpm(bdb, ['-qf', '/usr/bin/yum'], true)).toBe('yum-3.2.29-30.el6.noarch\n');
  });
});

describe('writeRpmdb inputs', () => {
  it('takes plain Uint8Array blobs as well as Buffers', () => {
    const blob = encodeHeader([
      { tag: Tag.NAME, type: TagType.STRING, value: 'u8' },
      { tag: Tag.VERSION, type: TagType.STRING, value: '1' },
      { tag: Tag.RELEASE, type: TagType.STRING, value: '1' },
    ]);
    const stamp = { installTime: 5, installTid: 5, installColor: 0 };
    const u8 = new Uint8Array(blob.length + 4).subarray(2, blob.length + 2);
    u8.set(blob);
    expect(installedHeader(u8, undefined, stamp).blob.equals(installedHeader(blob, undefined, stamp).blob)).toBe(true);
  });
});
