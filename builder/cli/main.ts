// The CLI: declares global flags, registers each command group, and is the only place
// that catches errors and maps them to exit codes. Commands live in ./commands/<group>.ts
// and each exports `register(program, env)`; they parse flags, call one library function
// and render its result (text, or JSON with --json).
import { Command, CommanderError } from 'commander';
import { BuilderError } from '../errors.js';
import { SETTINGS } from '../settings.js';
import { toolVersion } from '../version.js';
import { loadGroups } from './commands/index.js';

export async function run(argv: string[], io: CliIo = defaultIo()): Promise<number> {
  const program = new Command('vzbuild')
    .description('Build OS template caches from RPM distro recipes and deploy them as containers (OpenVZ or LXC)')
    .version(await toolVersion(), '-V, --version')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
  const valueFlags = new Set<string>();
  for (const row of Object.values(SETTINGS)) {
    program.option(row.flag, row.help + ('env' in row && row.env ? ` [env ${row.env}]` : ''));
    if (row.flag.includes('<')) valueFlags.add(row.flag.split(/[ ,]/)[0]);
  }
  for (const register of await loadGroups(argv.slice(2), valueFlags)) register(program, io);
  try {
    await program.parseAsync(argv);
    return io.exitCode ?? 0;
  } catch (err) {
    return reportError(err, io);
  }
}

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** A command may set a non-zero exit code without throwing (e.g. `ubc validate` found violations). */
  exitCode?: number;
}

function defaultIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
}

function reportError(err: unknown, io: CliIo): number {
  if (err instanceof CommanderError) {
    // Help and version are "errors" to commander's exitOverride; they already printed.
    return err.exitCode;
  }
  if (err instanceof BuilderError) {
    io.stderr.write(`vzbuild: ${err.code}: ${err.message}\n`);
    if (err.hint) io.stderr.write(`hint: ${err.hint}\n`);
    if (io.env.VZBUILD_DEBUG && err.stack) io.stderr.write(err.stack + '\n');
    return err.exitCode;
  }
  io.stderr.write(`vzbuild: internal error (please report): ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  return 70;
}
