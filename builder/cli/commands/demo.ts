// `vzbuild demo`: build a template from the embedded vzdemo distribution and run it as a
// container, offline. The README's first command.
import type { Command } from 'commander';
import { runDemo, renderDemo } from '../../demo/index.js';
import type { CliIo } from '../main.js';
import { ctxFrom, emit } from '../shared.js';

export function register(program: Command, io: CliIo): void {
  program
    .command('demo')
    .description('build a template cache from the embedded demo distribution and deploy it as a container (offline)')
    .option('--no-deploy', 'build the template cache only')
    .option('--keep', 'leave the demo container running')
    .option('--ctid <id>', 'container id', 'vzdemo1')
    .option('--private <mode>', 'private area: auto, copy, overlay or hardlink', 'auto')
    .option('--force', 'rebuild the template cache even if it is up to date')
    .action(async (o: { deploy: boolean; keep?: boolean; ctid: string; private: 'auto' | 'copy' | 'overlay' | 'hardlink'; force?: boolean }, cmd: Command) => {
      const ctx = ctxFrom(cmd, io);
      const r = await runDemo(ctx, { deploy: o.deploy, keep: o.keep, ctid: o.ctid, private: o.private, force: o.force });
      emit(ctx, io, r, renderDemo);
    });
}
