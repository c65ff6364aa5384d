// `vzbuild host [--template FILE]`: what this host offers for deploying containers
// (kernel, OpenVZ, cgroups, overlayfs, LXC, template area), and optionally whether a
// template cache would run on it.
import type { Command } from 'commander';
import { cacheLayout } from '../../../cache/layout.js';
import { formatHostProbe, probeHost } from '../../../kernel/probe/index.js';
import { checkTemplateOnHost } from '../../../kernel/ct/check.js';
import type { CliIo } from '../main.js';
import { ctxFrom, emit } from '../shared.js';

export function register(program: Command, io: CliIo): void {
  program
    .command('host')
    .description('Probe this host: kernel, OpenVZ, vzctl/vzquota, cgroup layout, overlayfs, LXC, template area')
    .option('--template <file|name>', 'also check whether this template cache runs here (glibc ABI tag, init)')
    .option('--no-mount-test', 'skip the test overlay mount')
    .action(async (opts: { template?: string; mountTest: boolean }, cmd: Command) => {
      const ctx = ctxFrom(cmd, io);
      const l = cacheLayout(ctx.settings.cacheDir);
      const probe = await probeHost({ templateArea: l.templates, tmpDir: l.tmp, env: ctx.env, ...(opts.mountTest ? {} : { mountTest: false }) });
      const compat = opts.template ? await checkTemplateOnHost(opts.template, probe, { cacheDir: ctx.settings.cacheDir, cwd: ctx.cwd }) : undefined;
      if (compat && !compat.report.ok) io.exitCode = 1;
      emit(ctx, io, compat ? { ...probe, template: compat } : probe, () => {
        let s = formatHostProbe(probe);
        if (compat) {
          s += `\ntemplate      ${compat.template}: ${compat.report.ok ? 'compatible' : 'NOT compatible'}`;
          for (const p of compat.report.problems) s += `\n  problem: ${p}`;
          for (const n of compat.report.notes) s += `\n  ${n}`;
        }
        return s;
      });
    });
}
