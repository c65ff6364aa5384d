// The one way vzbuild runs a host command: an argv (never a shell string), explicit
// environment and working directory, captured output, and HostCommandError on failure
// carrying the argv, exit status and the tail of stderr.
import { spawn, type StdioOptions } from 'node:child_process';
import { HostCommandError } from './errors.js';

export interface ExecOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string | Buffer;
  signal?: AbortSignal;
  /** Exit codes that count as success (default [0]). */
  okCodes?: number[];
  /** Cap on captured stdout/stderr each, to keep memory bounded (default 64 MiB). */
  maxBuffer?: number;
  /** Inherit the terminal (for `ct enter`): nothing is captured. */
  inherit?: boolean;
  timeoutMs?: number;
  /** Run it in a new session (setsid), away from our controlling terminal. */
  newSession?: boolean;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function exec(argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  if (argv.length === 0) throw new TypeError('exec: empty argv');
  const max = opts.maxBuffer ?? 64 * 1024 * 1024;
  const stdio: StdioOptions = opts.inherit ? 'inherit' : ['pipe', 'pipe', 'pipe'];
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio,
      signal: opts.signal,
      timeout: opts.timeoutMs,
      detached: opts.newSession,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outLen = 0;
    let errLen = 0;
    child.stdout?.on('data', (b: Buffer) => {
      if (outLen < max) out.push(b);
      outLen += b.length;
    });
    child.stderr?.on('data', (b: Buffer) => {
      if (errLen < max) err.push(b);
      errLen += b.length;
    });
    if (child.stdin) {
      child.stdin.on('error', () => {
        // EPIPE when the command exits without reading its input; the exit status tells.
      });
      child.stdin.end(opts.input ?? '');
    }
    child.on('error', (e: NodeJS.ErrnoException) => {
      reject(new HostCommandError(argv, null, null, e.code === 'ENOENT' ? `${argv[0]}: command not found` : e.message, { cause: e }));
    });
    child.on('close', (code, signal) => {
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      const ok = opts.okCodes ?? [0];
      if (code !== null && ok.includes(code)) resolve({ code, stdout, stderr });
      else reject(new HostCommandError(argv, code, signal, stderr || stdout));
    });
  });
}

/** Is a program on PATH? (For probes and tests; no shell involved.) */
export async function which(name: string, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const { access, constants } = await import('node:fs/promises');
  const { join } = await import('node:path');
  for (const dir of (env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':')) {
    if (!dir) continue;
    const p = join(dir, name);
    try {
      await access(p, constants.X_OK);
      return p;
    } catch (e) {
      // Not in this PATH entry (ENOENT/EACCES); keep looking.
      void e;
    }
  }
  return undefined;
}
