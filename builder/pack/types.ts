// Data in and out of the template cache writer.
export type PackFormat = 'tar.gz' | 'tar.xz' | 'tar.zst' | 'dir';
export const PACK_FORMATS: readonly PackFormat[] = ['tar.gz', 'tar.xz', 'tar.zst', 'dir'];

export interface PackOptions {
  /** Template cache name, `<os>-<release>-<arch>[-<variant>]` (see templateCacheName). */
  name: string;
  formats: PackFormat[];
  outputDir: string;
  /** Clamp mtimes to this (seconds); two packs of one tree are then byte-identical. */
  sourceDateEpoch?: number;
  /** Caller's part of the manifest: recipe, lock digest, package list with checksums, … */
  manifest?: Record<string, unknown>;
  /** Compression levels per format (defaults: zstd 3, xz 6, gzip 6: each tool's own default). */
  levels?: Partial<Record<Exclude<PackFormat, 'dir'>, number>>;
  /** Which shared inodes become tar hard links: 'inode' (default) or a checkout's linkGroups. */
  hardLinks?: 'inode' | ReadonlyArray<readonly string[]>;
  /** Keep the previous cache as `<name>-old.*` (default true). */
  keepOld?: boolean;
  /**
   * Publish only if the uncompressed tar stream is exactly this (re-packing a kept root):
   * otherwise PackError E_PACK_STALE and nothing is published.
   */
  expectTar?: { sha256: string; size: number };
  /** vzbuild's version for the manifest (default: read from package.json). */
  toolVersion?: string;
}

export interface PackArtifact {
  format: PackFormat;
  /** Absolute path of the published artifact. */
  path: string;
  /** sha256 of the file (compressed bytes); for 'dir', of the tar stream it was made from. */
  sha256: string;
  size: number;
}

export interface PackResult {
  name: string;
  artifacts: PackArtifact[];
  manifestPath: string;
  sumsPath: string;
  /** The uncompressed tar stream, identical for every format. */
  tar: { sha256: string; size: number };
  tree: { files: number; dirs: number; symlinks: number; hardlinks: number; devices: number; fifos: number; bytes: number; withXattrs: number; skipped: string[] };
}

export interface TemplateNameParts {
  os: string;
  release: string;
  arch: string;
  variant?: string;
}
