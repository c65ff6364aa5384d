// Helpers every command uses: turning commander's parsed global options into a Ctx, and
// printing a result either as text or as JSON.
import type { Command } from 'commander';
import type { Ctx, Logger } from '../context.js';
import { resolveSettings } from '../settings.js';
import type { CliIo } from './main.js';

/** Build the library context from the root program's options. */
export function ctxFrom(cmd: Command, io: CliIo): Ctx {
  let root: Command = cmd;
  while (root.parent) root = root.parent;
  const settings = resolveSettings(root.opts(), io.env);
  return { cwd: io.cwd, settings, log: makeLogger(io, settings.json), env: io.env };
}

export function makeLogger(io: CliIo, json: boolean): Logger {
  const line = (level: string) => (msg: string, data?: Record<string, unknown>) => {
    if (json) io.stderr.write(JSON.stringify({ level, msg, ...data }) + '\n');
    else if (level !== 'debug' || io.env.VZBUILD_DEBUG) io.stderr.write(`${level === 'info' ? '' : level + ': '}${msg}\n`);
  };
  return {
    debug: line('debug'),
    info: line('info'),
    warn: line('warn'),
    error: line('error'),
    progress: (event) => {
      if (json) io.stderr.write(JSON.stringify({ level: 'progress', ...event }) + '\n');
    },
  };
}

/** Print a command's result: JSON (stable key order as produced) with --json, else text. */
export function emit<T>(ctx: Ctx, io: CliIo, result: T, text: (r: T) => string): void {
  if (ctx.settings.json) io.stdout.write(JSON.stringify(result, null, 2) + '\n');
  else {
    const s = text(result);
    if (s) io.stdout.write(s.endsWith('\n') ? s : s + '\n');
  }
}
