// `vzbuild ct ...`: vzctl-shaped container commands over kernel/ct (OpenVZ or LXC).
import type { Command } from 'commander';
import { createCt, destroyCt, enterCt, execCt, listCts, startCt, statusCt, stopCt, type CtEnv } from '../../../kernel/ct/index.js';
import { parseHostChoice, parsePrivateChoice } from '../../../kernel/ct/drivers.js';
import { UsageError } from '../../errors.js';
import type { Ctx } from '../../context.js';
import type { CliIo } from '../main.js';
import { ctxFrom, emit } from '../shared.js';

function envOf(ctx: Ctx, vzConf?: string): CtEnv {
  return { cacheDir: ctx.settings.cacheDir, cwd: ctx.cwd, log: ctx.log, ...(vzConf ? { vzConf } : {}) };
}

export function register(program: Command, io: CliIo): void {
  const ct = program.command('ct').description('Deploy template caches as containers and run them (vzctl-shaped; OpenVZ or LXC)');
  const vz = '--vz-conf <file>';
  const vzHelp = 'vzctl global config (default /etc/vz/vz.conf)';

  ct.command('create')
    .description('Create a container from a template cache')
    .argument('<ctid>')
    .requiredOption('--template <file|name>', 'template cache file, or a name in the state dir\'s templates/')
    .option('--host <auto|lxc|openvz>', 'host driver', 'auto')
    .option('--private <auto|copy|overlay|hardlink>', 'private area mode', 'auto')
    .option('--hostname <name>', 'container hostname (default: the CTID)')
    .option('--ubc <conf>', 'vzctl-style config whose UBC lines limit the container')
    .option('--force', 'deploy even if the template is incompatible with this host')
    .option(vz, vzHelp)
    .action(async (ctid: string, o: { template: string; host: string; private: string; hostname?: string; ubc?: string; force?: boolean; vzConf?: string }, cmd: Command) => {
      const ctx = ctxFrom(cmd, io);
      const r = await createCt(
        { ctid, template: o.template, host: parseHostChoice(o.host), private: parsePrivateChoice(o.private), ...(o.hostname ? { hostname: o.hostname } : {}), ...(o.ubc ? { ubcConf: o.ubc } : {}), force: !!o.force },
        envOf(ctx, o.vzConf),
      );
      emit(ctx, io, r, (x) => [`container ${x.record.ctid} created (${x.record.driver}, private ${x.record.private}) at ${x.record.root}`, ...x.compat.notes.map((n) => `  ${n}`)].join('\n'));
    });

  ct.command('start')
    .description('Start a container (its /sbin/init unless --init)')
    .argument('<ctid>')
    .option('--init <cmd>', 'init command line instead of /sbin/init (LXC only)')
    .option(vz, vzHelp)
    .action(async (ctid: string, o: { init?: string; vzConf?: string }, cmd: Command) => {
      const ctx = ctxFrom(cmd, io);
      const rec = await startCt(ctid, o.init ? { init: o.init.trim().split(/\s+/) } : {}, envOf(ctx, o.vzConf));
      emit(ctx, io, { ctid, state: 'running', init: rec.init ?? ['/sbin/init'] }, () => `container ${ctid} started`);
    });

  ct.command('exec')
    .description('Run a command in a running container: ct exec CTID -- CMD [ARGS...]; exits with its status')
    .argument('<ctid>')
    .argument('<command...>')
    .option(vz, vzHelp)
    .action(async (ctid: string, command: string[], o: { vzConf?: string }, cmd: Command) => {
      const ctx = ctxFrom(cmd, io);
      const r = await execCt(ctid, command, envOf(ctx, o.vzConf));
      io.stdout.write(r.stdout);
      io.stderr.write(r.stderr);
      io.exitCode = r.code;
    });

  ct.command('enter')
    .description('Open a shell in a running container')
    .argument('<ctid>')
    .option(vz, vzHelp)
    .action(async (ctid: string, o: { vzConf?: string }, cmd: Command) => {
      io.exitCode = await enterCt(ctid, envOf(ctxFrom(cmd, io), o.vzConf));
    });

  ct.command('stop')
    .description('Stop a container (clean shutdown, killed after --timeout)')
    .argument('<ctid>')
    .option('--timeout <s>', 'seconds to wait for a clean shutdown', '30')
    .option('--kill', 'kill at once')
    .option(vz, vzHelp)
    .action(async (ctid: string, o: { timeout: string; kill?: boolean; vzConf?: string }, cmd: Command) => {
      const ctx = ctxFrom(cmd, io);
      if (!/^\d+$/.test(o.timeout)) throw new UsageError(`--timeout must be whole seconds (got "${o.timeout}")`);
      await stopCt(ctid, { timeoutS: Number(o.timeout), kill: !!o.kill }, envOf(ctx, o.vzConf));
      emit(ctx, io, { ctid, state: 'stopped' }, () => `container ${ctid} stopped`);
    });

  ct.command('destroy')
    .description('Stop and remove a container and its private area (the template and store stay)')
    .argument('<ctid>')
    .option(vz, vzHelp)
    .action(async (ctid: string, o: { vzConf?: string }, cmd: Command) => {
      const ctx = ctxFrom(cmd, io);
      await destroyCt(ctid, envOf(ctx, o.vzConf));
      emit(ctx, io, { ctid, destroyed: true }, () => `container ${ctid} destroyed`);
    });

  ct.command('list')
    .description('List containers')
    .option(vz, vzHelp)
    .action(async (o: { vzConf?: string }, cmd: Command) => {
      const ctx = ctxFrom(cmd, io);
      const all = await listCts(envOf(ctx, o.vzConf));
      emit(ctx, io, all, (l) => ['CTID'.padEnd(12) + 'STATE'.padEnd(10) + 'DRIVER'.padEnd(8) + 'PRIVATE'.padEnd(10) + 'HOSTNAME'.padEnd(16) + 'ROOT', ...l.map((s) => s.ctid.padEnd(12) + s.state.padEnd(10) + s.driver.padEnd(8) + s.private.padEnd(10) + s.hostname.padEnd(16) + s.root)].join('\n'));
    });

  ct.command('status')
    .description('Show a container\'s state, driver, private mode and where its files are')
    .argument('<ctid>')
    .option(vz, vzHelp)
    .action(async (ctid: string, o: { vzConf?: string }, cmd: Command) => {
      const ctx = ctxFrom(cmd, io);
      const s = await statusCt(ctid, envOf(ctx, o.vzConf));
      emit(ctx, io, s, (x) => [`CTID ${x.ctid} ${x.state}${x.pid ? ` (init pid ${x.pid})` : ''}`, `driver   ${x.driver}`, `private  ${x.private}`, `hostname ${x.hostname}`, `root     ${x.root}${x.mounted ? '' : ' (not mounted)'}`, `template ${x.template}`].join('\n'));
    });
}
