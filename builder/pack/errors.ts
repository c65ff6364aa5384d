// Errors of the template cache writer. Messages name the tree path or the artifact.
import { BuilderError } from '../errors.js';

export class PackError extends BuilderError {}
