// Every RPM under ../shared/fixtures against the real rpm: `vzbuild inspect --json` equals
// `rpm -qp --qf` for NEVRA, every dependency list and every file's path, mode, owner, size,
// digest and link target; our payload extraction equals `rpm2cpio | cpio -idm` byte for byte.
// v6 packages (rpm 4.18 cannot read them) are compared with their v4 twin instead.
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { InspectResult } from '../../builder/rpm/inspect.js';
import { BIN, FIXTURES, tempDir, tools } from '../helpers/env.js';
import { describeTree, extractPayload } from './extract.js';

function findRpms(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findRpms(p));
    else if (name.endsWith('.rpm')) out.push(p);
  }
  return out;
}

const RPMS = findRpms(FIXTURES);
const isV6 = (p: string) => p.includes('/rpm-rs-rpm/v6/');
const v4Twin = (p: string) => p.replace(/\/v6\/[^/]+\//, '/v4/');

const DEP_TAGS: [keyof InspectResult['deps'], string][] = [
  ['provides', 'PROVIDE'],
  ['requires', 'REQUIRE'],
  ['conflicts', 'CONFLICT'],
  ['obsoletes', 'OBSOLETE'],
  ['recommends', 'RECOMMEND'],
  ['suggests', 'SUGGEST'],
  ['supplements', 'SUPPLEMENT'],
  ['enhances', 'ENHANCE'],
];
const QF = [
  'N:%{NAME}\\nE:%{EPOCH}\\nV:%{VERSION}\\nR:%{RELEASE}\\nA:%{ARCH}\\n',
  ...DEP_TAGS.map(([k, t]) => `[${k}:%{${t}NAME}\\t%{${t}FLAGS}\\t%{${t}VERSION}\\n]`),
  '[F:%{FILENAMES}\\t%{FILEMODES}\\t%{FILEUSERNAME}\\t%{FILEGROUPNAME}\\t%{LONGFILESIZES}\\t%{FILEDIGESTS}\\t%{FILELINKTOS}\\n]',
].join('');

/** Our inspect JSON rendered in the --qf layout above. */
function asQf(r: InspectResult): string {
  const lines = [`N:${r.name}`, `E:${r.epoch ?? '(none)'}`, `V:${r.version}`, `R:${r.release}`, `A:${r.arch}`];
  for (const [k] of DEP_TAGS) for (const d of r.deps[k]) lines.push(`${k}:${d.name}\t${d.flags}\t${d.version}`);
  for (const f of r.files) lines.push(`F:${f.path}\t${f.mode}\t${f.user}\t${f.group}\t${f.size}\t${f.digest}\t${f.linkto}`);
  return lines.join('\n') + '\n';
}

function rpmQf(path: string): string {
  // NOKEY warnings go to stderr; the query itself must succeed.
  return execFileSync('rpm', ['-qp', '--qf', QF, path], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 << 20 });
}

describe.skipIf(!tools('rpm', 'rpm2cpio', 'cpio'))('fixture RPMs match the real rpm', () => {
  const tmp = tempDir('vzbuild-parity-');
  afterAll(() => tmp.cleanup());
  let inspected: Map<string, InspectResult>;

  it(`finds every fixture RPM (${RPMS.length}), v6 and source packages included`, () => {
    expect(RPMS.length).toBeGreaterThanOrEqual(29);
    expect(RPMS.some(isV6)).toBe(true);
    expect(RPMS.some((p) => p.endsWith('.src.rpm'))).toBe(true);
    // One CLI run for all of them: `vzbuild --json inspect --verify FILE...`.
    const res = spawnSync(BIN, ['--json', 'inspect', '--verify', ...RPMS], { encoding: 'utf8', maxBuffer: 256 << 20 });
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
    const list = JSON.parse(res.stdout) as InspectResult[];
    inspected = new Map(list.map((r) => [r.path, r]));
    expect(list.every((r) => r.payloadVerified)).toBe(true);
  });

  it('text output reads like rpm -qpi --scripts -l', () => {
    const rpm = RPMS.find((p) => p.includes('centos-release-7'))!;
    const res = spawnSync(BIN, ['inspect', rpm], { encoding: 'utf8' });
    expect(res.status).toBe(0);
    expect(res.stdout).toMatch(/^Name {8}: centos-release\nEpoch {7}: \(none\)\nVersion {5}: 7\n/);
    expect(res.stdout).toContain('Signature   : rsaheader, pgp, sha1, md5');
    const files = execFileSync('rpm', ['-qpl', rpm], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(res.stdout.endsWith(files)).toBe(true);
    const bad = spawnSync(BIN, ['inspect', '/etc/hostname'], { encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/E_RPM_FORMAT: \/etc\/hostname: (not an RPM package|truncated in the lead)/);
  });

  for (const rpm of RPMS) {
    const name = rpm.slice(FIXTURES.length + 1);
    it(`${name}: header matches rpm -qp --qf`, () => {
      const ours = inspected.get(rpm)!;
      expect(ours).toBeDefined();
      if (isV6(rpm)) {
        // rpm 4.18 cannot read v6: the v4 build of the same package is the reference.
        // rpmlib() requirements name format features, which differ between v4 and v6 builds.
        const twin = inspected.get(v4Twin(rpm))!;
        const noRpmlib = (s: string) => s.split('\n').filter((l) => !l.startsWith('requires:rpmlib(')).join('\n');
        expect(noRpmlib(asQf(ours))).toBe(noRpmlib(asQf(twin)));
        expect(asQf(twin)).toBe(rpmQf(v4Twin(rpm)));
      } else {
        expect(asQf(ours)).toBe(rpmQf(rpm));
      }
    });

    it(`${name}: payload extraction equals rpm2cpio | cpio -idm`, async () => {
      const theirs = join(tmp.path, name.replace(/\//g, '_') + '.cpio');
      const ours = join(tmp.path, name.replace(/\//g, '_') + '.ours');
      const ref = isV6(rpm) ? v4Twin(rpm) : rpm;
      execFileSync('mkdir', ['-p', theirs, ours]);
      // Test code may use a shell: this is the reference pipeline itself.
      execFileSync('sh', ['-c', 'rpm2cpio "$1" | cpio -idm --quiet --no-absolute-filenames', 'sh', ref], { cwd: theirs, stdio: ['ignore', 'ignore', 'pipe'] });
      await extractPayload(rpm, ours);
      const a = await describeTree(theirs);
      const b = await describeTree(ours);
      expect(b.length).toBe(a.length);
      expect(b).toEqual(a);
    });
  }
});
