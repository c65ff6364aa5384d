// Errors raised by the content-addressed store and its checkouts. Every message names the
// subject: a store key, a path inside a checkout, or the store directory.
import { BuilderError, type BuilderErrorOptions } from '../builder/errors.js';

export class StoreError extends BuilderError {}

/** An entry path that is absolute, contains `..`, or would land outside the checkout root. */
export class UnsafePathError extends StoreError {
  readonly path: string;
  constructor(path: string, why: string, opts: BuilderErrorOptions = {}) {
    super('E_UNSAFE_PATH', `${JSON.stringify(path)}: ${why}`, opts);
    this.path = path;
  }
}

/** Something already in the tree cannot be replaced the way an entry asks (dir vs file). */
export class CheckoutConflictError extends StoreError {
  readonly path: string;
  constructor(path: string, why: string, opts: BuilderErrorOptions = {}) {
    super('E_CHECKOUT_CONFLICT', `${path}: ${why}`, opts);
    this.path = path;
  }
}

/** The store is locked by another process (gc vs builds) for longer than we were willing to wait. */
export class StoreBusyError extends StoreError {
  constructor(message: string, opts: BuilderErrorOptions = {}) {
    super('E_STORE_BUSY', message, { hint: 'another vzbuild (build or gc) holds the store lock; retry when it finishes', ...opts });
  }
}

/** An object whose content or metadata no longer matches its key. */
export class CorruptObjectError extends StoreError {
  constructor(message: string, opts: BuilderErrorOptions = {}) {
    super('E_STORE_CORRUPT', message, { hint: 'run `vzbuild fsck --repair`, then rebuild', ...opts });
  }
}
