// The pre-deploy compatibility check on its own (`vzbuild host --template`): pull libc and
// init out of the cache into a scratch dir, inspect them, compare with the host.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { cacheLayout } from '../../cache/layout.js';
import { exec } from '../exec.js';
import { resolveTemplate } from '../private/template-tree.js';
import { checkCompat, inspectTemplateTree, type CompatReport, type TemplateNeeds } from '../probe/compat.js';
import type { HostProbe } from '../probe/index.js';

const INSPECT_PATTERNS = ['*sbin/init', '*lib64/libc.so.6', '*lib64/libc-*', '*lib/libc.so.6', '*lib/libc-*', '*-linux-gnu/libc.so.6', '*-linux-gnu/libc-*', '*lib/systemd/systemd', '*lib/systemd/libsystemd-shared-*'];

/** Extract only what the compat check reads (libc, init, systemd) from a cache into dir. */
export async function extractForInspection(cache: string, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  // Exit 2 = some patterns matched nothing, which is expected.
  await exec(['tar', '--numeric-owner', '-xpf', cache, '-C', dir, '--wildcards', ...INSPECT_PATTERNS], { okCodes: [0, 2] });
}

export async function inspectTemplateCache(cache: string, scratchParent: string): Promise<TemplateNeeds> {
  await mkdir(scratchParent, { recursive: true });
  const dir = await mkdtemp(join(scratchParent, 'inspect-'));
  try {
    await extractForInspection(cache, dir);
    return await inspectTemplateTree(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function checkTemplateOnHost(
  spec: string,
  probe: HostProbe,
  env: { cacheDir: string; cwd: string },
  driver: 'lxc' | 'openvz' = probe.drivers[0] ?? 'lxc',
): Promise<{ template: string; needs: TemplateNeeds; report: CompatReport }> {
  const template = await resolveTemplate(env.cacheDir, spec, env.cwd);
  const needs = await inspectTemplateCache(template, cacheLayout(env.cacheDir).tmp);
  return { template, needs, report: checkCompat(needs, probe, driver) };
}
