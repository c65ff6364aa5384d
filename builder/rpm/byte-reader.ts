// Pulls exact byte counts out of an async stream of chunks, without concatenating more than
// a single read needs, and enforces a cap on the total: the cpio reader's only way to see
// the decompressed payload. Reads are serialized, so a body stream and the entry loop can
// share one reader safely.

export class ByteReader {
  private chunk: Buffer = Buffer.alloc(0);
  private pos = 0;
  private ended = false;
  private queue: Promise<unknown> = Promise.resolve();
  /** Queued async operations; the synchronous fast paths only run when none are. */
  private busy = 0;
  /** Bytes pulled from the source so far. */
  total = 0;
  /** Bytes handed out to callers so far. */
  consumed = 0;

  constructor(
    private readonly source: AsyncIterator<Buffer>,
    private readonly limit: number,
    private readonly errors: { eof: (what: string) => Error; overLimit: (limit: number) => Error; source: (e: unknown) => Error },
    private readonly onChunk?: (b: Buffer) => void,
  ) {}

  private async fill(what: string): Promise<void> {
    while (this.pos >= this.chunk.length) {
      if (this.ended) throw this.errors.eof(what);
      const r = await this.next();
      if (r.done) {
        this.ended = true;
        throw this.errors.eof(what);
      }
      const b = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value);
      this.total += b.length;
      if (this.total > this.limit) throw this.errors.overLimit(this.limit);
      this.onChunk?.(b);
      this.chunk = b;
      this.pos = 0;
    }
  }

  private async next(): Promise<IteratorResult<Buffer>> {
    try {
      return await this.source.next();
    } catch (e) {
      throw this.errors.source(e);
    }
  }

  private serial<T>(op: () => Promise<T>): Promise<T> {
    this.busy++;
    const p = this.queue.then(op).finally(() => this.busy--);
    this.queue = p.catch(() => undefined); // the caller gets the error through `p`
    return p;
  }

  /**
   * Exactly `n` bytes, synchronously, when the current chunk already holds them and no async
   * read is queued; else undefined (then use read()). The hot path for small cpio headers:
   * a package of 15k tiny entries would otherwise spend most of its time in promises.
   */
  readNow(n: number): Buffer | undefined {
    if (this.busy || this.chunk.length - this.pos < n) return undefined;
    const out = this.chunk.subarray(this.pos, this.pos + n);
    this.pos += n;
    this.consumed += n;
    return out;
  }

  /** skip() without a promise when possible; false means "call skip()". */
  skipNow(n: number): boolean {
    if (this.busy || this.chunk.length - this.pos < n) return false;
    this.pos += n;
    this.consumed += n;
    return true;
  }

  /** Up to `max` bytes (at least 1), sliced from the current chunk without copying. */
  take(max: number, what: string): Promise<Buffer> {
    return this.serial(async () => {
      await this.fill(what);
      const n = Math.min(max, this.chunk.length - this.pos);
      const out = this.chunk.subarray(this.pos, this.pos + n);
      this.pos += n;
      this.consumed += n;
      return out;
    });
  }

  /** Exactly `n` bytes. */
  read(n: number, what: string): Promise<Buffer> {
    return this.serial(async () => {
      await this.fill(what);
      if (this.chunk.length - this.pos >= n) {
        const out = this.chunk.subarray(this.pos, this.pos + n);
        this.pos += n;
        this.consumed += n;
        return out;
      }
      const out = Buffer.allocUnsafe(n);
      let got = 0;
      while (got < n) {
        await this.fill(what);
        const k = Math.min(n - got, this.chunk.length - this.pos);
        this.chunk.copy(out, got, this.pos, this.pos + k);
        this.pos += k;
        got += k;
      }
      this.consumed += n;
      return out;
    });
  }

  skip(n: number, what: string): Promise<void> {
    return this.serial(async () => {
      let left = n;
      while (left > 0) {
        await this.fill(what);
        const k = Math.min(left, this.chunk.length - this.pos);
        this.pos += k;
        left -= k;
      }
      this.consumed += n;
    });
  }

  /** Read and discard everything left (still counted against the cap). */
  drainAll(): Promise<void> {
    return this.serial(async () => {
      this.consumed += this.chunk.length - this.pos;
      this.pos = this.chunk.length;
      while (!this.ended) {
        const r = await this.next();
        if (r.done) {
          this.ended = true;
          break;
        }
        const b = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value);
        this.total += b.length;
        this.consumed += b.length;
        if (this.total > this.limit) throw this.errors.overLimit(this.limit);
        this.onChunk?.(b);
      }
    });
  }
}
