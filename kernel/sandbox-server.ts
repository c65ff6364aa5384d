// The sandbox session's command server: one small host perl (perl-base, Essential on
// Debian; Perl on every RHEL-like host) started once per session, that enters the
// session's namespaces and root from fds it opens once, then forks each command from
// there: one fork of a ~5 MB process and one exec per command, instead of a fork of the
// ~200 MB Node process plus an nsenter exec and six setns calls.
//
// Why it does not widen what a script can reach:
// - It joins the sandbox's mount, uts, ipc, net and cgroup namespaces and its root, but
//   stays in the host pid namespace, joining the sandbox's only for its children
//   (setns(CLONE_NEWPID) applies to children): nothing inside sees it, signals it or
//   ptraces it, nor opens /proc/PID/fd of its pipes to us. Each command is born already
//   inside everything (as nsenter forks after its setns calls), so it is never a process
//   in the sandbox's pid namespace that has the host's root.
// - The namespaces are pinned by fds opened before entering, checked against the
//   holder's namespace ids we read when the session started: a holder pid that died and
//   was reused by a host process is refused, and later deaths cannot redirect it.
// - After entering, the files it sees are the sandbox's: @INC is emptied once everything
//   it uses is loaded, so nothing of the root is ever loaded into it.
// - It never writes or reads a path: argv, env and stdin come over its stdin, output and
//   exit status go back over its stdout, framed (no shell, no re-parsing: argv exact).
// - It kills a command (timeout, abort) by process group before reaping it, so the pid
//   can't have been reused; strays in other groups are the session's reap().
// - Every command runs without CAP_SYS_PTRACE (dropped from its bounding set before exec,
//   so root regains it through no exec): the session's holder (the pid namespace's init)
//   keeps every capability, and the kernel lets a process ptrace, or open /proc/PID/mem
//   of, only a process whose capabilities are a subset of its own. Without that, a script
//   could inject code into the holder, the one process inside the session never kills,
//   and keep it running while the host writes the tree between scriptlets.
//
// "once" mode is the same entry for one command whose caller waits synchronously (rpm's
// Lua rpm.execute and posix.exec): it checks the namespaces itself, forks the command,
// and exits with its status (signals as 128+N); stdio are the caller's.
import { spawn, type ChildProcess } from 'node:child_process';
import { HostCommandError, HostError } from './errors.js';
import type { SandboxResult } from './sandbox.js';

/** setns(2) and prctl(2) by machine; elsewhere there is no server. */
const SETNS: Partial<Record<string, number>> = { x64: 308, arm64: 268, riscv64: 268, ppc64: 350, s390x: 339 };
const PRCTL: Partial<Record<string, number>> = { x64: 157, arm64: 167, riscv64: 167, ppc64: 171, s390x: 172 };

// Frames both ways: type (1 byte), id (u32 BE), length (u32 BE), payload.
// To the server: R run (u32-length argv NUL-joined, u32-length env NUL-joined, stdin), K kill.
// From it: H hello (namespace inodes), O/E stdout/stderr bytes, X exit (u32 code, signals
// as 128+N), F failed to start (message).
export const SERVER_SCRIPT = String.raw`
use strict;
use POSIX ();
use Fcntl qw(F_GETFL F_SETFL O_NONBLOCK);
use Errno qw(EINTR EAGAIN ENOENT);
use Carp ();
my ($holder, $SETNS, $PRCTL, $NAMESPACES, $MODE, $EXPECT, @CMD) = @ARGV;
@INC = ();
$SIG{PIPE} = 'IGNORE';
binmode $_ for *STDIN, *STDOUT, *STDERR;
sub fatal { syswrite STDERR, "vzbuild sandbox server: $_[0]: $!\n"; POSIX::_exit(70) }
sub put {
  my $f = pack('a N N', $_[0], $_[1], length $_[2]) . $_[2];
  while (length $f) {
    my $n = syswrite STDOUT, $f;
    if (!defined $n) { next if $! == EINTR; POSIX::_exit(0) }
    substr($f, 0, $n, '');
  }
}
sub nonblock { fcntl($_[0], F_SETFL, fcntl($_[0], F_GETFL, 0) | O_NONBLOCK) or fatal('fcntl') }
my (@ns, @ino);
for my $n (split / /, $NAMESPACES) {
  open(my $fh, '<', "/proc/$holder/ns/$n") or fatal("/proc/$holder/ns/$n");
  push @ns, $fh;
  push @ino, "$n:" . (stat $fh)[1];
}
open(my $root, '<', "/proc/$holder/root/") or fatal("/proc/$holder/root");
if ($MODE eq 'once' && join(' ', sort @ino) ne $EXPECT) { syswrite STDERR, "vzbuild sandbox: pid $holder is no longer the session's holder\n"; POSIX::_exit(125) }
for my $fh (@ns) { syscall($SETNS + 0, fileno($fh) + 0, 0) == 0 or fatal('setns') }
chdir($root) && chroot('.') && chdir('/') or fatal('chroot');
close $_ for @ns, $root;
# PR_CAPBSET_DROP (24) of CAP_SYS_PTRACE (19), in a command's process before its exec.
sub noptrace { syscall($PRCTL + 0, 24, 19, 0, 0, 0) == 0 or do { syswrite STDERR, "vzbuild sandbox: cannot drop CAP_SYS_PTRACE: $!\n"; POSIX::_exit(126) } }
sub run_cmd {
  my $err = 0;
  { exec { $_[0] } @_; }
  $err = $! + 0;
  syswrite STDERR, "$_[0]: cannot execute: $!\n";
  POSIX::_exit($err == ENOENT ? 127 : 126);
}
if ($MODE eq 'once') {
  my $pid = fork;
  fatal('fork') unless defined $pid;
  if (!$pid) { $SIG{PIPE} = 'DEFAULT'; POSIX::setsid(); noptrace(); run_cmd(@CMD) }
  waitpid($pid, 0) == $pid or fatal('waitpid');
  POSIX::_exit(($? & 127) ? 128 + ($? & 127) : $? >> 8);
}
pipe(my $sigr, my $sigw) or fatal('pipe');
nonblock($_) for $sigr, $sigw;
$SIG{CHLD} = sub { syswrite $sigw, 'c' };
put('H', 0, join(' ', @ino));

my ($rbuf, $cur) = ('', undef);
sub start {
  my ($id, $p) = @_;
  my ($a, $e, $input) = unpack('N/a* N/a* a*', $p);
  my @argv = split /\0/, $a, -1;
  my @env = split /\0/, $e, -1;
  my ($in_r, $in_w, $out_r, $out_w, $err_r, $err_w);
  pipe($in_r, $in_w) && pipe($out_r, $out_w) && pipe($err_r, $err_w) or return put('F', $id, "pipe: $!");
  my $pid = fork;
  return put('F', $id, "fork: $!") unless defined $pid;
  if (!$pid) {
    $SIG{CHLD} = $SIG{PIPE} = 'DEFAULT';
    POSIX::dup2(fileno $in_r, 0); POSIX::dup2(fileno $out_w, 1); POSIX::dup2(fileno $err_w, 2);
    POSIX::setsid();
    noptrace();
    %ENV = map { split /=/, $_, 2 } @env;
    run_cmd(@argv);
  }
  close $in_r; close $out_w; close $err_w;
  nonblock($_) for $in_w, $out_r, $err_r;
  $cur = { id => $id, pid => $pid, in => $in_w, input => $input, O => $out_r, E => $err_r };
  if (!length $input) { close $in_w; $cur->{in} = undef }
}
# One read (or, once the command has exited, what the pipe holds: bounded, as something
# it left running may still be writing) to the host.
sub pump {
  my ($k, $all) = @_;
  my $left = 16 << 20;
  while ($cur->{$k}) {
    my $n = sysread $cur->{$k}, my $buf, 65536;
    if ($n) { put($k, $cur->{id}, $buf); return unless $all; next if ($left -= $n) > 0 }
    next if !defined $n && $! == EINTR;
    return if !defined $n && $! == EAGAIN && !$all;
    close $cur->{$k}; $cur->{$k} = undef;
  }
}
# The command has exited: what it wrote is in its pipes; what it left running writes no
# more (the session kills it), as rpm stops at waitpid() of the scriptlet.
sub finish {
  my $s = $_[0];
  pump($_, 1) for 'O', 'E';
  close $cur->{in} if $cur->{in};
  put('X', $cur->{id}, pack('N', ($s & 127) ? 128 + ($s & 127) : $s >> 8));
  $cur = undef;
}
# Kill the command's process group (and it, in case it has not made its group yet); it
# is not reaped before the select loop sees it exit, so its pid is still its own.
sub stop { kill 'KILL', -$cur->{pid}, $cur->{pid} }
while (1) {
  my ($rin, $win) = ('', '');
  vec($rin, 0, 1) = 1;
  vec($rin, fileno $sigr, 1) = 1;
  if ($cur) {
    vec($rin, fileno $cur->{$_}, 1) = 1 for grep { $cur->{$_} } 'O', 'E';
    vec($win, fileno $cur->{in}, 1) = 1 if $cur->{in};
  }
  my $n = select(my $rout = $rin, my $wout = $win, undef, undef);
  if ($n < 0) { next if $! == EINTR; fatal('select') }
  if (vec($rout, fileno $sigr, 1)) {
    1 while sysread $sigr, my $x, 64;
    while ((my $p = waitpid(-1, POSIX::WNOHANG())) > 0) { finish($?) if $cur && $p == $cur->{pid} }
  }
  next unless $n;
  if ($cur) {
    for my $k ('O', 'E') { pump($k, 0) if $cur->{$k} && vec($rout, fileno $cur->{$k}, 1) }
    if ($cur->{in} && vec($wout, fileno $cur->{in}, 1)) {
      my $w = syswrite $cur->{in}, $cur->{input};
      substr($cur->{input}, 0, $w, '') if $w;
      if ((!defined $w && $! != EAGAIN && $! != EINTR) || !length $cur->{input}) { close $cur->{in}; $cur->{in} = undef }
    }
  }
  if (vec($rout, 0, 1)) {
    my $r = sysread STDIN, $rbuf, 65536, length $rbuf;
    next if !defined $r && $! == EINTR;
    if (!$r) { stop() if $cur; POSIX::_exit(0) }
    while (length $rbuf >= 9) {
      my ($t, $id, $len) = unpack('a N N', $rbuf);
      last if length $rbuf < 9 + $len;
      my $p = substr($rbuf, 9, $len);
      substr($rbuf, 0, 9 + $len, '');
      if ($t eq 'R') { $cur ? put('F', $id, 'busy') : start($id, $p) }
      elsif ($t eq 'K' && $cur && $cur->{id} == $id) { stop() }
    }
  }
}
`;

export interface ServerRun {
  argv: readonly string[];
  env: Record<string, string>;
  input?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
  maxOutput: number;
}

export interface CommandServer {
  /** False once the server is gone (closed, or it could not fork into the sandbox any more). */
  alive(): boolean;
  /** Run one command; one at a time (the session queues). */
  run(r: ServerRun): Promise<SandboxResult>;
  close(): void;
}

interface Pending {
  id: number;
  out: Buffer[];
  err: Buffer[];
  outLen: number;
  errLen: number;
  max: number;
  done: (e: Error | undefined, code?: number) => void;
}

export function encodeRequest(id: number, r: Pick<ServerRun, 'argv' | 'env' | 'input'>): Buffer {
  if (r.argv.length === 0) throw new TypeError('sandbox server: empty argv');
  const bad = [...r.argv, ...Object.entries(r.env).flat()].find((s) => s.includes('\0'));
  if (bad !== undefined) throw new HostError('E_SANDBOX', `sandbox: an argument or environment entry holds a NUL byte: ${JSON.stringify(bad)}`);
  const badKey = Object.keys(r.env).find((k) => k === '' || k.includes('='));
  if (badKey !== undefined) throw new HostError('E_SANDBOX', `sandbox: invalid environment name ${JSON.stringify(badKey)}`);
  const field = (s: string | Buffer) => {
    const b = typeof s === 'string' ? Buffer.from(s, 'utf8') : s;
    const n = Buffer.alloc(4);
    n.writeUInt32BE(b.length);
    return [n, b];
  };
  const body = Buffer.concat([
    ...field(r.argv.join('\0')),
    ...field(Object.entries(r.env).map(([k, v]) => `${k}=${v}`).join('\0')),
    Buffer.from(r.input ?? '', 'utf8'),
  ]);
  return frame('R', id, body);
}

function frame(type: string, id: number, body: Buffer = Buffer.alloc(0)): Buffer {
  const h = Buffer.alloc(9);
  h.write(type, 0, 'latin1');
  h.writeUInt32BE(id, 1);
  h.writeUInt32BE(body.length, 5);
  return Buffer.concat([h, body]);
}

/**
 * The error code of a command that did not start because its session is over (the
 * namespace ended under it): nothing of it ran, so a caller may run it in a new session.
 */
export const SESSION_ENDED = 'E_SANDBOX_ENDED';

/** The namespaces the server joins, as named under /proc/PID/ns (user: we run as root in the host's). */
export const SERVER_NAMESPACES = ['cgroup', 'ipc', 'uts', 'net', 'pid', 'mnt'] as const;
export type NamespaceLinks = Record<(typeof SERVER_NAMESPACES)[number], string>;

/** `pid:[4026532…]` links as the server reports them: "pid:4026532…", sorted, space-separated. */
function nsIds(ns: NamespaceLinks): string {
  return SERVER_NAMESPACES.map((n) => ns[n].replace(/^(\w+):\[(\d+)\]$/, '$1:$2')).sort().join(' ');
}

/**
 * The server's argv: `serve` (the command server) or `once` (enter, run argv to its end,
 * exit with its status). Throws where the machine's syscall numbers are unknown.
 */
export function serverArgv(perl: string, holder: number, mode: 'serve' | 'once', ns: NamespaceLinks, argv: readonly string[] = []): string[] {
  const setns = SETNS[process.arch];
  const prctl = PRCTL[process.arch];
  if (setns === undefined || prctl === undefined) throw new HostError('E_SANDBOX', `no setns(2)/prctl(2) numbers known for ${process.arch}`);
  if (mode === 'once' && !argv.length) throw new HostError('E_SANDBOX', 'sandbox: empty argv');
  return [perl, '-e', SERVER_SCRIPT, String(holder), String(setns), String(prctl), SERVER_NAMESPACES.join(' '), mode, nsIds(ns), ...argv];
}

/**
 * Start the server for the session whose holder is `holder`; `ns` are the holder's
 * namespace links read when the session started (`pid:[4026532…]`, one per
 * SERVER_NAMESPACES). Resolves once it is inside those very namespaces; rejects when it
 * can't be (no perl, an unknown machine, setns refused, the holder gone).
 */
export function startCommandServer(holder: number, ns: NamespaceLinks, hostEnv: NodeJS.ProcessEnv, perl = 'perl'): Promise<CommandServer> {
  let argv: string[];
  try {
    argv = serverArgv(perl, holder, 'serve', ns);
  } catch (e) {
    return Promise.reject(e);
  }
  const child: ChildProcess = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], env: hostEnv });
  let ended = false;
  let nextId = 1;
  let pending: Pending | undefined;
  let buf: Buffer = Buffer.alloc(0);
  let errText = '';
  let hello: ((ids: string) => void) | undefined;
  child.stderr?.on('data', (b: Buffer) => void (errText = (errText + b.toString('utf8')).slice(-4000)));
  child.stdin?.on('error', () => {
    // EPIPE once the server is gone; 'close' reports that.
  });
  const gone = new Promise<Error>((resolve) => {
    const end = (e: Error) => {
      ended = true;
      pending?.done(e);
      pending = undefined;
      resolve(e);
    };
    child.once('error', (e) => end(new HostError('E_SANDBOX', `sandbox command server: ${e.message}`, { cause: e })));
    child.once('close', (code, sig) => end(new HostError('E_SANDBOX', `the sandbox command server ended (${sig ?? `exit ${code}`})${errText ? `: ${errText.trim()}` : ''}`)));
  });

  child.stdout?.on('data', (chunk: Buffer) => {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    while (buf.length >= 9) {
      const len = buf.readUInt32BE(5);
      if (buf.length < 9 + len) break;
      const type = String.fromCharCode(buf[0]);
      const id = buf.readUInt32BE(1);
      const body = buf.subarray(9, 9 + len);
      buf = buf.subarray(9 + len);
      if (type === 'H') hello?.(body.toString('latin1'));
      const p = pending;
      if (!p || p.id !== id) continue;
      if (type === 'O' || type === 'E') {
        const o = type === 'O';
        if ((o ? p.outLen : p.errLen) < p.max) (o ? p.out : p.err).push(Buffer.from(body));
        if (o) p.outLen += body.length;
        else p.errLen += body.length;
      } else if (type === 'X') p.done(undefined, body.readUInt32BE(0));
      else if (type === 'F') {
        // It can't fork into the sandbox any more (its pid namespace ended: the holder was
        // killed), or a pipe failed: this server is done.
        p.done(new HostError(SESSION_ENDED, `the sandbox session has ended (${body.toString('utf8')})`));
        child.kill('SIGKILL');
      }
    }
  });

  const server: CommandServer = {
    alive: () => !ended,
    run(r) {
      if (ended) return Promise.reject(new HostError(SESSION_ENDED, 'the sandbox command server has ended'));
      if (pending) return Promise.reject(new Error('sandbox command server: one command at a time'));
      if (r.signal?.aborted) return Promise.reject(r.signal.reason ?? new Error('aborted'));
      const id = nextId++;
      const req = encodeRequest(id, r);
      return new Promise<SandboxResult>((resolve, reject) => {
        let why: string | undefined;
        const kill = (reason: string) => {
          if (why) return;
          why = reason;
          child.stdin?.write(frame('K', id));
        };
        const timer = r.timeoutMs ? setTimeout(() => kill(`timeout ${r.timeoutMs} ms`), r.timeoutMs) : undefined;
        const onAbort = () => kill('aborted');
        r.signal?.addEventListener('abort', onAbort, { once: true });
        pending = {
          id,
          out: [],
          err: [],
          outLen: 0,
          errLen: 0,
          max: r.maxOutput,
          done: (e, code) => {
            const p = pending!;
            pending = undefined;
            clearTimeout(timer);
            r.signal?.removeEventListener('abort', onAbort);
            if (e) return reject(e);
            const stdout = Buffer.concat(p.out).toString('utf8');
            const stderr = Buffer.concat(p.err).toString('utf8');
            if (why === 'aborted') return reject(r.signal?.reason ?? new Error('aborted'));
            if (why) return reject(new HostCommandError(r.argv, null, `SIGKILL (${why})`, stderr || stdout));
            resolve({ code: code!, stdout, stderr });
          },
        };
        child.stdin?.write(req);
      });
    },
    close() {
      if (ended) return;
      child.stdin?.end(); // EOF: it kills what runs and exits
    },
  };

  return new Promise<CommandServer>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new HostError('E_SANDBOX', 'the sandbox command server did not start within 10 s'));
    }, 10_000);
    hello = (ids) => {
      clearTimeout(timer);
      // What it opened must be what the holder had when the session started: a holder
      // that died and whose pid a host process got would show the host's namespaces.
      const got = ids.split(' ').sort().join(' ');
      if (got !== nsIds(ns)) {
        child.kill('SIGKILL');
        return reject(new HostError('E_SANDBOX', `the sandbox's holder (pid ${holder}) is no longer the process the session started`));
      }
      resolve(server);
    };
    void gone.then((e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}
