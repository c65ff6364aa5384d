// Benchmark: the per-command cost of running scriptlets in the transaction's sandbox
// (kernel/sandbox-session.ts), N commands of `/bin/true` on a root whose only program is
// the host's static busybox, side by side:
//   server   the session's command server (one perl inside the namespaces forks each command)
//   nsenter  the session's fallback: Node spawns `nsenter --target HOLDER ... -- prog` per command
//   bwrap    one bwrap sandbox per command (runInSandbox; what rpm-in-a-sandbox would cost)
//   host     Node spawning /bin/true on the host, no sandbox (the floor of a Node spawn)
// Node forks itself for each spawn, and a build's Node holds ~200 MB: the bench keeps a
// ballast of BENCH_BALLAST_MB (default 150) touched so that fork costs what it costs there.
// Wall ms per command, and CPU ms per command (this process + every child it waited for,
// from /proc/self/stat; the server's own CPU is counted once it exits at close()).
// Run: npx tsx test/bench/sandbox.bench.ts [N]
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, realpathSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { openSandboxSession } from '../../kernel/sandbox-session.js';
import { runInSandbox } from '../../kernel/sandbox.js';
import { tempDir } from '../helpers/env.js';

const N = Number(process.argv[2] ?? 200);
const ballast = Buffer.alloc(Number(process.env.BENCH_BALLAST_MB ?? 150) << 20, 1);
const TICK_MS = 1000 / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

/** CPU ms of this process and its waited-for children so far. */
function cpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields 14-17 (utime stime cutime cstime) are 11-14 after the comm
  return f.slice(11, 15).reduce((a, x) => a + Number(x), 0) * TICK_MS;
}

interface Row {
  wall: number;
  cpu: number;
}

async function measure(n: number, f: () => Promise<void>): Promise<Row> {
  const c0 = cpuMs();
  const t0 = process.hrtime.bigint();
  await f();
  return { wall: Number(process.hrtime.bigint() - t0) / 1e6 / n, cpu: (cpuMs() - c0) / n };
}

const tmp = tempDir('vzbuild-bench-sandbox-');
try {
  const root = join(tmp.path, 'root');
  mkdirSync(join(root, 'bin'), { recursive: true });
  copyFileSync(realpathSync(execFileSync('which', ['busybox'], { encoding: 'utf8' }).trim()), join(root, 'bin/busybox'));
  for (const a of ['sh', 'true']) symlinkSync('busybox', join(root, 'bin', a));

  const viaSession = (noServer: boolean) =>
    measure(N, async () => {
      const s = await openSandboxSession({ root, noServer });
      if (s.via !== (noServer ? 'nsenter' : 'server')) throw new Error(`session runs via ${s.via}`);
      for (let i = 0; i < N; i++) if ((await s.run({ argv: ['/bin/true'] })).code !== 0) throw new Error('/bin/true failed');
      await s.close();
    });
  const nb = Math.min(N, 50);
  const bwrap = await measure(nb, async () => {
    for (let i = 0; i < nb; i++) await runInSandbox({ root, argv: ['/bin/true'] });
  });
  const host = await measure(N, async () => {
    for (let i = 0; i < N; i++) await promisify(execFile)('/bin/true');
  });
  const nsenter = await viaSession(true);
  const server = await viaSession(false);

  const load = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
  console.log(`${N} commands of /bin/true (bwrap: ${nb}), Node ballast ${ballast.length >> 20} MB, load avg ${load}`);
  console.log(`${'per command'.padEnd(44)}${'wall ms'.padStart(9)}${'CPU ms'.padStart(9)}${'wall ×'.padStart(9)}${'CPU ×'.padStart(9)}`);
  const row = (name: string, r: Row) =>
    console.log(`${name.padEnd(44)}${r.wall.toFixed(2).padStart(9)}${r.cpu.toFixed(2).padStart(9)}${(r.wall / server.wall).toFixed(2).padStart(9)}${(r.cpu / server.cpu).toFixed(2).padStart(9)}`);
  row('session, command server (vzbuild)', server);
  row('session, nsenter per command (fallback)', nsenter);
  row('bwrap per command (runInSandbox)', bwrap);
  row('host spawn, no sandbox (floor of a Node spawn)', host);
  console.log('(× = this row / the command server)');
} finally {
  tmp.cleanup();
}
