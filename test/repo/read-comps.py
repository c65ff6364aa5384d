#!/usr/bin/python3
"""Independent comps reader for the repo tests: libcomps (what dnf uses).

usage: read-comps.py FILE(.xml|.gz|.xz)   -> JSON in the shape of builder/repo Comps
"""
import gzip, json, lzma, sys
import libcomps

path = sys.argv[1]
raw = open(path, 'rb').read()
if path.endswith('.gz'):
    raw = gzip.decompress(raw)
elif path.endswith('.xz'):
    raw = lzma.decompress(raw)
c = libcomps.Comps()
c.fromxml_str(raw.decode('utf-8'))
TYPES = {libcomps.PACKAGE_TYPE_MANDATORY: 'mandatory', libcomps.PACKAGE_TYPE_DEFAULT: 'default',
         libcomps.PACKAGE_TYPE_OPTIONAL: 'optional', libcomps.PACKAGE_TYPE_CONDITIONAL: 'conditional'}

def opt(d, k, v):
    if v not in (None, ''):
        d[k] = v
    return d

out = {'groups': [], 'environments': [], 'categories': []}
for g in c.groups:
    d = {'id': g.id, 'name': g.name or '', 'default': bool(g.default), 'uservisible': bool(g.uservisible), 'packages': []}
    opt(d, 'description', g.desc)
    opt(d, 'displayOrder', g.display_order)
    for p in g.packages:
        pd = {'name': p.name, 'type': TYPES.get(p.type, 'unknown')}
        opt(pd, 'requires', p.requires)
        if p.basearchonly:
            pd['basearchonly'] = True
        d['packages'].append(pd)
    out['groups'].append(d)
for e in c.environments:
    d = {'id': e.id, 'name': e.name or '', 'groups': [x.name for x in e.group_ids], 'options': [{'id': x.name, 'default': bool(x.default)} for x in e.option_ids]}
    opt(d, 'description', e.desc)
    opt(d, 'displayOrder', e.display_order)
    out['environments'].append(d)
for k in c.categories:
    d = {'id': k.id, 'name': k.name or '', 'groups': [x.name for x in k.group_ids]}
    opt(d, 'description', k.desc)
    opt(d, 'displayOrder', k.display_order)
    out['categories'].append(d)
json.dump(out, sys.stdout)
