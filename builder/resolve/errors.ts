// Errors of the resolve stage. Codes: E_NO_MATCH (a spec matches nothing), E_UNSOLVABLE
// (the request cannot be satisfied; the message explains the chain), E_BAD_DEP (a rich
// dependency that does not parse, naming the package).
import { BuilderError, type BuilderErrorOptions } from '../errors.js';

export type ResolveErrorCode = 'E_NO_MATCH' | 'E_UNSOLVABLE' | 'E_BAD_DEP';

export class ResolveError extends BuilderError {
  constructor(code: ResolveErrorCode, message: string, opts: BuilderErrorOptions & { problems?: string[] } = {}) {
    super(code, message, opts);
    this.problems = opts.problems ?? [message];
  }
  readonly problems: string[];
}
