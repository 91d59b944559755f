// Attention buffers that released analyses hand back, for the next analysis to fill. One 512-token
// analysis of the bundled model holds 16 MB of attention; a new array each time costs fresh pages,
// and because a shown result lives long enough to be promoted, V8 then runs a full collection per
// analysis whose marking competes with ONNX Runtime's threads for the two cores (measured: ~4 ms
// median, ~10 ms at p75 of a 512-token analysis).

/** Buffers are dropped after this long without an analysis, so an idle window holds none. */
const IDLE_MS = 60_000;

export class AttentionPool {
  private free: Float32Array[] = [];
  private idle: ReturnType<typeof setTimeout> | null = null;

  /**
   * `keep`: how many released buffers to hold at most (the largest are kept). One is what the
   * panel's cycle needs (it releases what it shows just before the next analysis takes a buffer),
   * and a large model's attention can run to hundreds of MB.
   */
  constructor(private readonly keep = 1) {}

  /** A buffer of at least `n` floats: the smallest released one that fits, else a new one. Its contents are unspecified. */
  take(n: number): Float32Array {
    let best = -1;
    this.free.forEach((b, i) => { if (b.length >= n && (best < 0 || b.length < this.free[best]!.length)) best = i; });
    const buffer = best < 0 ? new Float32Array(n) : this.free.splice(best, 1)[0]!;
    this.touch();
    return buffer;
  }

  /** Hands a buffer back; nothing may read or write it afterwards. */
  give(buffer: Float32Array): void {
    if (buffer.length === 0 || this.free.includes(buffer)) return;
    this.free.push(buffer);
    this.free.sort((a, b) => b.length - a.length);
    this.free.length = Math.min(this.free.length, this.keep);
    this.touch();
  }

  /** How many buffers are held (for tests and diagnostics). */
  get size(): number {
    return this.free.length;
  }

  clear(): void {
    this.free = [];
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
  }

  private touch(): void {
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
    if (this.free.length === 0) return;
    this.idle = setTimeout(() => this.clear(), IDLE_MS);
    this.idle.unref?.();
  }
}
