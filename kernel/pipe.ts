// A host command as a stream filter: bytes written go to its stdin, its stdout comes out.
// The stream ends only after the command exited 0; a non-zero exit or a signal destroys the
// stream with a HostCommandError carrying the argv and the tail of stderr (so a corrupt xz
// payload is an error, never a silently short read). Destroying the stream (the consumer
// stopped early, or aborted) kills the command. Sits next to exec.ts because only kernel/
// spawns processes.
import { spawn } from 'node:child_process';
import { Duplex } from 'node:stream';
import { HostCommandError } from './errors.js';

export interface PipeOptions {
  env?: NodeJS.ProcessEnv;
  /** Working directory of the command (default: ours). */
  cwd?: string;
  signal?: AbortSignal;
  /** Cap on captured stderr (default 64 KiB; only its tail goes into errors). */
  maxStderr?: number;
  /** Exit codes that count as success (default [0]). */
  okCodes?: readonly number[];
}

export function spawnPipe(argv: readonly string[], opts: PipeOptions = {}): Duplex {
  if (argv.length === 0) throw new TypeError('spawnPipe: empty argv');
  const child = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], env: opts.env ?? process.env, cwd: opts.cwd });
  const maxErr = opts.maxStderr ?? 64 * 1024;
  let stderr = '';
  let stdoutEnded = false;
  let exit: { code: number | null; signal: string | null } | undefined;
  let spawnError: Error | undefined;
  // A write waiting for 'drain' when the command exits would wait forever: release it.
  let pendingWrite: (() => void) | undefined;
  const releaseWrite = () => {
    const cb = pendingWrite;
    pendingWrite = undefined;
    cb?.();
  };

  const duplex = new Duplex({
    // Moderate buffering: the child already buffers in the pipe.
    readableHighWaterMark: 256 * 1024,
    write(chunk: Buffer, _enc, cb) {
      if (!child.stdin.writable || exit) return cb();
      if (child.stdin.write(chunk)) return cb();
      pendingWrite = cb;
      child.stdin.once('drain', releaseWrite);
    },
    final(cb) {
      if (!child.stdin.writable || exit) return cb();
      child.stdin.end(() => cb());
    },
    read() {
      child.stdout.resume();
    },
    destroy(err, cb) {
      if (exit === undefined && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      cb(err);
    },
  });

  const settle = () => {
    if (!stdoutEnded || exit === undefined || duplex.destroyed) return;
    if (spawnError) return void duplex.destroy(spawnError);
    if (exit.code !== null && (opts.okCodes ?? [0]).includes(exit.code)) duplex.push(null);
    else duplex.destroy(new HostCommandError(argv, exit.code, exit.signal, stderr));
  };

  child.stdout.on('data', (b: Buffer) => {
    if (!duplex.push(b)) child.stdout.pause();
  });
  child.stdout.on('end', () => {
    stdoutEnded = true;
    settle();
  });
  child.stderr.on('data', (b: Buffer) => {
    stderr = (stderr + b.toString('utf8')).slice(-maxErr);
  });
  child.stdin.on('error', (e: NodeJS.ErrnoException) => {
    // EPIPE: the command exited without reading all its input (e.g. it failed on corrupt
    // data). Its exit status reports that; writes after this point are dropped.
    if (e.code !== 'EPIPE') duplex.destroy(e);
  });
  child.on('error', (e: NodeJS.ErrnoException) => {
    spawnError = new HostCommandError(argv, null, null, e.code === 'ENOENT' ? `${argv[0]}: command not found` : e.message, { cause: e });
    stdoutEnded = true;
    exit = { code: null, signal: null };
    releaseWrite();
    settle();
  });
  child.on('close', (code, signal) => {
    exit = { code, signal };
    releaseWrite();
    settle();
  });
  if (opts.signal) {
    const onAbort = () => duplex.destroy(opts.signal!.reason instanceof Error ? opts.signal!.reason : new Error('aborted'));
    if (opts.signal.aborted) onAbort();
    else {
      opts.signal.addEventListener('abort', onAbort, { once: true });
      duplex.once('close', () => opts.signal!.removeEventListener('abort', onAbort));
    }
  }
  return duplex;
}
