// The one table of global settings. Each row is declared once; the CLI's global flags,
// the environment variables and the README's settings list all come from it.
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface SettingRow<T> {
  key: string;
  flag: string;
  env?: string;
  help: string;
  parse: (raw: string) => T;
  default: (env: NodeJS.ProcessEnv) => T;
}

function defaultCacheDir(env: NodeJS.ProcessEnv): string {
  // As root vzbuild keeps its state where vzpkg kept templates' caches; otherwise per user (XDG).
  if (typeof process.getuid === 'function' && process.getuid() === 0) return '/var/cache/vzbuild';
  const xdg = env.XDG_CACHE_HOME && env.XDG_CACHE_HOME.startsWith('/') ? env.XDG_CACHE_HOME : join(homedir(), '.cache');
  return join(xdg, 'vzbuild');
}

export const SETTINGS = {
  cacheDir: {
    key: 'cacheDir',
    flag: '--cache-dir <dir>',
    env: 'VZBUILD_CACHE_DIR',
    help: 'state directory: metadata, packages, store, checkouts, containers (default /var/cache/vzbuild as root, else $XDG_CACHE_HOME/vzbuild)',
    parse: (raw: string) => raw,
    default: defaultCacheDir,
  } satisfies SettingRow<string>,
  json: {
    key: 'json',
    flag: '--json',
    help: 'print results as JSON (one document; progress as JSON lines on stderr)',
    parse: (raw: string) => raw !== '' && raw !== '0' && raw !== 'false',
    default: () => false,
  } satisfies SettingRow<boolean>,
  strict: {
    key: 'strict',
    flag: '--strict',
    env: 'VZBUILD_STRICT',
    help: 'turn warnings into errors (CI runs strict)',
    parse: (raw: string) => raw !== '' && raw !== '0' && raw !== 'false',
    default: () => false,
  } satisfies SettingRow<boolean>,
} as const;

export type Settings = { [K in keyof typeof SETTINGS]: ReturnType<(typeof SETTINGS)[K]['default']> };

/** Resolve settings: explicit flag value, then environment, then default. */
export function resolveSettings(flags: Partial<Record<string, unknown>>, env: NodeJS.ProcessEnv): Settings {
  const out: Record<string, unknown> = {};
  for (const [key, row] of Object.entries(SETTINGS) as [string, SettingRow<unknown>][]) {
    if (flags[key] !== undefined) out[key] = flags[key];
    else if (row.env && env[row.env] !== undefined) out[key] = row.parse(env[row.env] as string);
    else out[key] = row.default(env);
  }
  return out as Settings;
}
