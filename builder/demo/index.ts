// `vzbuild demo`: the whole product on an embedded default, offline. It writes the vzdemo
// RPM distribution (our RPM writer + createrepo_c), builds a template cache from its recipe
// through the real pipeline (resolve → fetch → assemble → pack), deploys the cache as a
// container on this host (LXC on a mainline kernel), runs commands in it, and takes it down.
// Each step is timed and reported; nothing here is special-cased for the demo.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cacheLayout } from '../../cache/layout.js';
import { createCt, destroyCt, execCt, startCt, statusCt, stopCt, type CtEnv } from '../../kernel/ct/index.js';
import { recordExists } from '../../kernel/ct/record.js';
import type { Ctx } from '../context.js';
import { buildRecipe, type BuildResult } from '../pipeline/build.js';
import { loadRecipe } from '../recipe/index.js';
import { demoRecipe, demoRepoDir } from './example-repo.js';
import { makeDemoRepo } from './make-repo.js';

export interface DemoOptions {
  /** Build only; don't deploy a container. */
  deploy?: boolean;
  /** Leave the container running at the end. */
  keep?: boolean;
  ctid?: string;
  private?: 'auto' | 'copy' | 'overlay' | 'hardlink';
  force?: boolean;
}

export interface DemoStep {
  step: string;
  ms: number;
  detail: string;
}

export interface DemoResult {
  repo: string;
  recipe: string;
  build: Pick<BuildResult, 'name' | 'upToDate' | 'artifacts' | 'buildId'> & { packages: number };
  container?: { ctid: string; driver: string; private: string; root: string; kept: boolean; outputs: Record<string, string> };
  steps: DemoStep[];
}

async function timed<T>(steps: DemoStep[], step: string, fn: () => Promise<T>, detail: (r: T) => string, ctx: Ctx): Promise<T> {
  const t = Date.now();
  ctx.log.info(`demo: ${step} ...`);
  const r = await fn();
  const s = { step, ms: Date.now() - t, detail: detail(r) };
  steps.push(s);
  ctx.log.info(`demo: ${step}: ${s.detail} (${(s.ms / 1000).toFixed(1)} s)`);
  return r;
}

export async function runDemo(ctx: Ctx, opts: DemoOptions = {}): Promise<DemoResult> {
  const layout = cacheLayout(ctx.settings.cacheDir);
  const steps: DemoStep[] = [];
  const demoDir = join(layout.root, 'demo');
  await mkdir(demoDir, { recursive: true });

  const repo = await timed(steps, 'make repo', () => makeDemoRepo(demoRepoDir(layout.root)), (r) => `${r.packages.length} RPMs + createrepo_c repodata in ${r.dir}`, ctx);
  const recipePath = join(demoDir, 'vzdemo.yaml');
  await writeFile(`${recipePath}.tmp`, demoRecipe(repo.dir));
  await rename(`${recipePath}.tmp`, recipePath);
  const recipe = await loadRecipe(recipePath, ctx);

  const build = await timed(
    steps,
    'build template',
    () => buildRecipe(recipe, ctx, { lockPath: join(demoDir, 'vzdemo.lock'), force: opts.force }),
    (b) => `${b.upToDate ? 'up to date' : 'built'}: ${b.artifacts.map((a) => a.path).join(', ')} (${b.lock.packages} packages)`,
    ctx,
  );
  const cache = build.artifacts.find((a) => a.format !== 'dir') ?? build.artifacts[0];
  const result: DemoResult = {
    repo: repo.dir,
    recipe: recipePath,
    build: { name: build.name, upToDate: build.upToDate, artifacts: build.artifacts, buildId: build.buildId, packages: build.lock.packages },
    steps,
  };
  if (opts.deploy === false) return result;

  const ctid = opts.ctid ?? 'vzdemo1';
  const env: CtEnv = { cacheDir: layout.root, cwd: ctx.cwd, log: ctx.log, signal: ctx.signal };
  if (await recordExists(layout.root, ctid)) {
    await timed(steps, 'remove previous demo container', () => destroyCt(ctid, env), () => ctid, ctx);
  }
  const created = await timed(
    steps,
    'create container',
    () => createCt({ ctid, template: cache.path, private: opts.private ?? 'auto', hostname: `${ctid}.vzdemo` }, env),
    (c) => `${ctid} on ${c.record.driver}, private area ${c.record.private} at ${c.record.root}`,
    ctx,
  );
  const outputs: Record<string, string> = {};
  try {
    await timed(steps, 'start container', () => startCt(ctid, {}, env), () => 'init started', ctx);
    for (const [label, argv] of [
      ['hello', ['/usr/bin/vz-hello']],
      ['ps', ['/usr/bin/ps']],
      ['os-release', ['/usr/bin/cat', '/etc/os-release']],
      ['rpm %post markers', ['/usr/bin/cat', '/var/lib/vzdemo/init-post', '/var/lib/vzdemo/release-post']],
    ] as const) {
      const r = await timed(steps, `exec ${label}`, () => execCt(ctid, argv, env), (x) => x.stdout.trim().split('\n')[0] ?? '', ctx);
      outputs[label] = r.stdout;
    }
  } finally {
    if (!opts.keep) {
      await timed(steps, 'stop container', () => stopCt(ctid, { timeoutS: 10 }, env), () => 'stopped', ctx);
      await timed(steps, 'destroy container', () => destroyCt(ctid, env), () => 'private area removed; template and store kept', ctx);
    }
  }
  const st = opts.keep ? await statusCt(ctid, env) : undefined;
  result.container = { ctid, driver: created.record.driver, private: created.record.private, root: st?.root ?? created.record.root, kept: !!opts.keep, outputs };
  return result;
}

export function renderDemo(r: DemoResult): string {
  const lines = [`vzbuild demo: ${r.build.name} (${r.build.packages} packages) from ${r.repo}`];
  for (const s of r.steps) lines.push(`  ${s.step.padEnd(32)} ${(s.ms / 1000).toFixed(1).padStart(6)} s  ${s.detail}`);
  if (r.container) {
    lines.push('', `container ${r.container.ctid} (${r.container.driver}, ${r.container.private}):`);
    for (const [k, v] of Object.entries(r.container.outputs)) lines.push(`--- ${k}`, v.trimEnd());
    if (r.container.kept) lines.push('', `still running: vzbuild ct exec ${r.container.ctid} -- /usr/bin/ps; vzbuild ct destroy ${r.container.ctid}`);
  }
  return lines.join('\n');
}
