// Test packages built with the real rpmbuild: every index rpm keeps gets something to
// index (files with repeated basenames, ghost files, rich and install-time requires,
// weak deps, triggers, file triggers, epochs, a package without files).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const SPECS: Record<string, string> = {
  alpha: `Name: alpha
Version: 1.0
Release: 1
Summary: alpha test
License: MIT
Group: System/Test
BuildArch: noarch
Requires: beta >= 1.0
Requires: beta < 3
Requires(pre): /bin/sh
Requires(post): coreutils
Requires(preun): grep
Requires: (gamma or delta)
Requires: (epsilon if zeta else eta)
Conflicts: (mu unless nu)
Recommends: rec1
Suggests: sug1
Supplements: (sup1 and sup2)
Enhances: enh1
Conflicts: bad < 2
Obsoletes: oldalpha < 1.0
Provides: alpha-virtual = 1.0
%description
alpha
%install
mkdir -p %{buildroot}/usr/share/alpha/a %{buildroot}/usr/share/alpha/b %{buildroot}/etc
echo a > %{buildroot}/usr/share/alpha/a/same
echo b > %{buildroot}/usr/share/alpha/b/same
echo c > %{buildroot}/etc/alpha.conf
ln -s a/same %{buildroot}/usr/share/alpha/link
%pre
echo pre
%post
echo post
%triggerin -- beta
echo trig
%triggerun -- beta
echo trig2
%transfiletriggerin -- /usr/lib
echo ftrig
%filetriggerin -- /usr/share/beta
echo ftrig2
%files
%config(noreplace) /etc/alpha.conf
/usr/share/alpha
%ghost /var/log/alpha.log
`,
  beta: `Name: beta
Epoch: 2
Version: 2.1
Release: 3.el9
Summary: beta test
License: MIT
%description
beta
%install
mkdir -p %{buildroot}/usr/bin
printf '#!/bin/sh\\necho beta\\n' > %{buildroot}/usr/bin/beta
chmod 755 %{buildroot}/usr/bin/beta
%files
/usr/bin/beta
`,
  emptypkg: `Name: emptypkg
Version: 0
Release: 0
Summary: no files
License: MIT
BuildArch: noarch
%description
empty
%files
`,
};

/** Build the packages into `dir`; returns their paths (alpha, beta, emptypkg). */
export function buildTestRpms(dir: string): string[] {
  mkdirSync(join(dir, 'SPECS'), { recursive: true });
  for (const [name, spec] of Object.entries(SPECS)) {
    const file = join(dir, 'SPECS', `${name}.spec`);
    writeFileSync(file, spec);
    execFileSync('rpmbuild', ['--define', `_topdir ${dir}`, '--define', '_build_id_links none', '--quiet', '-bb', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  }
  const out: string[] = [];
  for (const arch of readdirSync(join(dir, 'RPMS'))) for (const f of readdirSync(join(dir, 'RPMS', arch))) out.push(join(dir, 'RPMS', arch, f));
  return out.sort();
}
