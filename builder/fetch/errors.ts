// Errors of the fetch stage. Every message names the subject: the package (NEVRA), the
// URL or mirror, the cache path, the key file.
import { BuilderError, type BuilderErrorOptions } from '../errors.js';

/** One mirror's failure for one file, as reported when every mirror failed. */
export interface MirrorFailure {
  url: string;
  reason: string;
  attempts: number;
}

/** Every mirror failed for a file (E_FETCH). Lists each mirror tried with its failure. */
export class DownloadError extends BuilderError {
  readonly subject: string;
  readonly failures: MirrorFailure[];
  constructor(subject: string, failures: MirrorFailure[], opts: BuilderErrorOptions = {}) {
    const lines = failures.map((f) => `${f.url}: ${f.reason}${f.attempts > 1 ? ` (${f.attempts} attempts)` : ''}`);
    const msg = failures.length
      ? `${subject}: download failed from every mirror tried:\n  ${lines.join('\n  ')}`
      : `${subject}: no mirror to download from`;
    super('E_FETCH', msg, opts);
    this.subject = subject;
    this.failures = failures;
  }
}

/** Offline (cache-only) mode and packages that are not in the cache (E_OFFLINE). */
export class OfflineMissingError extends BuilderError {
  readonly missing: string[];
  constructor(missing: string[], cacheDir: string) {
    super('E_OFFLINE', `${missing.length} package(s) not in the cache ${cacheDir} (offline mode):\n  ${missing.join('\n  ')}`, {
      hint: 'run `vzbuild fetch` with network access first, or drop --offline',
    });
    this.missing = missing;
  }
}

/** A signature or key problem (E_GPG): the package or repomd and the reason. */
export class SignatureError extends BuilderError {
  readonly subject: string;
  constructor(subject: string, reason: string, opts: BuilderErrorOptions = {}) {
    super('E_GPG', `${subject}: ${reason}`, opts);
    this.subject = subject;
  }
}

/** Mirror list / metalink problems (E_MIRRORS). */
export class MirrorListError extends BuilderError {
  constructor(message: string, opts: BuilderErrorOptions = {}) {
    super('E_MIRRORS', message, opts);
  }
}

/** A checksum string the fetcher cannot use (E_CHECKSUM). */
export class ChecksumError extends BuilderError {
  constructor(message: string, opts: BuilderErrorOptions = {}) {
    super('E_CHECKSUM', message, opts);
  }
}
