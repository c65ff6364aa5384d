// Test-side view of .rpm files through the real `rpm -qp --qf`, used as the reference the
// assemble stage is compared against (order parity with rpm's own tsort).
import { execFileSync } from 'node:child_process';
import { depFromHeader } from '../../builder/assemble/deps.js';
import type { OrderPackage } from '../../builder/assemble/order.js';

const QF =
  '@@PKG %{NAME}\t%{EPOCHNUM}\t%{VERSION}\t%{RELEASE}\t%{ARCH}\n' +
  '[@@REQ %{REQUIRENAME}\t%{REQUIREFLAGS}\t%{REQUIREVERSION}\n]' +
  '[@@PRV %{PROVIDENAME}\t%{PROVIDEFLAGS}\t%{PROVIDEVERSION}\n]' +
  '[@@FILE %{FILENAMES}\t%{FILECOLORS}\n]';

export interface QueriedPackage extends OrderPackage {
  epoch: number;
  version: string;
  release: string;
  nevra: string;
  path: string;
}

export function queryRpms(paths: string[]): QueriedPackage[] {
  const out: QueriedPackage[] = [];
  for (let i = 0; i < paths.length; i += 200) {
    const chunk = paths.slice(i, i + 200);
    const text = execFileSync('rpm', ['-qp', '--nosignature', '--nodigest', '--qf', QF, ...chunk], { encoding: 'utf8', maxBuffer: 256 << 20 });
    let cur: QueriedPackage | undefined;
    for (const line of text.split('\n')) {
      const [tag, rest] = [line.slice(0, line.indexOf(' ')), line.slice(line.indexOf(' ') + 1)];
      const f = rest.split('\t');
      if (tag === '@@PKG') {
        cur = { name: f[0], epoch: Number(f[1]), version: f[2], release: f[3], arch: f[4], requires: [], provides: [], files: [], color: 0, nevra: '', path: chunk[out.length - i] };
        cur.nevra = `${cur.name}-${cur.epoch ? cur.epoch + ':' : ''}${cur.version}-${cur.release}.${cur.arch}`;
        out.push(cur);
      } else if (tag === '@@REQ') cur!.requires.push(depFromHeader(f[0], Number(f[1]), f[2]));
      else if (tag === '@@PRV') cur!.provides.push(depFromHeader(f[0], Number(f[1]), f[2]));
      else if (tag === '@@FILE') {
        cur!.files.push({ path: f[0] });
        cur!.color |= Number(f[1]);
      }
    }
  }
  return out;
}

/** rpm's own transaction order for these files (given in this order): `rpm -i --test -vv`. */
export function rpmOrder(paths: string[], scratchRoot: string): string[] {
  const r = execFileSync('sh', ['-c', 'rpm --root "$0" --dbpath /var/lib/rpm -i --test -vv --nodeps --nosignature --nodigest "$@" 2>&1 || true', scratchRoot, ...paths], {
    encoding: 'utf8',
    maxBuffer: 256 << 20,
  });
  const lines = r.split('\n');
  const at = lines.findIndex((l) => l.includes('tsorting packages'));
  const order: string[] = [];
  for (const l of lines.slice(at + 1)) {
    const m = /^D:\s+\d+\s+\d+\s+\d+\s+\d+\s+\+(\S+)$/.exec(l);
    if (!m) break;
    order.push(m[1]);
  }
  return order;
}
