// `vzbuild ubc split|validate|map|show`: user beancounter configs as vzsplit and
// vzcfgvalidate handled them, their mainline cgroup mapping, and /proc/user_beancounters.
import type { Command } from 'commander';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { cacheLayout } from '../../../cache/layout.js';
import { UsageError, ValidationError } from '../../errors.js';
import { parseUserBeancounters } from '../../../kernel/ubc/beancounters.js';
import { mapUbcToCgroups, type CgroupMode } from '../../../kernel/ubc/cgroup-map.js';
import { parseCtConf } from '../../../kernel/ubc/shell-conf.js';
import { formatSplitConf, splitUbc, SplitError } from '../../../kernel/ubc/split.js';
import { gatherSplitHost } from '../../../kernel/ubc/split-host.js';
import { validateUbc } from '../../../kernel/ubc/validate.js';
import { BuilderError } from '../../errors.js';
import type { CliIo } from '../main.js';
import { ctxFrom, emit } from '../shared.js';

async function loadConf(file: string, cwd: string) {
  const path = resolve(cwd, file);
  const conf = parseCtConf(await readFile(path, 'utf8'), path);
  if (conf.problems.length) throw new ValidationError(path, conf.problems);
  return conf;
}

const json = (x: unknown) => JSON.parse(JSON.stringify(x, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));

export function register(program: Command, io: CliIo): void {
  const ubc = program.command('ubc').description('User beancounters: size, validate and map OpenVZ resource configs');

  ubc
    .command('split')
    .description('Size a UBC config for N containers on this host (vzsplit\'s algorithm), as a vzctl config sample')
    .requiredOption('-n, --count <n>', 'number of containers')
    .option('-o, --output <file>', 'write the sample here instead of stdout')
    .option('--swap <kib>', 'swap size in KiB instead of /proc/meminfo\'s SwapTotal')
    .option('--area <dir>', 'container area whose filesystem sizes DISKSPACE/DISKINODES (default: the state dir\'s containers/)')
    .action(async (opts: { count: string; output?: string; swap?: string; area?: string }, cmd: Command) => {
      const ctx = ctxFrom(cmd, io);
      const count = Number(opts.count);
      if (!/^\d+$/.test(opts.count) || count < 1) throw new UsageError(`--count must be a whole number ≥ 1 (got "${opts.count}")`);
      if (opts.swap !== undefined && !/^\d+$/.test(opts.swap)) throw new UsageError(`--swap must be KiB as a whole number (got "${opts.swap}")`);
      const host = await gatherSplitHost(opts.area ? resolve(ctx.cwd, opts.area) : cacheLayout(ctx.settings.cacheDir).containers, opts.swap ? { swapKiB: Number(opts.swap) } : {});
      let r;
      try {
        r = splitUbc(host, count);
      } catch (err) {
        if (err instanceof SplitError) throw new BuilderError('E_UBC_SPLIT', err.message, err.maxContainers !== undefined ? { hint: `at most ${err.maxContainers} containers fit` } : {});
        throw err;
      }
      for (const w of r.warnings) ctx.log.warn(w);
      const text = formatSplitConf(r);
      if (opts.output) {
        const out = resolve(ctx.cwd, opts.output);
        await writeFile(`${out}.tmp`, text);
        await rename(`${out}.tmp`, out);
        ctx.log.info(`config ${out} was created`);
      }
      emit(ctx, io, json({ count: r.count, level: r.level, levelText: r.levelText, ubc: r.ubc, cpuunits: r.cpuunits, warnings: r.warnings }), () => (opts.output ? '' : text));
    });

  ubc
    .command('validate')
    .description('Check a CT config against the UBC consistency rules (vzcfgvalidate); exit 1 on errors or warnings')
    .argument('<conf>', 'vzctl CT config or sample')
    .action(async (file: string, _o: unknown, cmd: Command) => {
      const ctx = ctxFrom(cmd, io);
      const conf = await loadConf(file, ctx.cwd);
      const r = validateUbc(conf.ubc);
      if (!r.ok) io.exitCode = 1;
      emit(ctx, io, { file: conf.file, ...r }, (x) => {
        if (!x.violations.length) return `${x.file}: UBC config is consistent (${x.model === 'vswap' ? 'VSwap' : 'UBC'} model)`;
        const lines = x.violations.map((v) => `${v.severity}: [${v.rule}] ${v.message}`);
        const n = x.violations.filter((v) => v.severity !== 'recommendation').length;
        return `${x.file}:\n  ${lines.join('\n  ')}\n${n ? `${n} rule(s) violated` : 'only recommendations'}`;
      });
    });

  ubc
    .command('map')
    .description('Show what a CT config\'s UBC limits become on a mainline kernel (cgroup v1 or v2)')
    .argument('<conf>', 'vzctl CT config or sample')
    .option('--cgroup <v1|v2>', 'cgroup key family', 'v2')
    .action(async (file: string, opts: { cgroup: string }, cmd: Command) => {
      const ctx = ctxFrom(cmd, io);
      if (opts.cgroup !== 'v1' && opts.cgroup !== 'v2') throw new UsageError(`--cgroup must be v1 or v2 (got "${opts.cgroup}")`);
      const m = mapUbcToCgroups((await loadConf(file, ctx.cwd)).ubc, opts.cgroup as CgroupMode);
      emit(ctx, io, json(m), () => {
        const l = [`cgroup ${m.mode}:`];
        for (const c of m.cgroup) l.push(`  ${c.key} = ${c.value}   (${c.from.join(', ')}${c.note ? `; ${c.note}` : ''})`);
        for (const n of m.namespace) l.push(`  ${n.key} = ${n.value}   (${n.from.join(', ')}; ${n.note})`);
        if (m.disk) l.push(`  disk quota: ${m.disk.spaceSoftKiB ?? '-'}:${m.disk.spaceHardKiB ?? '-'} KiB, ${m.disk.inodesSoft ?? '-'}:${m.disk.inodesHard ?? '-'} inodes (vzquota on OpenVZ; project quota on mainline filesystems mounted with prjquota)`);
        l.push('no equivalent:');
        for (const u of m.unmapped) l.push(`  ${u.param}: ${u.reason}`);
        return l.join('\n');
      });
    });

  ubc
    .command('show')
    .description('Show /proc/user_beancounters (or a saved copy), flagging resources that hit their limits')
    .argument('[file]', 'a saved user_beancounters file', '/proc/user_beancounters')
    .action(async (file: string, _o: unknown, cmd: Command) => {
      const ctx = ctxFrom(cmd, io);
      const path = resolve(ctx.cwd, file);
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new BuilderError('E_NO_UBC', `${path} not found: this is not an OpenVZ kernel`);
        throw err;
      }
      const u = parseUserBeancounters(text, path);
      emit(ctx, io, json(u), () => {
        const l = [`Version ${u.version}`];
        for (const b of u.beancounters) {
          l.push(`${b.uid}:`);
          for (const r of b.rows) l.push(`  ${r.resource.padEnd(14)} held ${r.held} maxheld ${r.maxheld} barrier ${r.barrier} limit ${r.limit}${r.failcnt > 0n ? `  FAILCNT ${r.failcnt}` : ''}`);
        }
        return l.join('\n');
      });
    });
}
