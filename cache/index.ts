// The content-addressed store: keys, objects, package indexes, checkouts, roots, gc, fsck.
// Knows nothing about distros: keys and tree entries go in, paths come out.
export { openStore, hashFile, type Store, type StoreOptions, type AddResult } from './store.js';
export { keyOf, isStoreKey, asStoreKey, objectRelPath, canonicalObject, STORE_VERSION, type StoreKey, type ObjectMeta } from './store-key.js';
export { ENTRY_TYPES, entryProblems, splitRdev, makeRdev, type TreeEntry, type EntryType } from './tree-entry.js';
export { DEFAULT_IMPORTER, PACKAGE_INDEX_VERSION, packageIndexPath, type PackageIndex } from './package-index.js';
export { openCheckout, checkoutTree, breakLink, CHECKOUT_METHODS, type Checkout, type CheckoutMethod, type CheckoutOptions, type CheckoutResult, type EntrySource } from './checkout.js';
export { splitEntryPath, resolveLinkLexically, walkInRoot, type Probe, type ProbeResult, type Walked } from './safe-path.js';
export { registerRoot, unregisterRoot, listRoots, rootIdFor, pinTemplate, type RootRecord } from './roots.js';
export { acquireStoreLock, type LockMode, type StoreLock } from './store-lock.js';
export { writeFileAtomic, stableJson } from './atomic.js';
export { StoreError, UnsafePathError, CheckoutConflictError, StoreBusyError, CorruptObjectError } from './errors.js';
export { cacheLayout, type CacheLayout } from './layout.js';
export { gcStore, type GcOptions, type GcResult } from './gc.js';
export { fsckStore, type FsckOptions, type FsckResult, type FsckProblem, type FsckProblemKind } from './fsck.js';
export { storePaths } from './store-walk.js';
