#!/usr/bin/env node
// Bundles the CLI into dist/cli/ with esbuild: one ESM entry (main.js) plus chunks for the
// command groups it loads lazily. Start-up was dominated by module loading — ~150 files of
// our own and ~90 of yaml/commander/saxes, each resolved, read, lexed for CJS exports and
// compiled — so a bundle cuts a warm `vzbuild resolve` from ~0.7 s to ~0.2 s of CPU.
// Native and createRequire'd packages stay in node_modules. Files named *.worker.ts become
// their own entries (dist/cli/<name>.worker.js), beside the chunks that start them.
// The output is built in a temp dir and renamed into place, so a running bin/vzbuild never
// sees half a bundle.
import { build } from 'esbuild';
import { readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'dist', 'cli');
const tmp = `${out}.tmp-${process.pid}`;

const workers = readdirSync(join(root, 'builder'), { recursive: true })
  .map(String)
  .filter((f) => f.endsWith('.worker.ts'))
  .map((f) => ({ in: join(root, 'builder', f), out: basename(f, '.ts') }));

await build({
  absWorkingDir: root,
  entryPoints: [{ in: 'builder/cli/main.ts', out: 'main' }, ...workers],
  outdir: tmp,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  // better-sqlite3 loads a native addon; fengari is loaded through createRequire.
  external: ['better-sqlite3', 'fengari'],
  // Bundled CommonJS packages (yaml, commander, …) call require() for node builtins.
  banner: { js: "import { createRequire as __vzCreateRequire } from 'node:module'; const require = __vzCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
rmSync(out, { recursive: true, force: true });
renameSync(tmp, out);
