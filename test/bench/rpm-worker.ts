// Child process for rpm.bench.ts, so each measurement has its own peak RSS:
//   rpm-worker.ts headers FILE...      read every header (digests checked)
//   rpm-worker.ts list FILE            stream the payload, drop the bytes
//   rpm-worker.ts extract FILE DEST    extract the payload to DEST
// Prints one JSON line: {ms, maxRssKiB, growthKiB, n}.
import { readRpmHeaders } from '../../builder/rpm/read-headers.js';
import { payloadEntries } from '../../builder/rpm/reader.js';
import { extractPayload } from '../rpm/extract.js';

const [mode, ...args] = process.argv.slice(2);
// Peak RSS growth over the operation, sampled: the loader's own footprint (tsx) dwarfs ours,
// so the process-wide maxRSS alone says little.
const rss0 = process.memoryUsage().rss;
let rssPeak = rss0;
const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 10);
const t0 = performance.now();
let n = 0;
if (mode === 'headers') {
  for (const f of args) {
    await readRpmHeaders(f);
    n++;
  }
} else if (mode === 'list') {
  for await (const e of payloadEntries(args[0])) {
    n++;
    if (e.size) for await (const _ of e.body) void _;
  }
} else if (mode === 'extract') {
  n = await extractPayload(args[0], args[1]);
} else if (mode !== 'noop') throw new Error(`unknown mode ${mode}`);
const ms = performance.now() - t0;
clearInterval(sampler);
rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
console.log(JSON.stringify({ ms, maxRssKiB: process.resourceUsage().maxRSS, growthKiB: Math.round((rssPeak - rss0) / 1024), n }));
