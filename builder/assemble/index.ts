// The assemble stage: a lock and its fetched packages → an installed template root.
// Reads each package's header, orders the transaction as rpm would, imports payloads into
// the content-addressed store (once per package, ever), runs the install transaction
// (checkouts + scriptlets + triggers, sandboxed), records the rpmdb and runs the recipe's
// post-install hooks inside the root. Does not own: fetching, the store's layout, packing.
import { mkdir, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { cacheLayout, openStore, type CheckoutMethod, type TreeEntry } from '../../cache/index.js';
import type { Ctx } from '../context.js';
import { formatNevra, type Nevra } from '../model/package.js';
import { runInSandbox, SCRIPTLET_ENV } from '../../kernel/sandbox.js';
import { AssembleError, ScriptletError } from './errors.js';
import { readInstallPackage } from './from-rpm.js';
import { openHeaderCache } from './header-cache.js';
import { toolVersion } from '../version.js';
import { orderTransaction } from './order.js';
import { pool } from './pool.js';
import { discardDraft, draftRpmdb, recordRpmdb } from './rpmdb-call.js';
import { runTransaction, type TransactionResult } from './transaction.js';
import { startImports } from './import-pool.js';
import type { AssembleInput, AssembleOutput, InstallPackage, ScriptletResult } from './types.js';

export type { AssembleInput, AssembleOutput, InstallPackage, ScriptletResult } from './types.js';
export { orderTransaction } from './order.js';

export interface AssembleOptions {
  method?: CheckoutMethod;
  /** Import worker threads (import-pool.ts; default 1); 0 imports on the main thread. */
  importWorkers?: number;
  /** Let the rpmdb step be skipped (tests of the file tree alone). */
  rpmdb?: boolean;
}

const lockNevra = (p: Nevra) => formatNevra(p);

export async function assembleRoot(input: AssembleInput, ctx: Ctx, opts: AssembleOptions = {}): Promise<AssembleOutput> {
  const t0 = Date.now();
  const byNevra = new Map(input.packages.map((p) => [p.nevra, p]));
  const missing = input.lock.packages.map(lockNevra).filter((n) => !byNevra.has(n));
  if (missing.length) throw new AssembleError(`${missing.length} locked package(s) were not fetched: ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', ...' : ''}`);

  const layout = cacheLayout(ctx.settings.cacheDir);
  const headers = openHeaderCache(layout.headers, await toolVersion());
  const parsed: InstallPackage[] = [];
  const pkgs = await pool(input.lock.packages, 4, async (lp) => {
    const f = byNevra.get(lockNevra(lp))!;
    let p = headers.get(f.sha256, f.path);
    if (!p) parsed.push((p = await readInstallPackage(f.path, f.sha256)));
    if (formatNevra(p) !== lockNevra(lp)) throw new AssembleError(`${f.path}: header says ${formatNevra(p)}, the lock says ${lockNevra(lp)}`);
    return p;
  });
  try {
    for (const p of parsed) headers.put(p);
  } catch (e) {
    // Only a later build's speed depends on it.
    ctx.log.warn(`could not cache parsed headers under ${layout.headers}: ${(e as Error).message}`);
  }

  const readMs = Date.now() - t0;
  const tOrder = Date.now();
  const { order, loops } = orderTransaction(pkgs.map((p) => ({ ...p, color: p.files.reduce((c, f) => c | f.color, 0) })));
  const ordered = order.map((i) => pkgs[i]);
  for (const l of loops) ctx.log.debug(`dependency loop: ${l.map((i) => formatNevra(pkgs[i])).join(' ')}`);
  const orderMs = Date.now() - tOrder;

  const root = input.root ?? join(layout.checkouts, `${input.recipe.name}-${Date.now().toString(36)}`);
  await mkdir(root, { recursive: true });
  if ((await readdir(root)).length) throw new AssembleError(`${root}: not empty; a template root is installed into an empty directory`, { hint: 'remove it, or build with --force' });

  const store = await openStore(layout.store);
  try {
    // Imports run beside the transaction (import-pool.ts): it waits for a package's
    // entries only when it reaches that package, and stops on the first import failure.
    const tImport = Date.now();
    const imports = await startImports(store, ordered, {
      workers: opts.importWorkers,
      signal: ctx.signal,
      onImported: (p, imported) => ctx.log.progress?.({ stage: 'import', nevra: formatNevra(p), imported }),
    });
    let importMs = 0;
    // Objects become durable (one syncfs) before the indexes that name them are published;
    // that flush overlaps the rest of the transaction.
    const synced = imports.settled().then(async (r) => {
      importMs = Date.now() - tImport;
      await store.sync();
      return r;
    });
    synced.catch(() => undefined); // awaited below; a failure also aborts the transaction
    const txSignal = ctx.signal ? AbortSignal.any([ctx.signal, imports.failed]) : imports.failed;
    const entries = { get: (sha: string) => imports.entriesOf(sha) };
    const installTime = input.installTime ?? pkgs.reduce((t, p) => Math.max(t, p.buildTime), 0);
    const dbReq = { format: input.recipe.rpmdb, installTime, arch: input.recipe.distro.arch, signal: ctx.signal };
    const draft = opts.rpmdb !== false ? await draftRpmdb(dirname(root), ordered, dbReq) : undefined;
    let tx: TransactionResult;
    try {
      tx = await runTransaction(ordered, { root, store, entries, method: opts.method ?? 'auto', log: ctx.log, signal: txSignal });
    } catch (e) {
      if (draft) await discardDraft(draft);
      await imports.close();
      await synced.catch(() => undefined);
      // An import failure is the cause, whatever the transaction tripped over after it.
      throw imports.failed.aborted ? imports.failed.reason : e;
    }
    const { imported } = await synced;
    await imports.close();

    const tDb = Date.now();
    if (draft) await recordRpmdb(root, tx.installed, dbReq, ctx.log, draft);
    const rpmdbMs = Date.now() - tDb;

    const hookResults = await runPostInstallHooks(root, input.recipe.hooks.postInstall, ctx);
    const scriptletResults = [...tx.scriptlets, ...hookResults];
    return {
      root,
      installed: tx.installed.map(formatNevra),
      skipped: tx.skipped.map(formatNevra),
      scriptletResults,
      linkGroups: tx.checkout.linkGroups,
      installTime,
      stats: {
        packages: tx.installed.length,
        files: tx.files,
        bytes: tx.bytes,
        scriptlets: scriptletResults.length,
        failedScriptlets: scriptletResults.filter((r) => !r.ok).length,
        imported,
        reused: ordered.length - imported,
        ms: { read: readMs, order: orderMs, import: importMs, checkout: tx.ms.unpack, scriptlets: tx.ms.scriptlets, rpmdb: rpmdbMs, total: Date.now() - t0 },
      },
    };
  } finally {
    await store.close();
  }
}

/** The recipe's post-install hooks: shell commands run inside the finished root, sandboxed; a failure fails the build. */
async function runPostInstallHooks(root: string, hooks: readonly string[], ctx: Ctx): Promise<ScriptletResult[]> {
  const out: ScriptletResult[] = [];
  for (const [i, cmd] of hooks.entries()) {
    const r = await runInSandbox({ root, argv: ['/bin/sh', '-c', cmd], env: SCRIPTLET_ENV, signal: ctx.signal });
    const res: ScriptletResult = { nevra: `post-install hook ${i + 1}`, kind: 'post-install', prog: '/bin/sh -c', ok: r.code === 0, exitCode: r.code, output: r.stdout + r.stderr };
    out.push(res);
    if (!res.ok) throw new ScriptletError(`post-install hook ${i + 1} (${cmd}) failed with exit status ${r.code}${res.output.trim() ? `:\n    ${res.output.trim().split('\n').slice(-10).join('\n    ')}` : ''}`);
  }
  return out;
}
