// One install transaction into an empty root, in rpm's phase order (lib/transaction.c,
// lib/psm.c) for fresh installs:
//   %pretrans of every package (before anything is unpacked: filesystem's Lua makes the
//   usrmove links here), then per package in transaction order: %triggerprein, %pre (a
//   failure skips the package, as rpm does), unpack, %post (a failure is a warning),
//   %triggerin (others' on it, then its own), %filetriggerin; then %posttrans of every
//   installed package and %transfiletriggerin. Arguments as rpm passes them: $1 = number of
//   instances of the package's name installed afterwards, triggers also $2 for the source.
import { readdirSync, rmdirSync } from 'node:fs';
import { utimes } from 'node:fs/promises';
import { join } from 'node:path';
import type { CheckoutMethod, CheckoutResult, Store, TreeEntry } from '../../cache/index.js';
import type { Logger } from '../context.js';
import { formatNevra } from '../model/package.js';
import { createScriptletRunner } from './scriptlets.js';
import { countByName, packageFileTriggers, packageTriggers, transFileTriggers } from './triggers.js';
import { checkoutPackage, openRootCheckout, type RootCheckout } from './unpack.js';
import type { InstallPackage, Scriptlet, ScriptletResult } from './types.js';

export interface TransactionOptions {
  root: string;
  store: Store;
  /** Tree listings by package sha256 (importPackage's result); a promise while it is still importing (import-pool.ts). */
  entries: { get(sha256: string): TreeEntry[] | undefined | Promise<TreeEntry[] | undefined> };
  method: CheckoutMethod;
  log: Logger;
  signal?: AbortSignal;
  prefColor?: number;
  scriptTimeoutMs?: number;
  macros?: Record<string, string>;
}

export interface TransactionResult {
  installed: InstallPackage[];
  skipped: InstallPackage[];
  scriptlets: ScriptletResult[];
  checkout: CheckoutResult;
  files: number;
  bytes: number;
  ms: { unpack: number; scriptlets: number };
}

export async function runTransaction(ordered: readonly InstallPackage[], o: TransactionOptions): Promise<TransactionResult> {
  const runner = createScriptletRunner({ root: o.root, macros: o.macros, timeoutMs: o.scriptTimeoutMs, signal: o.signal, log: o.log });
  const results: ScriptletResult[] = [];
  const installed: InstallPackage[] = [];
  const skipped: InstallPackage[] = [];
  let scriptMs = 0;
  let unpackMs = 0;
  let files = 0;
  let bytes = 0;

  let rc: RootCheckout | undefined;
  const run = async (pkg: InstallPackage, kind: string, s: Scriptlet, args: number[], opts: { stdin?: string; source?: string } = {}) => {
    const t = Date.now();
    const r = await runner.run(formatNevra(pkg), kind, s, args, opts);
    // The script may have changed the tree (even swapped a directory for a symlink out of
    // it): the checkout must look again before trusting what it knew.
    rc?.checkout.invalidate();
    scriptMs += Date.now() - t;
    results.push(r);
    if (!r.ok) o.log.warn(`%${kind}(${r.nevra}) scriptlet failed, exit status ${r.exitCode}${r.output.trim() ? `:\n    ${r.output.trim().split('\n').slice(-10).join('\n    ')}` : ''}`);
    return r;
  };

  try {
    // %pretrans: $1 is the count after install (1 for a fresh install of one instance).
    const pretransFailed = new Set<InstallPackage>();
    for (const pkg of ordered) {
      o.signal?.throwIfAborted();
      const s = pkg.scripts.pretrans;
      if (!s) continue;
      const r = await run(pkg, 'pretrans', s, [1]);
      if (!r.ok) pretransFailed.add(pkg);
    }

    // The checkout opens after %pretrans, which may have made links (/bin → usr/bin).
    rc = await openRootCheckout(o.store, o.root, o.method, o.log, o.prefColor ?? 2);
    for (const pkg of ordered) {
      o.signal?.throwIfAborted();
      const nevra = formatNevra(pkg);
      if (pretransFailed.has(pkg)) {
        o.log.error(`${nevra}: install skipped (%pretrans failed)`);
        skipped.push(pkg);
        continue;
      }
      const after = countByName(installed, pkg.name) + 1;
      const withSelf = [...installed, pkg];
      const self = withSelf.length - 1;
      for (const f of packageTriggers(withSelf, self, 'prein', false)) {
        const owner = withSelf[f.owner];
        await run(owner, 'triggerprein', f.trigger.script, [countByName(installed, owner.name) + (owner === pkg ? 1 : 0), countByName(installed, withSelf[f.source].name) + (f.source === self ? 1 : 0)], { source: formatNevra(withSelf[f.source]) });
      }
      if (pkg.scripts.pre) {
        const r = await run(pkg, 'pre', pkg.scripts.pre, [after]);
        if (!r.ok) {
          o.log.error(`${nevra}: install skipped (%pre failed)`);
          skipped.push(pkg);
          continue;
        }
      }
      const entries = await o.entries.get(pkg.sha256);
      if (!entries) throw new Error(`${nevra}: not imported into the store`);
      const t = Date.now();
      const c = await checkoutPackage(rc, pkg, entries);
      unpackMs += Date.now() - t;
      files += c.files;
      bytes += c.bytes;
      installed.push(pkg);
      const idx = installed.length - 1;
      if (pkg.scripts.post) await run(pkg, 'post', pkg.scripts.post, [after]);
      for (const f of packageTriggers(installed, idx, 'in', true)) {
        const owner = installed[f.owner];
        await run(owner, 'triggerin', f.trigger.script, [countByName(installed, owner.name), countByName(installed, installed[f.source].name)], { source: formatNevra(installed[f.source]) });
      }
      for (const f of packageFileTriggers(installed, idx)) {
        const owner = installed[f.owner];
        await run(owner, 'filetriggerin', f.trigger.script, [countByName(installed, owner.name)], { stdin: f.paths.join('\n') + '\n', source: nevra });
      }
    }
    for (const pkg of installed) {
      if (pkg.scripts.posttrans) await run(pkg, 'posttrans', pkg.scripts.posttrans, [countByName(installed, pkg.name)]);
    }
    for (const f of transFileTriggers(installed)) {
      const owner = installed[f.owner];
      await run(owner, 'transfiletriggerin', f.trigger.script, [countByName(installed, owner.name)], { stdin: f.paths.join('\n') + '\n' });
    }
    await runner.close(); // the sandbox's mounts go before /proc and /dev are looked at
    const checkout = await rc.checkout.finish();
    if (rc.rootMtime !== undefined) await utimes(o.root, rc.rootMtime, rc.rootMtime);
    removeMountpoints(o.root, installed);
    return { installed, skipped, scriptlets: results, checkout, files, bytes, ms: { unpack: unpackMs, scriptlets: scriptMs } };
  } finally {
    await runner.close();
  }
}

/** The sandbox mounts /proc and /dev; if no package owns them, leave no empty trace. */
function removeMountpoints(root: string, installed: readonly InstallPackage[]): void {
  for (const d of ['/proc', '/dev']) {
    if (installed.some((p) => p.files.some((f) => f.path === d))) continue;
    try {
      if (readdirSync(join(root, d)).length === 0) rmdirSync(join(root, d));
    } catch (e) {
      // Not there (no scriptlet ran) or not a directory we made: leave it.
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' && (e as NodeJS.ErrnoException).code !== 'ENOTDIR') throw e;
    }
  }
}
