import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { orderTransaction, type OrderPackage } from '../../builder/assemble/order.js';
import { tempDir, tools } from '../helpers/env.js';
import { rhel6CoreStubRepo } from '../helpers/stub-repo.js';
import { queryRpms, rpmOrder } from './rpmq.js';

const pkg = (name: string, requires: [string, boolean?][] = [], extra: Partial<OrderPackage> = {}): OrderPackage => ({
  name,
  arch: 'x86_64',
  color: 0,
  provides: [{ name }],
  files: [],
  requires: requires.map(([n, pre]) => ({ name: n, pre })),
  ...extra,
});
const names = (pkgs: OrderPackage[]) => orderTransaction(pkgs).order.map((i) => pkgs[i].name);

describe('orderTransaction', () => {
  it('installs what a package requires first', () => {
    expect(names([pkg('app', [['lib']]), pkg('lib', [['base']]), pkg('base')])).toEqual(['base', 'lib', 'app']);
  });

  it('satisfies file requires through the providing package', () => {
    const sh = pkg('bash', [], { files: [{ path: '/bin/sh' }] });
    expect(names([pkg('svc', [['/bin/sh', true]]), sh])).toEqual(['bash', 'svc']);
  });

  it('breaks a loop on the plain edge and keeps the pre-requirement', () => {
    // a Requires(pre) b, b Requires a: b must come first so a's %pre sees it.
    expect(names([pkg('a', [['b', true]]), pkg('b', [['a']])])).toEqual(['b', 'a']);
    expect(names([pkg('b', [['a']]), pkg('a', [['b', true]])])).toEqual(['b', 'a']);
    const r = orderTransaction([pkg('a', [['b', true]]), pkg('b', [['a']])]);
    expect(r.loops).toHaveLength(1);
  });

  it('ignores rpmlib() and missing providers', () => {
    expect(names([pkg('x', [['rpmlib(PayloadIsXz)'], ['not-here']])])).toEqual(['x']);
  });
});

describe.skipIf(!tools('rpm', 'rpmbuild', 'createrepo_c'))('order parity with rpm', () => {
  const tmp = tempDir();
  afterAll(tmp.cleanup);
  it('orders the RHEL 6 @core stub closure exactly as rpm -i does', () => {
    const dir = join(rhel6CoreStubRepo(), 'Packages');
    const paths = readdirSync(dir).filter((f) => f.endsWith('.rpm')).sort().map((f) => join(dir, f));
    const pkgs = queryRpms(paths);
    expect(pkgs).toHaveLength(paths.length);
    const ours = orderTransaction(pkgs).order.map((i) => pkgs[i].nevra);
    const theirs = rpmOrder(paths, tmp.path);
    expect(theirs).toHaveLength(paths.length);
    expect(ours).toEqual(theirs);
  });
});
