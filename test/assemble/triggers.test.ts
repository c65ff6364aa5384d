import { describe, expect, it } from 'vitest';
import { capsToXattr } from '../../builder/assemble/caps.js';
import { countByName, matchPrefixes, packageFileTriggers, packageTriggers, transFileTriggers, triggerMatches, type TriggerPkg } from '../../builder/assemble/triggers.js';
import type { FileTrigger, Trigger } from '../../builder/assemble/types.js';

const sh = { prog: ['/bin/sh'], body: 'true' };
const pkg = (name: string, o: Partial<TriggerPkg> = {}): TriggerPkg => ({ name, epoch: 0, version: '1.0', release: '1', arch: 'x86_64', triggers: [], fileTriggers: [], files: [], ...o });
const file = (path: string, ghost = false) => ({ path, kind: 'file' as const, perm: 0o644, user: 'root', group: 'root', mtime: 0, size: 0, ghost, config: false, color: 0 });
const trig = (kind: Trigger['kind'], name: string, extra: Partial<Trigger['dep']> = {}): Trigger => ({ kind, dep: { name, ...extra }, script: sh });
const ftrig = (prefixes: string[], trans = false, priority = 1000000): FileTrigger => ({ kind: 'in', trans, prefixes, priority, script: sh });

describe('triggers', () => {
  it('match by name and version range', () => {
    expect(triggerMatches({ name: 'bash' }, pkg('bash'))).toBe(true);
    expect(triggerMatches({ name: 'bash', sense: 'GE', evr: { epoch: 0, version: '2.0' } }, pkg('bash'))).toBe(false);
    expect(triggerMatches({ name: 'bash', sense: 'LT', evr: { epoch: 0, version: '2.0' } }, pkg('bash'))).toBe(true);
    expect(triggerMatches({ name: 'zsh' }, pkg('bash'))).toBe(false);
  });

  it('fires others on the new package first, then its own on what is installed, once each', () => {
    const installed = [pkg('a', { triggers: [trig('in', 'c')] }), pkg('b'), pkg('c', { triggers: [trig('in', 'b'), trig('in', 'c'), trig('prein', 'a')] })];
    const fired = packageTriggers(installed, 2, 'in', true).map((f) => [installed[f.owner].name, installed[f.source].name]);
    expect(fired).toEqual([
      ['a', 'c'],
      ['c', 'c'],
      ['c', 'b'],
    ]);
    expect(packageTriggers(installed, 2, 'prein', false).map((f) => [installed[f.owner].name, installed[f.source].name])).toEqual([['c', 'a']]);
  });

  it('matches file-trigger prefixes as directories', () => {
    expect(matchPrefixes(['/usr/lib64'], ['/usr/lib64', '/usr/lib64/x.so', '/usr/lib64x/y'])).toEqual(['/usr/lib64/x.so']);
  });

  it('runs file triggers by priority, own triggers against earlier files, ghosts never', () => {
    const installed = [
      pkg('lib', { files: [file('/usr/lib64/libz.so'), file('/usr/lib64/ghost.so', true)] }),
      pkg('glibc', { fileTriggers: [ftrig(['/usr/lib64'], false, 10), ftrig(['/usr/share'], false, 99), ftrig(['/usr/lib64'], true)], files: [file('/usr/lib64/libc.so'), file('/usr/share/x')] }),
    ];
    expect(packageFileTriggers(installed, 1).map((f) => [f.trigger.priority, f.paths])).toEqual([
      [99, ['/usr/share/x']],
      [10, ['/usr/lib64/libz.so', '/usr/lib64/libc.so']],
    ]);
    expect(transFileTriggers(installed).map((f) => f.paths)).toEqual([['/usr/lib64/libz.so', '/usr/lib64/libc.so']]);
    expect(countByName([pkg('glibc'), pkg('glibc'), pkg('x')], 'glibc')).toBe(2);
  });
});

describe('file capabilities', () => {
  it('encodes cap text as a revision-2 security.capability value', () => {
    const b = Buffer.from(capsToXattr('cap_net_raw=ep')!, 'base64');
    expect(b.readUInt32LE(0)).toBe(0x02000001);
    expect(b.readUInt32LE(4)).toBe(1 << 13);
    expect(Buffer.from(capsToXattr('cap_net_admin,cap_net_raw+p')!, 'base64').readUInt32LE(4)).toBe((1 << 12) | (1 << 13));
    expect(capsToXattr('')).toBeUndefined();
    expect(capsToXattr('cap_bogus=ep')).toBeUndefined();
  });
});
