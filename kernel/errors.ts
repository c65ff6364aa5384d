// Errors raised by host-side code: commands that failed, hosts that can't do what's asked.
import { BuilderError, type BuilderErrorOptions } from '../builder/errors.js';

export class HostCommandError extends BuilderError {
  readonly argv: readonly string[];
  readonly status: number | null;
  readonly stderr: string;
  constructor(argv: readonly string[], status: number | null, signal: string | null, stderr: string, opts: BuilderErrorOptions = {}) {
    const tail = stderr.trim().split('\n').slice(-8).join('\n    ');
    super(
      'E_HOST_CMD',
      `${argv.map(quoteArg).join(' ')} ${signal ? `was killed by ${signal}` : `exited with ${status}`}${tail ? `:\n    ${tail}` : ''}`,
      opts,
    );
    this.argv = argv;
    this.status = status;
    this.stderr = stderr;
  }
}

export class HostError extends BuilderError {}

export function quoteArg(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

/** A container operation that can't proceed: unknown CT, wrong state, incompatible template. */
export class CtError extends BuilderError {}
