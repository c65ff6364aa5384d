#!/usr/bin/python3
"""Batch oracle for the resolver tests: the same dnf configuration as
../shared/tools/dnf-resolve.py (empty installroot, best=True, excludes, weak deps), but
many requests against one loaded sack, so hundreds of comparisons take seconds.

stdin: JSON {"repos": {id: dir}, "arch": "x86_64", "releasever": "6", "weak": true,
             "exclude": [...], "best": true, "enable_modules": ["name:stream", ...], "requests": [[spec, ...], ...]}
stdout: JSON list, per request {"ok": true, "pkgs": [N-E:V-R.A, ...]} or {"ok": false, "error": "..."}
"""
import json, os, sys, tempfile
import dnf, dnf.conf, dnf.exceptions

a = json.load(sys.stdin)
# a fixed root keeps dnf's solv/metadata cache between runs (the benchmark's warm case)
root = a.get('root') or tempfile.mkdtemp(prefix='dnfbatch-')
os.makedirs(root, exist_ok=True)
base = dnf.Base()
c = base.conf
c.installroot = root
c.cachedir = os.path.join(root, 'cache')
c.persistdir = os.path.join(root, 'persist')
c.logdir = root
c.reposdir = []
c.gpgcheck = False
c.install_weak_deps = a.get('weak', True)
c.substitutions['releasever'] = a.get('releasever', '9')
c.substitutions['basearch'] = a.get('arch', 'x86_64')
c.arch = a.get('arch', 'x86_64')
c.exclude = a.get('exclude', [])
c.best = a.get('best', True)
if a.get('module_platform_id'):
    c.module_platform_id = a['module_platform_id']
c.assumeyes = True
for rid, d in a['repos'].items():
    base.repos.add_new_repo(rid, c, baseurl=['file://' + os.path.abspath(d)])
base.fill_sack(load_system_repo=False)
base.read_comps(arch_filter=True)
if a.get('enable_modules'):
    import dnf.module.module_base
    dnf.module.module_base.ModuleBase(base).enable(a['enable_modules'])
out = []
for specs in a['requests']:
    base.reset(goal=True)
    try:
        for s in specs:
            if s.startswith('@'):
                base.install_specs(['@' + s.lstrip('@^')])
            else:
                base.install(s)
        base.resolve()
        out.append({'ok': True, 'pkgs': sorted('%s-%s:%s-%s.%s' % (p.name, p.epoch or 0, p.version, p.release, p.arch)
                                               for p in base.transaction.install_set)})
    except Exception as e:  # dnf's own errors: no match, depsolve problems
        out.append({'ok': False, 'error': str(e)})
json.dump(out, sys.stdout)
