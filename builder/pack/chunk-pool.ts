// Output buffers of the tar stream, recycled. A fresh 512 KiB buffer per chunk made the
// 82 MB stream of a 30k-entry template ~160 external allocations that V8 frees only when
// external memory has grown by tens of MiB: peak RSS rose by ~60 MiB during a pack. With
// the consumer handing each chunk back once every reader of it is done, the pack cycles
// through about BACKLOG / CHUNK + 3 buffers.

export class ChunkPool {
  private readonly free: Buffer[] = [];
  /** Every buffer handed out, by its memory (a chunk is a subarray of one). */
  private readonly owners = new Map<ArrayBufferLike, Buffer>();

  constructor(readonly size: number) {}

  acquire(): Buffer {
    const b = this.free.pop();
    if (b) return b;
    const fresh = Buffer.allocUnsafeSlow(this.size);
    this.owners.set(fresh.buffer, fresh);
    return fresh;
  }

  /** Give back the buffer `chunk` was cut from; it is written over by a later acquire(). */
  release(chunk: Buffer): void {
    const b = this.owners.get(chunk.buffer);
    if (!b) throw new TypeError('ChunkPool.release: not a chunk of this pool');
    this.free.push(b);
  }

  /** Buffers allocated so far (for stats and tests). */
  get allocated(): number {
    return this.owners.size;
  }
}
