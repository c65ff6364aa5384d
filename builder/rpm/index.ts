// The RPM format layer's public surface: read headers, stream payloads, typed package views,
// header encoding and the package writer. Pure format code: no distro knowledge, no installs.
export { Header, parseHeader, type HeaderValue, type IndexEntry } from './header.js';
export { encodeHeader, extendHeader, type HeaderInput, type HeaderInputValue, type EncodeOptions } from './header-encode.js';
export { readRpmHeaders, packageSubject, verifyHeaderDigests, type RpmHeaders, type RpmLead, type ByteRange, type ReadHeadersOptions } from './read-headers.js';
export { RpmError } from './errors.js';
export * from './tags.js';
export { rpmvercmp, compareEvr, parseEvr } from './vercmp.js';
