// Child of repo.bench.ts: one metadata load in a fresh process, so peak RSS is its own.
// Runs the compiled code (dist/, as bin/vzbuild does), without tsx's loader in the way.
// usage: repo-load.mjs REPO_DIR cold|warm|primary CACHE_DIR [files]
//   cold/warm: loadRepo with the parsed-metadata cache (cold also encodes and writes it);
//   primary:   primary.xml only, no cache: the parse alone, as repo2solv does it.
// Prints JSON {ms, cpuMs, packages, rssMiB}; the time covers loadRepo (and reading
// filelists when asked), not node's startup.
import { loadRepo, localOpener } from '../../dist/builder/repo/index.js';

const [dir, mode, cacheDir, withFiles] = process.argv.slice(2);
const t0 = performance.now();
const c0 = process.cpuUsage();
const meta =
  mode === 'primary'
    ? await loadRepo({ id: 'bench', open: localOpener(dir), want: { comps: false, modules: false, filelists: false } })
    : await loadRepo({ id: 'bench', open: localOpener(dir), cacheDir });
if (withFiles) await meta.whoOwnsFile('/usr/share/doc/no-such-file');
const cpu = process.cpuUsage(c0);
const ms = performance.now() - t0;
console.log(JSON.stringify({ ms, cpuMs: (cpu.user + cpu.system) / 1000, packages: meta.packages.length, rssMiB: process.resourceUsage().maxRSS / 1024 }));
