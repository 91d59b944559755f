// The panel's data cache: asks the host for exactly the slice a view draws (once, however often the
// view renders while it waits), keeps received attention up to a byte budget for quick switching
// back, and drops answers that belong to an older analysis.
import type { AttentionSelector, HostToWebview, OverviewEncoding, WebviewToHost, AttentionRequestOptions } from '../src/common/protocol';

/** Attention kept in the webview for quick switching back. */
const CACHE_BYTES = 96 * 1024 * 1024;

type AttentionAnswer = Extract<HostToWebview, { type: 'attention' }>;
type OverviewAnswer = Extract<HostToWebview, { type: 'overview' }>;

export class RequestCache {
  private analysisId: number | null = null;
  private requestSeq = 0;
  /** requestId → cache key of what it will fill. */
  private readonly pending = new Map<number, string>();
  private readonly matrices = new Map<string, Float32Array>();
  private overview: { key: string; size: number; data: Uint8Array } | null = null;

  constructor(private readonly post: (m: WebviewToHost) => void, private readonly budgetBytes = CACHE_BYTES) {}

  /** A new analysis: everything cached or asked for belongs to the old one. */
  reset(analysisId: number): void {
    this.analysisId = analysisId;
    this.matrices.clear();
    this.pending.clear();
    this.overview = null;
  }

  /** The data for `s` if it is here (never asks). */
  peek(s: AttentionSelector, options: AttentionRequestOptions): Float32Array | undefined {
    return this.matrices.get(this.key(s, options));
  }

  /** The data for `s`, or null after asking the host for it (the view renders again when it comes). */
  matrix(s: AttentionSelector, options: AttentionRequestOptions): Float32Array | null {
    const key = this.key(s, options);
    const have = this.matrices.get(key);
    if (have) return have;
    const requestId = this.ask(key);
    if (requestId !== null) this.post({ type: 'requestAttention', analysisId: this.analysisId!, requestId, selector: s, options });
    return null;
  }

  /** Every head's thumbnail (`size`² each), or null after asking the host for it. */
  overviewData(size: number, options: AttentionRequestOptions, encoding: OverviewEncoding): { size: number; data: Uint8Array } | null {
    const key = `${this.analysisId}|overview|${options.dropSink}|${options.valueWeighted ?? false}|${encoding}`;
    if (this.overview?.key === key) return this.overview;
    const requestId = this.ask(key);
    if (requestId !== null) this.post({ type: 'requestOverview', analysisId: this.analysisId!, requestId, size, options, encoding });
    return null;
  }

  /** Takes an answer; false when it is stale (another analysis, or nothing asked for it). */
  receive(m: AttentionAnswer | OverviewAnswer): boolean {
    const key = this.pending.get(m.requestId);
    if (!key || m.analysisId !== this.analysisId) return false;
    this.pending.delete(m.requestId);
    if (m.type === 'overview') this.overview = { key, size: m.size, data: m.data };
    else this.remember(key, m.data);
    return true;
  }

  private key(s: AttentionSelector, options: AttentionRequestOptions): string {
    return `${this.analysisId}|${options.dropSink}|${options.valueWeighted ?? false}|${JSON.stringify(s)}`;
  }

  /** A new request id for `key`, or null when it was asked for already. */
  private ask(key: string): number | null {
    if ([...this.pending.values()].includes(key)) return null;
    const requestId = ++this.requestSeq;
    this.pending.set(requestId, key);
    return requestId;
  }

  /** Keeps received data up to the budget, dropping the oldest first (the newest always stays). */
  private remember(key: string, data: Float32Array): void {
    this.matrices.delete(key);
    this.matrices.set(key, data);
    let bytes = 0;
    for (const d of this.matrices.values()) bytes += d.byteLength;
    for (const [k, d] of this.matrices) {
      if (bytes <= this.budgetBytes || k === key) break;
      this.matrices.delete(k);
      bytes -= d.byteLength;
    }
  }
}
