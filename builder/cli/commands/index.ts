// Every command group and the top-level command names it registers, in `--help` order.
// Groups are imported lazily: a run of `vzbuild resolve` loads the resolver and nothing of
// the container or RPM-writer code, which keeps start-up (and so warm runs) fast. One file
// per group also keeps work on different commands from touching the same lines.
import type { Command } from 'commander';
import type { CliIo } from '../main.js';

type Register = (program: Command, io: CliIo) => void;

export const COMMAND_GROUPS: { commands: string[]; load: () => Promise<{ register: Register }> }[] = [
  { commands: ['demo'], load: () => import('./demo.js') },
  { commands: ['inspect'], load: () => import('./inspect.js') },
  { commands: ['recipe'], load: () => import('./recipe.js') },
  { commands: ['resolve'], load: () => import('./resolve.js') },
  { commands: ['fetch'], load: () => import('./fetch.js') },
  { commands: ['build'], load: () => import('./build.js') },
  { commands: ['gc', 'fsck'], load: () => import('./store.js') },
  { commands: ['host'], load: () => import('./host.js') },
  { commands: ['ubc'], load: () => import('./ubc.js') },
  { commands: ['ct'], load: () => import('./ct.js') },
];

/**
 * The groups a command line needs: just the one its command word names, or all of them
 * (for help, or an unknown word, so commander can list the commands or suggest one).
 * `valueFlags` are global options that take a value, so their value isn't taken for the word.
 */
export async function loadGroups(args: readonly string[], valueFlags: ReadonlySet<string>): Promise<Register[]> {
  let word: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') break;
    if (a.startsWith('-')) {
      if (valueFlags.has(a)) i++;
      continue;
    }
    word = a;
    break;
  }
  // `vzbuild --version` needs no command at all.
  if (word === undefined && args.some((a) => a === '-V' || a === '--version')) return [];
  const wanted = COMMAND_GROUPS.filter((g) => word !== undefined && g.commands.includes(word));
  const groups = wanted.length ? wanted : COMMAND_GROUPS;
  return Promise.all(groups.map(async (g) => (await g.load()).register));
}
