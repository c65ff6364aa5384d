// The error base for all of vzbuild. Library code throws these; only bin/vzbuild (via
// builder/cli/main.ts) catches them and turns them into messages and exit codes.
// Codes are stable strings (E_CHECKSUM, E_UNSAFE_PATH, ...) that tests and scripts match on.

export interface BuilderErrorOptions {
  hint?: string;
  cause?: unknown;
  /** Exit code the CLI uses for this error (default 1). */
  exitCode?: number;
}

export class BuilderError extends Error {
  readonly code: string;
  readonly hint?: string;
  readonly exitCode: number;

  constructor(code: string, message: string, opts: BuilderErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = opts.hint;
    this.exitCode = opts.exitCode ?? 1;
  }
}

/** Wrong flags or arguments: exit 2, like commander's own usage errors. */
export class UsageError extends BuilderError {
  constructor(message: string, opts: BuilderErrorOptions = {}) {
    super('E_USAGE', message, { exitCode: 2, ...opts });
  }
}

/** Several problems found at once (validation collects them all, then fails once). */
export class ValidationError extends BuilderError {
  readonly problems: string[];
  constructor(subject: string, problems: string[], opts: BuilderErrorOptions = {}) {
    super('E_INVALID', `${subject}: ${problems.length} problem(s)\n  ${problems.join('\n  ')}`, opts);
    this.problems = problems;
  }
}

export function isErrno(err: unknown, code: string): err is NodeJS.ErrnoException {
  return typeof err === 'object' && err !== null && (err as NodeJS.ErrnoException).code === code;
}
