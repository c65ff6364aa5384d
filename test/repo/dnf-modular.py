#!/usr/bin/python3
"""Reference for modular filtering: which packages of a repo dnf (libdnf) hides.

usage: dnf-modular.py REPO_DIR PLATFORM [--enable M:S ...] [--disable M ...] [--default M:S ...]
Prints JSON {"hidden": [sorted N-E:V-R.A], "total": N}.
"""
import argparse, json, os, tempfile
import dnf, hawkey

p = argparse.ArgumentParser()
p.add_argument('repo')
p.add_argument('platform')
p.add_argument('--enable', action='append', default=[])
p.add_argument('--disable', action='append', default=[])
p.add_argument('--default', action='append', default=[])
a = p.parse_args()

root = tempfile.mkdtemp(prefix='dnfmod-')
os.makedirs(os.path.join(root, 'etc/dnf/modules.d'))
os.makedirs(os.path.join(root, 'etc/dnf/modules.defaults.d'))
for spec in a.enable:
    m, s = spec.split(':')
    with open(os.path.join(root, 'etc/dnf/modules.d', m + '.module'), 'w') as f:
        f.write('[%s]\nname=%s\nstream=%s\nprofiles=\nstate=enabled\n' % (m, m, s))
for m in a.disable:
    with open(os.path.join(root, 'etc/dnf/modules.d', m + '.module'), 'w') as f:
        f.write('[%s]\nname=%s\nstream=\nprofiles=\nstate=disabled\n' % (m, m))
for spec in a.default:
    m, s = spec.split(':')
    with open(os.path.join(root, 'etc/dnf/modules.defaults.d', m + '.yaml'), 'w') as f:
        f.write('---\ndocument: modulemd-defaults\nversion: 1\ndata:\n  module: %s\n  stream: "%s"\n  profiles: {}\n...\n' % (m, s))

base = dnf.Base()
c = base.conf
c.installroot = root
c.cachedir = os.path.join(root, 'cache')
c.persistdir = os.path.join(root, 'persist')
c.logdir = root
c.reposdir = []
c.gpgcheck = False
c.module_platform_id = 'platform:' + a.platform
c.substitutions['releasever'] = '9'
base.repos.add_new_repo('r', c, baseurl=['file://' + os.path.abspath(a.repo)])
base.fill_sack(load_system_repo=False)
fmt = lambda x: '%s-%s:%s-%s.%s' % (x.name, x.epoch or 0, x.version, x.release, x.arch)
every = set(fmt(x) for x in base.sack.query(flags=hawkey.IGNORE_MODULAR_EXCLUDES).available())
visible = set(fmt(x) for x in base.sack.query().available())
print(json.dumps({'hidden': sorted(every - visible), 'total': len(every)}))
