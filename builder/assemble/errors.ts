// Errors of the assemble stage. Codes are stable; messages name the package and path.
import { BuilderError, type BuilderErrorOptions } from '../errors.js';

/** A package path that would leave the root, or could not be placed safely inside it. */
export class UnsafePathError extends BuilderError {
  readonly pkg: string;
  readonly path: string;
  constructor(pkg: string, path: string, why: string, opts: BuilderErrorOptions = {}) {
    super('E_UNSAFE_PATH', `${pkg}: ${path}: ${why}`, {
      hint: 'the package is malformed or hostile; it was not installed',
      ...opts,
    });
    this.pkg = pkg;
    this.path = path;
  }
}

/** Two packages (or a package and the root) disagree in a way rpm would refuse. */
export class AssembleError extends BuilderError {
  constructor(message: string, opts: BuilderErrorOptions = {}) {
    super('E_ASSEMBLE', message, opts);
  }
}

/** A scriptlet failed where rpm fails the install (%pretrans, %pre). */
export class ScriptletError extends BuilderError {
  constructor(message: string, opts: BuilderErrorOptions = {}) {
    super('E_SCRIPTLET', message, opts);
  }
}
