// Errors of the RPM format layer. Every message names the package (file path or NEVRA) and
// what exactly is wrong, so a bad download or a hostile package is diagnosable from one line.
import { BuilderError, type BuilderErrorOptions } from '../errors.js';

/** Codes: E_RPM_FORMAT (malformed/truncated/out of range), E_RPM_DIGEST (digest or size mismatch). */
export type RpmErrorCode = 'E_RPM_FORMAT' | 'E_RPM_DIGEST' | 'E_RPM_UNSUPPORTED';

export class RpmError extends BuilderError {
  /** The package the error is about: a file path, or a NEVRA when there is no file. */
  readonly subject: string;
  constructor(code: RpmErrorCode, subject: string, message: string, opts: BuilderErrorOptions = {}) {
    super(code, `${subject}: ${message}`, opts);
    this.subject = subject;
  }
}

export function formatError(subject: string, message: string, opts?: BuilderErrorOptions): RpmError {
  return new RpmError('E_RPM_FORMAT', subject, message, opts);
}

export function digestError(subject: string, message: string, opts?: BuilderErrorOptions): RpmError {
  return new RpmError('E_RPM_DIGEST', subject, message, opts);
}
