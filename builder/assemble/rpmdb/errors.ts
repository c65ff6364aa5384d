// Errors of the rpmdb writer. Each names the package (NEVRA or path) or the database path.
import { BuilderError, type BuilderErrorOptions } from '../../errors.js';

export type RpmdbErrorCode = 'E_RPMDB_HEADER' | 'E_RPMDB_WRITE' | 'E_RPMDB_FORMAT';

export class RpmdbError extends BuilderError {
  constructor(code: RpmdbErrorCode, message: string, opts: BuilderErrorOptions = {}) {
    super(code, message, opts);
  }
}
