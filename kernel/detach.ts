// Fire-and-forget host commands: housekeeping (deleting a discarded tree) that must not
// hold up the command that asked for it, nor die with it. The child gets its own session,
// no stdio, and is not waited for: our exit does not wait for it either. Nothing reports
// its outcome, so only work whose failure merely costs space (and is retried by the next
// run) belongs here.
import { spawn } from 'node:child_process';
import { HostCommandError } from './errors.js';

export interface DetachOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Start `argv` detached; resolves with its pid once it has started (rejects if it could not). */
export function spawnDetached(argv: readonly string[], opts: DetachOptions = {}): Promise<number> {
  if (argv.length === 0) throw new TypeError('spawnDetached: empty argv');
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { cwd: opts.cwd, env: opts.env ?? process.env, stdio: 'ignore', detached: true });
    child.once('error', (e: NodeJS.ErrnoException) => reject(new HostCommandError(argv, null, null, e.code === 'ENOENT' ? `${argv[0]}: command not found` : e.message, { cause: e })));
    child.once('spawn', () => {
      child.unref();
      resolve(child.pid as number);
    });
  });
}
