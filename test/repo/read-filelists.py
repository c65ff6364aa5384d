#!/usr/bin/python3
"""Independent filelists reader for the repo tests (ElementTree).

usage: read-filelists.py FILELISTS_XML_GZ PATH...
Prints JSON {"count": packages, "files": total file entries, "owners": {path: [sorted pkgid...]}}.
"""
import gzip, json, sys
import xml.etree.ElementTree as ET

F = '{http://linux.duke.edu/metadata/filelists}'
wanted = set(sys.argv[2:])
owners = {p: [] for p in wanted}
count = files = 0
with gzip.open(sys.argv[1], 'rb') as f:
    for ev, el in ET.iterparse(f, events=('end',)):
        if el.tag != F + 'package':
            continue
        count += 1
        for x in el.findall(F + 'file'):
            files += 1
            if x.text in wanted:
                owners[x.text].append(el.get('pkgid'))
        el.clear()
print(json.dumps({'count': count, 'files': files, 'owners': {k: sorted(v) for k, v in owners.items()}}))
