// Errors of the repo stage. Every message names the repo id and the metadata file, and
// where the XML parser knows it, the line and element. Codes are stable: tests and
// scripts match on them.
import { BuilderError, type BuilderErrorOptions } from '../errors.js';

export type RepoErrorCode =
  /** A metadata file's bytes do not hash to what repomd.xml (or the caller) says. */
  | 'E_METADATA_CHECKSUM'
  /** The document ends before its elements are closed. */
  | 'E_METADATA_TRUNCATED'
  /** Neither the file name nor its first bytes say how it is compressed. */
  | 'E_METADATA_COMPRESSION'
  /** repomd.xml lacks the record, or the opener cannot find the file. */
  | 'E_METADATA_MISSING'
  /** Not well-formed, or a required element/attribute is wrong. */
  | 'E_METADATA_MALFORMED';

export class RepoMetadataError extends BuilderError {
  declare readonly code: RepoErrorCode;
  readonly repo: string;
  readonly file: string;
  constructor(code: RepoErrorCode, repo: string, file: string, message: string, opts: BuilderErrorOptions = {}) {
    super(code, `repo ${repo}: ${file}: ${message}`, opts);
    this.repo = repo;
    this.file = file;
  }
}

/** Thrown by the XML scanner; the caller adds repo and file (see RepoMetadataError). */
export class XmlSyntaxError extends Error {
  readonly line: number;
  readonly truncated: boolean;
  constructor(message: string, line: number, truncated = false) {
    super(`line ${line}: ${message}`);
    this.line = line;
    this.truncated = truncated;
  }
}
