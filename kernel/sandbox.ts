// Run a program inside a template root the way rpm runs scriptlets after chroot(root), but
// contained: its own mount, pid, uts, ipc and network namespaces (no network at all), the
// root as "/", a fresh /proc and a minimal /dev (null, zero, full, random, urandom, tty)
// that vanish when it exits, nothing else of the host visible. bubblewrap does the
// namespace + pivot_root work in one exec (no shell, dies with us); the argv is built as
// data by sandboxArgv() so it is testable without a host.
// No user namespace: scriptlets run as real root so chown to any uid works, as under rpm.
//
// A transaction runs a hundred scriptlets or more, and a bwrap start (new namespaces,
// mounts, pivot_root) costs 15-25 ms each: openSandboxSession() sets the sandbox up once
// and enters it per command with nsenter (one exec). See sandbox-session.ts.
import { spawnSync } from 'node:child_process';
import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import { exec } from './exec.js';
import { HostError } from './errors.js';

export interface SandboxOptions {
  /** The template root (becomes "/"). */
  root: string;
  argv: string[];
  /** Complete environment inside (rpm gives scriptlets a small fixed one). */
  env?: Record<string, string>;
  /** Working directory inside the root (default "/"). */
  cwd?: string;
  input?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
  hostname?: string;
}

export interface SandboxResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The environment rpm gives scriptlets (lib/rpmscript.c). */
export const SCRIPTLET_ENV: Record<string, string> = {
  PATH: '/sbin:/bin:/usr/sbin:/usr/bin:/usr/X11R6/bin',
  HOME: '/root',
  LANG: 'C',
  RPM_INSTALL_PREFIX: '/',
};

/** bwrap's options for the root, its mounts and namespaces (shared with the session). */
export function sandboxBase(o: Pick<SandboxOptions, 'root' | 'hostname' | 'cwd'>): string[] {
  const a = ['bwrap', '--bind', o.root, '/', '--proc', '/proc', '--dev', '/dev'];
  a.push('--unshare-ipc', '--unshare-pid', '--unshare-net', '--unshare-uts', '--unshare-cgroup-try');
  a.push('--hostname', o.hostname ?? 'localhost.localdomain', '--die-with-parent', '--new-session');
  a.push('--chdir', o.cwd ?? '/', '--clearenv');
  return a;
}

export function sandboxArgv(o: SandboxOptions): string[] {
  const a = sandboxBase(o);
  for (const [k, v] of Object.entries(o.env ?? SCRIPTLET_ENV).sort(([x], [y]) => (x < y ? -1 : 1))) a.push('--setenv', k, v);
  a.push('--', ...o.argv);
  return a;
}

/** /proc and /dev are mount points: they must be real directories of the root, never a symlink a package planted (it would point the mount elsewhere). */
export function checkMountpoints(root: string): void {
  for (const d of ['proc', 'dev']) {
    let st;
    try {
      st = lstatSync(join(root, d));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e; // ENOENT: bwrap creates it
    }
    if (st && !st.isDirectory()) throw new HostError('E_SANDBOX', `${join(root, d)} is not a directory; refusing to mount over it`);
  }
}

/**
 * Run argv inside the root; returns its exit code and output (never throws on a non-zero
 * exit: callers decide, as rpm does per scriptlet type).
 */
export async function runInSandbox(o: SandboxOptions): Promise<SandboxResult> {
  checkMountpoints(o.root);
  const okCodes = Array.from({ length: 256 }, (_, i) => i);
  const r = await exec(sandboxArgv(o), { input: o.input, timeoutMs: o.timeoutMs, signal: o.signal, okCodes, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
  return { code: r.code, stdout: r.stdout, stderr: r.stderr };
}

/**
 * The same, synchronously: for rpm's in-process Lua (rpm.execute, posix.exec), whose
 * functions must return their result to the running Lua state.
 */
export function runInSandboxSync(o: SandboxOptions): SandboxResult {
  checkMountpoints(o.root);
  const argv = sandboxArgv(o);
  const r = spawnSync(argv[0], argv.slice(1), {
    input: o.input ?? '',
    timeout: o.timeoutMs,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    maxBuffer: 64 << 20,
  });
  if (r.error) throw new HostError('E_SANDBOX', `${argv[0]}: ${r.error.message}`, { cause: r.error });
  return { code: r.status ?? 128 + 9, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
}
