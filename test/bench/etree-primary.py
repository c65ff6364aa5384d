#!/usr/bin/python3
"""Peer for repo.bench.ts: Python's ElementTree (C accelerated) streaming over primary.xml.gz,
collecting NEVRA and the dependency names of each package. usage: etree-primary.py FILE"""
import gzip, json, resource, sys, time
import xml.etree.ElementTree as ET
C = '{http://linux.duke.edu/metadata/common}'
t0 = time.perf_counter()
out = []
with gzip.open(sys.argv[1], 'rb') as f:
    for ev, el in ET.iterparse(f):
        if el.tag == C + 'package':
            v = el.find(C + 'version')
            out.append((el.findtext(C + 'name'), v.get('epoch'), v.get('ver'), v.get('rel'), el.findtext(C + 'arch'),
                        [e.attrib for e in el.iter('{http://linux.duke.edu/metadata/rpm}entry')]))
            el.clear()
print(json.dumps({'ms': (time.perf_counter() - t0) * 1000, 'packages': len(out), 'rssMiB': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
