// `npm run bench [-- NAME...]`: run the side-by-side benchmarks in test/bench/*.bench.ts one
// after another (never in parallel: they measure time and peak RSS on a 2-core machine).
// Each bench is its own process so peak RSS figures are per bench.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const benches = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();
if (benches.length === 0) {
  console.error(`no benchmarks match ${wanted.join(' ')} in ${dir}`);
  process.exit(2);
}
let failed = 0;
for (const f of benches) {
  console.log(`\n=== ${f} ===`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(dir, f)], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.log(`=== ${f} failed (exit ${r.status ?? r.signal}) ===`);
  }
}
process.exit(failed ? 1 : 0);
