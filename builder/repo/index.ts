// The repo stage: repository metadata → typed data for the resolver.
export { loadRepo, parseXmlFile, parsePrimary, parseFilelists, parseComps, parseModules } from './load-repo.js';
export { compsParser } from './comps.js';
export { parseModulesYaml } from './modules.js';
export { computeModularFilter, mergeModuleDefaults, moduleNsvca, type ModularFilterInput } from './module-filter.js';
export { loadRepomd, parseRepomd, REPOMD_HREF } from './repomd.js';
export { localOpener } from './opener.js';
export { detectMetadataCompression, readMetadata } from './metadata-stream.js';
export { PRIMARY_FILES_RE } from './filelists.js';
export { RepoMetadataError, XmlSyntaxError, type RepoErrorCode } from './errors.js';
export { XmlScanner, type XmlHandler } from './xml-scanner.js';
export { formatChecksum, normalizeAlgo } from './checksum.js';
export type * from './types.js';
