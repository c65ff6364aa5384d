// The demo's embedded default: a tiny but real usrmove-era RPM distribution ("vzdemo"),
// written with our own RPM writer, so `vzbuild demo` needs no network and no fixtures.
// It exercises what real distros do: filesystem makes /bin -> usr/bin in a lua %pretrans,
// busybox provides /bin/sh and an init, scriptlets (sh and lua) run in the root, a file
// dependency, a weak dependency (Recommends) and a package that is excluded by the recipe.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FileDesc, RpmDescription } from '../rpm/writer.js';

export const DEMO_RELEASE = '1';
const REL = '1.vz1';

/** busybox applets linked into the demo userland (enough for init, a shell and ps). */
const APPLETS: Record<string, string[]> = {
  '/usr/bin': ['sh', 'ash', 'ls', 'cat', 'echo', 'ps', 'hostname', 'sleep', 'uname', 'id', 'mkdir', 'rm', 'cp', 'mv', 'ln', 'grep', 'sed', 'awk', 'head', 'tail', 'wc', 'touch', 'chmod', 'date', 'env', 'true', 'false', 'test', 'readlink', 'stat', 'free', 'df', 'mount', 'umount', 'kill', 'pidof', 'top', 'vi', 'tar', 'sort', 'uniq', 'find', 'xargs', 'tr', 'cut', 'seq', 'printf', 'whoami'],
  '/usr/sbin': ['init', 'halt', 'poweroff', 'reboot', 'ip', 'ifconfig', 'route', 'syslogd', 'getty'],
};

const USRMOVE: [string, string][] = [
  ['/bin', 'usr/bin'],
  ['/sbin', 'usr/sbin'],
  ['/lib', 'usr/lib'],
  ['/lib64', 'usr/lib64'],
];

// As the real filesystem package: make the usrmove links before anything is unpacked, or an
// early package shipping /lib64/... would create a real directory there.
const FILESYSTEM_PRETRANS = `
local links = { ${USRMOVE.map(([l, t]) => `["${l}"] = "${t}"`).join(', ')} }
posix.mkdir("/usr")
for _, d in ipairs({"/usr/bin", "/usr/sbin", "/usr/lib", "/usr/lib64"}) do posix.mkdir(d) end
for link, target in pairs(links) do
  if posix.stat(link) == nil then
    assert(posix.symlink(target, link))
  end
end
`;

function dir(path: string, mode = 0o755): FileDesc {
  return { path, type: 'dir', mode };
}

/** Package descriptions of the demo distribution (busybox comes from the host). */
export async function demoPackages(busyboxPath = '/bin/busybox'): Promise<RpmDescription[]> {
  const busybox = await readFile(busyboxPath);
  const fsDirs = ['/', '/usr', '/usr/bin', '/usr/sbin', '/usr/lib', '/usr/lib64', '/usr/share', '/etc', '/var', '/var/lib', '/var/log', '/var/cache', '/run', '/home', '/opt', '/srv', '/mnt', '/media', '/dev', '/proc', '/sys'];
  return [
    {
      name: 'filesystem',
      version: '3.18',
      release: REL,
      arch: 'x86_64',
      summary: 'The basic directory layout',
      license: 'Public Domain',
      files: [
        ...fsDirs.map((d) => dir(d, d === '/proc' || d === '/sys' ? 0o555 : 0o755)),
        dir('/root', 0o550),
        dir('/tmp', 0o1777),
        dir('/var/tmp', 0o1777),
        ...USRMOVE.map(([l, t]): FileDesc => ({ path: l, type: 'symlink', target: t })),
      ],
      scripts: { pretrans: { body: FILESYSTEM_PRETRANS, interpreter: ['<lua>'] } },
    },
    {
      name: 'setup',
      version: '2.14',
      release: REL,
      arch: 'noarch',
      summary: 'System configuration files',
      license: 'Public Domain',
      requires: ['filesystem'],
      files: [
        { path: '/etc/passwd', content: 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:Kernel Overflow User:/:/sbin/nologin\n', config: true, noreplace: true },
        { path: '/etc/group', content: 'root:x:0:\nnobody:x:65534:\n', config: true, noreplace: true },
        { path: '/etc/shadow', content: 'root:*::0:99999:7:::\nnobody:*:::::::\n', mode: 0o000, config: true, noreplace: true },
        { path: '/etc/hosts', content: '127.0.0.1   localhost localhost.localdomain\n::1         localhost localhost.localdomain\n', config: true, noreplace: true },
        { path: '/etc/profile', content: 'export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin\nexport PS1="[\\u@\\h \\W]\\$ "\n', config: true, noreplace: true },
        { path: '/etc/shells', content: '/bin/sh\n/usr/bin/sh\n', config: true, noreplace: true },
      ],
    },
    {
      name: 'busybox',
      epoch: 1,
      version: '1.35.0',
      release: REL,
      arch: 'x86_64',
      summary: 'Statically linked binary providing simplified versions of system commands',
      license: 'GPL-2.0-only',
      requires: ['filesystem'],
      provides: ['/bin/sh', 'initscripts'],
      files: [
        { path: '/usr/sbin/busybox', content: busybox, mode: 0o755 },
        ...Object.entries(APPLETS).flatMap(([d, names]) =>
          names.map((n): FileDesc => ({ path: `${d}/${n}`, type: 'symlink', target: d === '/usr/sbin' ? 'busybox' : '../sbin/busybox' })),
        ),
      ],
    },
    {
      name: 'vzdemo-release',
      version: DEMO_RELEASE,
      release: REL,
      arch: 'noarch',
      summary: 'vzdemo release files',
      license: 'MIT',
      requires: ['setup'],
      provides: ['system-release', `system-release(${DEMO_RELEASE})`],
      files: [
        { path: '/etc/os-release', content: `NAME="vzdemo"\nID=vzdemo\nVERSION_ID=${DEMO_RELEASE}\nPRETTY_NAME="vzdemo ${DEMO_RELEASE} (built by vzbuild)"\n`, config: true, noreplace: true },
        { path: '/etc/system-release', content: `vzdemo release ${DEMO_RELEASE}\n` },
      ],
      // Lua %post: rpm's built-in interpreter, as glibc and filesystem use.
      scripts: { post: { interpreter: ['<lua>'], body: 'posix.mkdir("/var/lib/vzdemo")\nlocal f = io.open("/var/lib/vzdemo/release-post", "w")\nf:write("lua %post ran, arg[2]=" .. arg[2] .. "\\n")\nf:close()\n' } },
    },
    {
      name: 'vzdemo-init',
      version: '1.0',
      release: REL,
      arch: 'noarch',
      summary: 'A busybox init configuration for containers',
      license: 'MIT',
      requires: ['busybox', { name: '/bin/sh', pre: ['post'] }],
      recommends: ['vzdemo-motd'],
      files: [
        { path: '/etc/inittab', content: '::sysinit:/etc/rc.sysinit\n::respawn:/usr/bin/sleep 3600\n::ctrlaltdel:/usr/sbin/reboot\n::shutdown:/usr/bin/echo shutting down\n', config: true, noreplace: true },
        { path: '/etc/rc.sysinit', content: '#!/bin/sh\nmkdir -p /run/vzdemo\necho "booted $(hostname)" > /run/vzdemo/booted\n', mode: 0o755 },
        dir('/var/lib/vzdemo'),
      ],
      scripts: { post: { body: 'echo "sh %post ran with $1" > /var/lib/vzdemo/init-post\n' } },
    },
    {
      name: 'vzdemo-motd',
      version: '1.0',
      release: REL,
      arch: 'noarch',
      summary: 'A greeting, pulled in as a weak dependency',
      license: 'MIT',
      files: [{ path: '/etc/motd', content: 'Welcome to a vzbuild demo container.\n', config: true, noreplace: true }],
    },
    {
      name: 'vzdemo-hello',
      version: '1.0',
      release: REL,
      arch: 'noarch',
      summary: 'Says hello from inside the container',
      license: 'MIT',
      requires: ['/bin/sh', 'vzdemo-release'],
      files: [{ path: '/usr/bin/vz-hello', mode: 0o755, content: '#!/bin/sh\n. /etc/os-release\necho "hello from $(hostname), $PRETTY_NAME, pid $$ in a tree of $(ls -d /proc/[0-9]* | wc -l) processes"\n' }],
    },
    {
      // Present in the repo, kept out by the recipe's exclude: proves excludes apply.
      name: 'vzdemo-kernel',
      version: '6.1',
      release: REL,
      arch: 'x86_64',
      summary: 'Containers share the host kernel; templates exclude this',
      license: 'GPL-2.0-only',
      files: [{ path: '/boot/vmlinuz-demo', content: 'not a kernel\n' }],
    },
  ];
}

/** The demo recipe (YAML text) for a repo at `repoDir`. */
export function demoRecipe(repoDir: string): string {
  return `# Generated by \`vzbuild demo\`: a minimal template of the embedded vzdemo distribution.
name: vzdemo-${DEMO_RELEASE}-x86_64-minimal
distro: { id: vzdemo, release: "${DEMO_RELEASE}", arch: x86_64 }
repos:
  - id: vzdemo
    baseurl: file://${repoDir}
    gpgcheck: false
packages: [filesystem, setup, vzdemo-init, vzdemo-hello, "/bin/sh"]
exclude: ["vzdemo-kernel*"]
weak_deps: true
rpmdb: sqlite
output: { formats: [tar.zst] }
`;
}

export function demoRepoDir(stateDir: string): string {
  return join(stateDir, 'demo', 'repo');
}
