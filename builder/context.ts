// What every library entry point gets instead of reaching for globals: the working
// directory, the settings, a logger and an abort signal. Below the CLI nothing touches
// process.cwd(), console or process.exit.
import type { Settings } from './settings.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(msg: string, data?: Record<string, unknown>): void;
  info(msg: string, data?: Record<string, unknown>): void;
  warn(msg: string, data?: Record<string, unknown>): void;
  error(msg: string, data?: Record<string, unknown>): void;
  /** Structured progress (bytes, files, ...); the CLI renders it as a bar, lines or JSON. */
  progress?(event: Record<string, unknown>): void;
}

export interface Ctx {
  cwd: string;
  settings: Settings;
  log: Logger;
  signal?: AbortSignal;
  env: NodeJS.ProcessEnv;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** A context for tests and library callers: silent unless a logger is given. */
export function makeCtx(partial: Partial<Ctx> & { settings: Settings }): Ctx {
  return { cwd: partial.cwd ?? '/', log: partial.log ?? silentLogger, signal: partial.signal, env: partial.env ?? {}, settings: partial.settings };
}
