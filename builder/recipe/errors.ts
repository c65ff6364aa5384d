// Errors of the recipe stage. Validation problems go through ValidationError (all of
// them at once); these cover what stops loading before validation can start.
import { BuilderError, type BuilderErrorOptions } from '../errors.js';

export class RecipeError extends BuilderError {
  constructor(code: 'E_RECIPE_NOT_FOUND' | 'E_RECIPE_CYCLE' | 'E_RECIPE_IMPORT', message: string, opts: BuilderErrorOptions = {}) {
    super(code, message, opts);
  }
}
