// The RPM format layer's public surface: read headers, stream payloads, typed package views,
// header encoding and the package writer. Pure format code: no distro knowledge, no installs.
export { Header, parseHeader, type HeaderValue, type IndexEntry } from './header.js';
export { encodeHeader, extendHeader, type HeaderInput, type HeaderInputValue, type EncodeOptions } from './header-encode.js';
export { readRpmHeaders, packageSubject, verifyHeaderDigests, type RpmHeaders, type RpmLead, type ByteRange, type ReadHeadersOptions } from './read-headers.js';
export { payloadEntries, payloadCompression, recordedArchiveSize, type PayloadEntry, type PayloadOptions } from './reader.js';
export {
  packageInfo, nevraOf, dependencies, scriptlets, triggers, toModelDep, senseOf, SCRIPTLET_KINDS,
  type PackageInfo, type RpmDep, type Scriptlet, type ScriptletKind, type Trigger, type TriggerKind, type TriggerCondition,
} from './package-info.js';
export { fileList, filePaths, type RpmFile, type FileListInfo } from './file-list.js';
export { signaturePackets, type SignaturePacket } from './signatures.js';
export { inspectPackage, type InspectResult, type InspectFile, type InspectDep } from './inspect.js';
export { RpmError } from './errors.js';
export * from './tags.js';
export { rpmvercmp, compareEvr, parseEvr, formatEvr } from './vercmp.js';
export { writeRpm, buildRpm, buildRpmParts, nevraString, type RpmDescription, type ScriptDesc, type TriggerDesc, type WrittenRpm, type FileDesc, type FileType, type DepInput } from './writer.js';
