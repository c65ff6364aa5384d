#!/usr/bin/python3
"""Peer for repo.bench.ts: dnf (libsolv) loading a repo's metadata into its sack.

usage: dnf-load.py REPO_DIR CACHE_DIR
First run on an empty CACHE_DIR is cold (librepo copies + libsolv parses primary, filelists,
comps, modules and writes .solv caches); a second run with the same CACHE_DIR is warm.
Prints JSON {ms, cpuMs, packages, rssMiB}; startup and imports are not timed.
"""
import json, os, resource, sys, time
import dnf

repo, cache = sys.argv[1], sys.argv[2]
base = dnf.Base()
c = base.conf
c.installroot = os.path.join(cache, 'root')
c.cachedir = os.path.join(cache, 'cache')
c.persistdir = os.path.join(cache, 'persist')
c.logdir = cache
c.reposdir = []
c.module_platform_id = 'platform:el9'
c.substitutions['releasever'] = '9'
base.repos.add_new_repo('bench', c, baseurl=['file://' + os.path.abspath(repo)])
t0 = time.perf_counter()
r0 = resource.getrusage(resource.RUSAGE_SELF)
base.fill_sack(load_system_repo=False)
base.read_comps()
n = len(base.sack.query(flags=__import__('hawkey').IGNORE_MODULAR_EXCLUDES).available())
r1 = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({'ms': (time.perf_counter() - t0) * 1000, 'cpuMs': (r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime) * 1000,
                  'packages': n, 'rssMiB': r1.ru_maxrss / 1024}))
