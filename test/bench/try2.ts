import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { StringDecoder } from 'node:string_decoder';
import { XmlScanner } from '../../builder/repo/xml-scanner.js';
import { primaryParser } from '../../builder/repo/primary.js';
const f = '../shared/fixtures/osbuild-osbuild/testrepos/appstream/repodata/c03bb2ebc33bbee3046da091b45d90717273a43d3641a9d84e6eede05637bc8a-primary.xml.gz';
let t = performance.now(); let c0 = process.cpuUsage();
const chunks: Buffer[] = [];
for await (const c of createReadStream(f).pipe(createGunzip({ chunkSize: 256 * 1024 }))) chunks.push(c);
console.log('gunzip', (performance.now() - t).toFixed(0), "cpu", (process.cpuUsage(c0).user/1000).toFixed(0), chunks.length);
t = performance.now(); c0 = process.cpuUsage();
const d = new StringDecoder('utf8'); const strs = chunks.map((c) => d.write(c));
console.log('decode', (performance.now() - t).toFixed(0), "cpu", (process.cpuUsage(c0).user/1000).toFixed(0));
for (let round = 0; round < 3; round++) {
t = performance.now(); c0 = process.cpuUsage();
let n = 0;
const s0 = new XmlScanner({ open() { n++; }, close() {} });
for (const s of strs) s0.write(s); s0.end();
console.log('scan only', (performance.now() - t).toFixed(0), "cpu", (process.cpuUsage(c0).user/1000).toFixed(0), n);
t = performance.now(); c0 = process.cpuUsage();
const p = primaryParser('x');
const s1 = new XmlScanner(p);
for (const s of strs) s1.write(s); s1.end();
console.log('scan+primary', (performance.now() - t).toFixed(0), "cpu", (process.cpuUsage(c0).user/1000).toFixed(0), p.packages.length);
}
