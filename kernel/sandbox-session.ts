// One sandbox for a whole install transaction. A bwrap start (namespaces, mounts,
// pivot_root) costs 15-25 ms, and a transaction runs a hundred scriptlets or more: so
// bwrap sets the sandbox up once, exactly as runInSandbox does, and keeps it alive with
// the host's static busybox blocking on its stdin (bound read-only into the sandbox's
// private /dev tmpfs, so nothing of it lands in the root). Commands are forked by a small
// command server that entered the namespaces once (sandbox-server.ts: a fork of a ~5 MB
// perl and the command's exec, 1-2 ms less per command than a fork of Node + nsenter),
// which also drops CAP_SYS_PTRACE from every command so no script can reach into the one
// process inside that outlives commands (the holder, the namespace's init). Where it cannot start (no
// perl, an unknown machine), opening the session fails and the caller gives each command
// a bwrap of its own. nsenter per command (noServer) is for benchmarks and tests only: its
// commands keep CAP_SYS_PTRACE.
//
// Containment stays runInSandbox's: same namespaces, root, /proc and /dev, a new session,
// a clean environment, cwd "/". Processes a command leaves behind are killed when it
// returns, as they die with a per-command bwrap's pid namespace, so nothing runs inside
// while the host writes the tree between scriptlets. A command ends when its process
// exits (rpm waits for the scriptlet's pid, not for what it started): output written
// later by what it left running is not waited for. Commands run one at a time.
// No no_new_privs (bwrap sets it): we run as root with every capability, as bwrap gives
// root, so it would guard nothing.
// Closing the session (or our death: stdin EOF) ends busybox and the pid namespace.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { exec, which } from './exec.js';
import { HostCommandError, HostError } from './errors.js';
import { checkMountpoints, sandboxBase, SCRIPTLET_ENV, type SandboxResult } from './sandbox.js';
import { SERVER_NAMESPACES, SESSION_ENDED, serverArgv, startCommandServer, type CommandServer, type NamespaceLinks } from './sandbox-server.js';

/** Where the host's busybox appears inside: the sandbox's own /dev, never the root. */
export const SESSION_BUSYBOX = '/dev/.vzbuild/busybox';
const ALL_CODES = Array.from({ length: 256 }, (_, i) => i);
const MAX_OUTPUT = 64 << 20;

export interface SessionOptions {
  root: string;
  hostname?: string;
  signal?: AbortSignal;
  /** Enter with nsenter per command instead of the command server (benchmarks, tests: commands keep CAP_SYS_PTRACE). */
  noServer?: boolean;
  /** Cap on each command's captured stdout and stderr (default 64 MiB); the rest is dropped. */
  maxOutput?: number;
}

export interface SessionRun {
  argv: string[];
  /** Complete environment inside (default: rpm's scriptlet environment). */
  env?: Record<string, string>;
  input?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface SandboxSession {
  /** False once the session has ended (closed, or its holder was killed from inside). */
  alive(): boolean;
  /** How commands enter: the command server, or nsenter per command (noServer). */
  readonly via: 'server' | 'nsenter';
  run(r: SessionRun): Promise<SandboxResult>;
  runSync(r: SessionRun): SandboxResult;
  close(): Promise<void>;
}

export function sessionArgv(o: SessionOptions & { busybox: string }): string[] {
  // --as-pid-1: the holder is the pid namespace's init, with no bwrap reaper beside it. A
  // reaper holds no capabilities, so any root script could ptrace it and leave code running
  // between commands; the holder keeps CAP_SYS_PTRACE, which commands lack (see
  // sandbox-server.ts), and as init it ignores the signals scripts send it.
  return [...sandboxBase(o), '--as-pid-1', '--ro-bind', o.busybox, SESSION_BUSYBOX, '--info-fd', '3', '--', SESSION_BUSYBOX, 'sh', '-c', `echo ready; exec ${SESSION_BUSYBOX} cat >/dev/null`];
}

/** Enter the namespaces and root of `pid` (the session's holder), in its cwd ("/"). */
export function enterArgv(nsenter: string, pid: number, argv: readonly string[]): string[] {
  return [nsenter, '--target', String(pid), '--mount', '--uts', '--ipc', '--net', '--pid', '--cgroup', '--root', '--wd', '--', ...argv];
}

function childrenOf(pid: number): number[] {
  return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
}

/** A process's pid-namespace link and state, or undefined once it is gone. */
function procInfo(pid: number): { ns: string; state: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return { ns: readlinkSync(`/proc/${pid}/ns/pid`), state: stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ESRCH') return undefined;
    throw e;
  }
}

export async function openSandboxSession(o: SessionOptions): Promise<SandboxSession> {
  checkMountpoints(o.root);
  const hostEnv = { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' };
  const tools = ['busybox', 'nsenter', 'setsid'];
  const [busybox, nsenter, setsid] = await Promise.all(tools.map((t) => which(t, hostEnv)));
  if (!busybox || !nsenter || !setsid) throw new HostError('E_SANDBOX', `a sandbox session needs ${tools.join(', ')} on PATH; missing ${tools.filter((_, i) => ![busybox, nsenter, setsid][i]).join(', ')}`);
  const argv = sessionArgv({ ...o, busybox: realpathSync(busybox) });
  const child = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe', 'pipe'], env: hostEnv });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const kill = () => child.kill('SIGKILL');
  o.signal?.addEventListener('abort', kill, { once: true });

  let holder: number;
  let pidNs: string;
  let nsLinks: NamespaceLinks;
  try {
    let info = '';
    let out = '';
    let err = '';
    child.stderr?.on('data', (b: Buffer) => void (err += b.toString('utf8')));
    // Ready when busybox said so and bwrap's info JSON is complete: two pipes, read in
    // whatever order their data arrives.
    holder = await new Promise<number>((resolve, reject) => {
      const settle = () => {
        if (!out.includes('ready\n') || !info.trimEnd().endsWith('}')) return;
        try {
          resolve((JSON.parse(info) as { 'child-pid': number })['child-pid']);
        } catch (e) {
          reject(e);
        }
      };
      child.once('error', reject);
      child.once('close', (code) => reject(new HostCommandError(argv, code, null, err || 'exited before the sandbox was ready')));
      child.stdio[3]?.on('data', (b: Buffer) => {
        info += b.toString('utf8');
        settle();
      });
      child.stdout?.on('data', (b: Buffer) => {
        out += b.toString('utf8');
        settle();
      });
    });
    pidNs = readlinkSync(`/proc/${holder}/ns/pid`);
    nsLinks = Object.fromEntries(SERVER_NAMESPACES.map((n) => [n, readlinkSync(`/proc/${holder}/ns/${n}`)])) as typeof nsLinks;
  } catch (e) {
    kill();
    o.signal?.removeEventListener('abort', kill);
    throw e instanceof HostError ? e : new HostError('E_SANDBOX', `cannot start the sandbox session for ${o.root}: ${(e as Error).message}`, { cause: e });
  }

  /** Kill what the last command left running inside (orphans land under the holder, the namespace's init; it never reaps, so they stay zombies until the session ends). */
  function reap(): void {
    for (let round = 0; round < 1000; round++) {
      let kids: number[];
      try {
        kids = childrenOf(holder);
      } catch (e) {
        // The holder is gone, and the pid namespace with everything in it.
        if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ESRCH') return;
        throw e;
      }
      const strays = kids.filter((p) => {
        if (p === holder) return false;
        const i = procInfo(p);
        return i !== undefined && i.ns === pidNs && i.state !== 'Z';
      });
      if (!strays.length) return;
      for (const p of strays) {
        try {
          process.kill(p, 'SIGKILL');
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e; // ESRCH: exited meanwhile
        }
      }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1); // let init reap them
    }
    throw new HostError('E_SANDBOX', `processes left by a scriptlet in ${o.root} would not stop`);
  }

  let closed = false;
  child.once('close', () => void (closed = true));
  // Before entering: the holder must still be the process we started, in the session's
  // namespaces. If a script killed it, its pid could in time belong to a host process,
  // and nsenter would then enter the host's namespaces and root. (The command server
  // holds the namespaces by fd; this tells it is over.)
  const check = () => {
    const h = closed ? undefined : procInfo(holder);
    if (!h || h.ns !== pidNs || h.state === 'Z' || (server && !server.alive())) {
      end();
      throw new HostError(SESSION_ENDED, `the sandbox session for ${o.root} has ended${h === undefined && !child.killed ? ' (did a scriptlet kill it?)' : ''}`);
    }
  };
  const end = () => {
    closed = true;
    server?.close();
    kill();
  };

  let server: CommandServer | undefined;
  const stopServer = () => server?.close();
  let perl: string | undefined;
  if (!o.noServer) {
    perl = await which('perl', hostEnv);
    const failed = perl ? await startCommandServer(holder, nsLinks, hostEnv, perl).then((s) => void (server = s), (e: Error) => e.message) : 'perl is not on PATH';
    if (failed !== undefined) {
      // Without it, nsenter's commands would keep CAP_SYS_PTRACE beside the holder: the
      // caller runs each command in a bwrap of its own instead.
      end();
      await exited;
      o.signal?.removeEventListener('abort', kill);
      throw new HostError('E_SANDBOX', `no sandbox command server for ${o.root}: ${failed}`);
    }
    o.signal?.addEventListener('abort', stopServer, { once: true });
  }
  // One command at a time: each one's strays are reaped before the next starts.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(f: () => Promise<T>): Promise<T> => {
    const p = queue.then(f);
    queue = p.catch(() => undefined);
    return p;
  };
  let busy = false;
  return {
    via: server ? 'server' : 'nsenter',
    alive() {
      try {
        check();
        return true;
      } catch (e) {
        if (e instanceof HostError) return false;
        throw e;
      }
    },
    run(r) {
      return serial(async () => {
        check();
        busy = true;
        try {
          const env = r.env ?? SCRIPTLET_ENV;
          if (server) return await server.run({ argv: r.argv, env, input: r.input, timeoutMs: r.timeoutMs, signal: r.signal, maxOutput: o.maxOutput ?? MAX_OUTPUT });
          const res = await exec(enterArgv(nsenter, holder, r.argv), { input: r.input, timeoutMs: r.timeoutMs, signal: r.signal, okCodes: ALL_CODES, env, newSession: true, maxBuffer: o.maxOutput ?? MAX_OUTPUT });
          return { code: res.code, stdout: res.stdout, stderr: res.stderr };
        } finally {
          busy = false;
          reap();
          // The server ended (it could not fork into the pid namespace: a script killed
          // the holder): the session is over, the next run() says so.
          if (server && !server.alive()) end();
        }
      });
    },
    runSync(r) {
      check();
      if (busy) throw new HostError('E_SANDBOX', 'sandbox session: runSync while a command runs');
      // Rare (rpm's Lua rpm.execute/posix.exec) and synchronous, which the server is not:
      // the server's script in its one-command mode, with the same entry, checks and
      // capabilities. (nsenter + the setsid tool for the new session when noServer.)
      const a = perl ? serverArgv(perl, holder, 'once', nsLinks, r.argv) : [setsid, ...enterArgv(nsenter, holder, r.argv)];
      try {
        const res = spawnSync(a[0], a.slice(1), { input: r.input ?? '', timeout: r.timeoutMs, env: r.env ?? SCRIPTLET_ENV, maxBuffer: o.maxOutput ?? MAX_OUTPUT });
        if (res.error) throw new HostError('E_SANDBOX', `${a[0]}: ${res.error.message}`, { cause: res.error });
        return { code: res.status ?? 128 + (res.signal ? osConstants.signals[res.signal] : 9), stdout: res.stdout.toString('utf8'), stderr: res.stderr.toString('utf8') };
      } finally {
        reap();
      }
    },
    async close() {
      server?.close();
      o.signal?.removeEventListener('abort', stopServer);
      o.signal?.removeEventListener('abort', kill);
      if (closed) return;
      closed = true;
      child.stdin?.end(); // busybox cat (the namespace's init) sees EOF and exits; the namespaces go with it
      const timer = setTimeout(kill, 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
