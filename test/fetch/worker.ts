// A separate vzbuild process for the concurrency test: fetch a lock into a shared cache
// once a start file appears (so both processes begin together), print the result as JSON.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fetchLock } from '../../builder/pipeline/fetch.js';
import { recipeRepo, testCtx } from './setup.js';

const [lockPath, cacheDir, startFile, ...mirrors] = process.argv.slice(2);
writeFileSync(`${startFile}.ready-${process.pid}`, '');
while (!existsSync(startFile)) await sleep(5);
const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
const ctx = testCtx(cacheDir);
const r = await fetchLock(lock, [recipeRepo(lock.repos[0].id, mirrors)], ctx, { concurrency: 4 });
process.stdout.write(JSON.stringify({ pid: process.pid, stats: r.stats, fromCache: r.packages.filter((p) => p.fromCache).length, waits: ctx.rec.events.filter((e) => e.event === 'fetch-wait').length }));
