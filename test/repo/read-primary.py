#!/usr/bin/python3
"""Independent reader for the repo tests: primary.xml(.gz) via Python's ElementTree.

usage: read-primary.py PRIMARY_XML_GZ [EVERY_NTH]
Prints JSON: {"count": N, "packages": [...every Nth package...]} with NEVRA, checksum,
location, sizes, files and the eight dependency lists in the shape of RepoPackage.
"""
import gzip, json, sys
import xml.etree.ElementTree as ET

C = '{http://linux.duke.edu/metadata/common}'
R = '{http://linux.duke.edu/metadata/rpm}'
ALGO = {'sha': 'sha1', 'sha1': 'sha1', 'sha256': 'sha256', 'sha512': 'sha512'}
KINDS = ['provides', 'requires', 'conflicts', 'obsoletes', 'recommends', 'suggests', 'supplements', 'enhances']

path = sys.argv[1]
every = int(sys.argv[2]) if len(sys.argv) > 2 else 1
opener = gzip.open if path.endswith('.gz') else open
out = []
count = 0
with opener(path, 'rb') as f:
    for ev, el in ET.iterparse(f, events=('end',)):
        if el.tag != C + 'package':
            continue
        if count % every == 0:
            v = el.find(C + 'version')
            ck = el.find(C + 'checksum')
            loc = el.find(C + 'location')
            size = el.find(C + 'size')
            fmt = el.find(C + 'format')
            p = {
                'name': el.findtext(C + 'name'), 'epoch': int(v.get('epoch') or 0), 'version': v.get('ver'),
                'release': v.get('rel'), 'arch': el.findtext(C + 'arch'),
                'checksum': ALGO[ck.get('type')] + ':' + ck.text.strip(), 'location': loc.get('href'),
                'sizePackage': int(size.get('package')), 'sizeInstalled': int(size.get('installed')),
                'sourcerpm': fmt.findtext(R + 'sourcerpm') or None,
                'files': [x.text for x in fmt.findall(C + 'file')],
            }
            for k in KINDS:
                deps = []
                node = fmt.find(R + k)
                for e in (node if node is not None else []):
                    d = {'name': e.get('name')}
                    if e.get('flags'):
                        d['sense'] = e.get('flags')
                        evr = {'epoch': int(e.get('epoch') or 0), 'version': e.get('ver') or ''}
                        if e.get('rel') is not None:
                            evr['release'] = e.get('rel')
                        d['evr'] = evr
                    if e.get('pre') in ('1', 'true'):
                        d['pre'] = True
                    deps.append(d)
                p[k] = deps
            out.append(p)
        count += 1
        el.clear()
json.dump({'count': count, 'packages': out}, sys.stdout)
