// The template cache writer: a root directory in, deterministic tarballs (and a plain
// directory), a manifest and SHA256SUMS out, published atomically with a rollback copy.
export { packTemplate, templateCacheName, artifactFileName, MANIFEST_VERSION } from './pack-template.js';
export { tarTree, planTar, tarChunks, emptyStats, type TarPlan, type TreeStats, type TarTreeOptions } from './tar-tree.js';
export { encodeHeader, headerSize, paxRecord, splitUstarPath, type TarHeader } from './tar-header.js';
export { compressorArgv, DEFAULT_LEVELS } from './compress.js';
export { PACK_FORMATS, type PackFormat, type PackOptions, type PackResult, type PackArtifact, type TemplateNameParts } from './types.js';
export { PackError } from './errors.js';
