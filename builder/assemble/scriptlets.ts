// Running one scriptlet or trigger script as rpm does (lib/rpmscript.c): `<lua>` in the
// transaction's Lua state; anything else as `prog [args] /var/tmp/rpm-tmp.XXXXXX $1 [$2]`
// (the body written to a temp file inside the root) or `prog $1` without a body, in the
// sandbox, with rpm's environment, stdin carrying file-trigger paths. Never throws for a
// failing script: the caller applies rpm's policy (a %pre failure skips the package, a
// %post failure is a warning). One sandbox session serves the whole transaction
// (kernel/sandbox-session.ts); where it cannot start, each script gets its own sandbox.
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, unlinkSync, writeSync, constants as fsc } from 'node:fs';
import { runInSandbox, runInSandboxSync, SCRIPTLET_ENV, type SandboxResult } from '../../kernel/sandbox.js';
import { openSandboxSession, type SandboxSession } from '../../kernel/sandbox-session.js';
import { SESSION_ENDED } from '../../kernel/sandbox-server.js';
import type { Logger } from '../context.js';
import type { LuaRuntime } from './lua/runtime.js';
import { DEFAULT_MACROS } from './lua/macros.js';
import { rootedFs } from './rooted-fs.js';
import type { Scriptlet, ScriptletResult } from './types.js';

export interface ScriptletRunner {
  run(nevra: string, kind: string, s: Scriptlet, args: number[], opts?: { stdin?: string; source?: string }): Promise<ScriptletResult>;
  /** End the sandbox session; call before touching the root's /proc and /dev. */
  close(): Promise<void>;
}

export interface ScriptletRunnerOptions {
  root: string;
  macros?: Record<string, string>;
  timeoutMs?: number;
  signal?: AbortSignal;
  log?: Logger;
}

const MAX_OUTPUT = 64 * 1024;

export function createScriptletRunner(o: ScriptletRunnerOptions): ScriptletRunner {
  const fs = rootedFs(o.root);
  // Opened at the first script that runs a program; %pretrans Lua usually runs before.
  let session: SandboxSession | undefined;
  let opening: Promise<SandboxSession | undefined> | undefined;
  const openSession = () => {
    // A script may have killed the session from inside: start another.
    if (session && !session.alive()) [session, opening] = [undefined, undefined];
    return (opening ??= openSandboxSession({ root: o.root, signal: o.signal }).then(
      (s) => (session = s),
      (e: Error) => {
        o.log?.warn(`scriptlets get one sandbox each (slower): ${e.message}`);
        return undefined;
      },
    ));
  };
  let lua: LuaRuntime | undefined;
  // The Lua interpreter (fengari, ~40 modules) is loaded on the first <lua> script only:
  // most builds of older distros, and every no-op build, never need it.
  const luaRuntime = async () =>
    (lua ??= (await import('./lua/runtime.js')).createLuaRuntime({
      root: o.root,
      env: SCRIPTLET_ENV,
      macros: { ...DEFAULT_MACROS, ...o.macros },
      exec: (argv) => {
        const r = session?.alive() ? session.runSync({ argv, timeoutMs: o.timeoutMs }) : runInSandboxSync({ root: o.root, argv, timeoutMs: o.timeoutMs });
        return { code: r.code, output: r.stdout + r.stderr };
      },
    }));

  /** Write the body to /var/tmp inside the root (as rpm's rpmMkTempFile), exclusively. */
  function writeTemp(body: string): string {
    const tmpDir = '/var/tmp';
    const hostDir = fs.host(tmpDir, true);
    mkdirSync(hostDir, { recursive: true, mode: 0o1777 });
    const name = `${tmpDir}/rpm-tmp.${randomBytes(4).toString('hex')}`;
    const fd = openSync(fs.host(name, false), fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW, 0o600);
    try {
      writeSync(fd, body);
    } finally {
      closeSync(fd);
    }
    return name;
  }

  return {
    async run(nevra, kind, s, args, opts = {}) {
      const prog = s.prog.join(' ');
      const base = { nevra, kind, prog, ...(opts.source ? { source: opts.source } : {}) };
      if (s.prog[0] === '<lua>') {
        const r = (await luaRuntime()).run(s.body, ['<lua>', ...args], `${kind}(${nevra})`);
        return { ...base, ok: r.ok, exitCode: r.ok ? 0 : 1, output: clip(r.output) };
      }
      let temp: string | undefined;
      try {
        temp = s.body.trim() ? writeTemp(s.body) : undefined;
        const argv = [...s.prog, ...(temp ? [temp] : []), ...args.map(String)];
        const inSession = async (): Promise<SandboxResult> => {
          const sess = await openSession();
          return sess
            ? await sess.run({ argv, input: opts.stdin, timeoutMs: o.timeoutMs, signal: o.signal })
            : await runInSandbox({ root: o.root, argv, input: opts.stdin, timeoutMs: o.timeoutMs, signal: o.signal });
        };
        // The session ended under the previous script (it rebooted the pid namespace): this
        // one never started, so it runs once more, in a new session.
        const r = await inSession().catch((e: { code?: string }) => {
          if (e?.code !== SESSION_ENDED) throw e;
          [session, opening] = [undefined, undefined];
          return inSession();
        });
        return { ...base, ok: r.code === 0, exitCode: r.code, output: clip(r.stdout + r.stderr) };
      } catch (e) {
        return { ...base, ok: false, exitCode: -1, output: (e as Error).message };
      } finally {
        if (temp) {
          try {
            unlinkSync(fs.host(temp, false));
          } catch (e) {
            // The script may have removed /var/tmp itself; nothing left to clean then.
            if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
          }
        }
      }
    },
    async close() {
      lua?.close();
      lua = undefined;
      await (await opening)?.close();
    },
  };
}

function clip(s: string): string {
  return s.length > MAX_OUTPUT ? `${s.slice(0, MAX_OUTPUT)}\n[... ${s.length - MAX_OUTPUT} more bytes]` : s;
}
