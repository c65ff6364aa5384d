// Worker thread for primary-parallel.ts: parses pieces of primary.xml (whole <package>
// elements) and answers each with the packages in the cache's binary form (transferred,
// not copied), which the main thread decodes and stores as they are. Each piece is parsed
// on its own; only the compiled code carries over from one to the next.
import { parentPort } from 'node:worker_threads';
import { packPackages } from './packages-codec.js';
import { primaryParser } from './primary.js';
import { XmlScanner } from './xml-scanner.js';

export interface PieceRequest {
  seq: number;
  bytes: Uint8Array;
  /** The piece starts the document (has the XML declaration and <metadata>). */
  first: boolean;
  /** The piece ends the document (has </metadata>). */
  last: boolean;
}

export type PieceResult = { seq: number; ok: true; encoded: Uint8Array; count: number; declared?: number } | { seq: number; ok: false; message: string };

// A piece from the middle is wrapped so that it is a document of its own.
const OPEN = Buffer.from('<metadata>');
const CLOSE = Buffer.from('</metadata>');

parentPort!.on('message', (m: PieceRequest) => {
  let reply: PieceResult;
  try {
    const parser = primaryParser();
    const scanner = new XmlScanner(parser);
    if (!m.first) scanner.write(OPEN);
    scanner.write(Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength));
    if (!m.last) scanner.write(CLOSE);
    scanner.end();
    const buf = packPackages(parser.result(), null);
    // Transfer needs the buffer to own its memory (Buffer.alloc of this size does; a small
    // one may be a slice of Node's shared pool, which must not be transferred).
    const encoded = buf.byteOffset === 0 && buf.byteLength === buf.buffer.byteLength ? buf : new Uint8Array(buf);
    reply = { seq: m.seq, ok: true, encoded, count: parser.count, declared: parser.declared};
    parentPort!.postMessage(reply, [encoded.buffer as ArrayBuffer]);
  } catch (err) {
    // The main thread parses the whole file again on its own to report the error with its real line.
    reply = { seq: m.seq, ok: false, message: (err as Error).message ?? String(err) };
    parentPort!.postMessage(reply);
  }
});
