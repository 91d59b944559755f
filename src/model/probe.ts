// Next-token probing at a cursor, reusing past keys/values when the new prefix extends
// (or shares a start with) the previous one, so a keystroke costs the few positions typed since
// the cached anchor; the anchor moves up to them every TAIL_TOKENS tokens.
import { AttentionLensError, throwIfAborted } from './errors';
import { rowDistribution } from './distribution';
import type { OnnxSession } from './onnxSession';
import { truncatePast, type PastCache } from './onnxTensors';
import type { Tokenization } from './tokenize';
import { DEFAULT_TOP_K, positiveInt, type ModelInfo, type ProbeOptions, type ProbeResult } from './types';


interface CacheState {
  ids: number[];
  /** Keys/values of ids[0, pastLength): the anchor the next keystrokes run their new tokens after. */
  past: PastCache | null;
  pastLength: number;
  /** Logits after the last token, [V]. */
  last: Float32Array;
}

export class Prober {
  private state: CacheState | null = null;
  /** Buffers the cache is cut back into, reused from keystroke to keystroke (see truncatePast). */
  private readonly truncated = new Map<string, Float32Array | Uint16Array>();

  constructor(
    private readonly info: ModelInfo,
    private readonly tokens: Tokenization,
    private readonly onnx: OnnxSession,
    private readonly eosIds: number[],
  ) {}

  async probe(prefix: string, opts: ProbeOptions): Promise<ProbeResult> {
    this.requireDecoder('probe');
    throwIfAborted(opts.signal);
    const ids = this.window(prefix);
    // After a BOS the tokenizer puts first, even an empty prefix predicts the text's first token.
    if (ids.length === 0) {
      throw new AttentionLensError('empty-input', 'There is no text before the cursor to predict from.');
    }
    const { last, cached } = await this.logitsAfter(ids, opts.useCache !== false, opts.signal);
    const V = last.length;
    const k = positiveInt(opts.topK, DEFAULT_TOP_K);
    const temperature = Number.isFinite(opts.temperature) && opts.temperature! >= 0 ? opts.temperature! : 1; // 0 → (near) argmax
    const dist = rowDistribution(last, 0, V, k, temperature);
    return {
      nTokens: ids.length,
      next: Array.from(dist.ids, (id, i) => ({ id, token: this.tokens.text(id), prob: dist.probs[i]! })),
      entropy: dist.entropy,
      cached,
    };
  }

  /** Greedy continuation of `prefix`, `nTokens` long at most (stops at end of text). */
  async continueGreedy(prefix: string, nTokens: number, signal?: AbortSignal): Promise<string> {
    this.requireDecoder('continue');
    let ids = this.window(prefix);
    if (ids.length === 0) return '';
    const C = this.info.contextLength;
    const generated: number[] = [];
    for (let n = 0; n < nTokens; n++) {
      const { last } = await this.logitsAfter(ids, true, signal);
      let best = 0;
      for (let v = 1; v < last.length; v++) if (last[v]! > last[best]!) best = v;
      if (this.eosIds.includes(best)) break;
      generated.push(best);
      ids = [...ids, best];
      if (ids.length > C) {
        const lead = this.tokens.leadingIds; // a BOS stays at position 0
        ids = [...lead, ...ids.slice(ids.length - (C - lead.length - headroom(C)))];
      }
    }
    return generated.length > 0 ? this.tokens.tokenizer.decode(generated, { skip_special_tokens: true }) : '';
  }

  /**
   * The tokens the model reads: the whole prefix when it fits the context; otherwise a window
   * ending at the cursor whose start moves in jumps of a quarter context, not at every new
   * token, so typing at the end of a long document keeps reusing the cache.
   */
  private window(prefix: string): number[] {
    const C = this.info.contextLength;
    const ids = this.tokens.ids(prefix, C);
    if (ids.length < C) return ids;
    // Tokens the tokenizer always puts first (a BOS) stay at position 0; the rest is windowed.
    const lead = this.tokens.leadingIds;
    const body = ids.slice(lead.length);
    const room = C - lead.length;
    const prev = this.state?.ids.slice(lead.length);
    if (prev && prev.length > 0) {
      // Where does the previous window start inside this tail? (It is gone if the text moved on too far.)
      const anchor = Math.min(prev.length, ANCHOR_TOKENS);
      for (let d = 0; d + anchor <= body.length && d < room - 1; d++) {
        if (sameRun(body, d, prev, anchor)) return [...lead, ...body.slice(d)];
      }
    }
    return [...lead, ...body.slice(headroom(C))];
  }

  /** Forgets the cached prefix (e.g. after the model changed). */
  reset(): void {
    this.state = null;
  }

  private requireDecoder(what: string): void {
    if (this.info.kind !== 'decoder') {
      throw new AttentionLensError('unsupported-architecture', `${this.info.name} is an encoder (bidirectional) model: it cannot ${what} the next token. Choose a causal (decoder) model.`);
    }
  }

  private async logitsAfter(ids: number[], useCache: boolean, signal?: AbortSignal): Promise<{ last: Float32Array; cached: boolean }> {
    const prev = this.state;
    if (useCache && prev && sameIds(prev.ids, ids)) return { last: prev.last, cached: true }; // nothing changed
    let keep = 0;
    if (useCache && prev?.past && this.onnx.supportsCache) {
      keep = Math.min(commonPrefix(prev.ids, ids), prev.pastLength, ids.length - 1); // at least one new position to score
    }
    // A short tail after the whole anchor runs without fetching its keys/values: the anchor stays,
    // and a keystroke neither copies the cache nor takes the runtime's copy of it (GPT-2 small at 512
    // tokens: 36 MB each way). The weights are read once per run, so a few more rows cost little.
    const tail = keep > 0 && keep === prev!.pastLength && ids.length - keep <= TAIL_TOKENS;
    let past = keep > 0 ? truncatePast(prev!.past!, keep, this.truncated) : null; // read only by the run below (the whole anchor: not cut)
    // Long runs (a first probe, a window that moved) go in chunks through the cache, yielding between
    // them: one runtime call blocks the extension host's event loop, so none may take long.
    const chunk = this.onnx.supportsCache ? PROBE_CHUNK : ids.length;
    let start = keep;
    for (;;) {
      const end = Math.min(ids.length, start + chunk);
      // Only the last chunk's last row is read; earlier chunks hand over just the cache.
      const out = await this.onnx.forward(ids.slice(start, end), past, start, { logits: end === ids.length, present: !tail }); // a tail is one chunk (TAIL_TOKENS ≤ PROBE_CHUNK)
      throwIfAborted(signal);
      if (end === ids.length) {
        const V = out.vocab;
        const S = end - start;
        const last = out.logits!.slice((S - 1) * V, S * V); // row S-1 of [S, V]
        this.state = tail ? { ids, past: prev!.past, pastLength: keep, last } : { ids, past: this.onnx.supportsCache ? out.present : null, pastLength: ids.length, last };
        return { last, cached: keep > 0 };
      }
      past = out.present;
      start = end;
      await new Promise((resolve) => setImmediate(resolve));
      throwIfAborted(signal);
    }
  }
}

/** New tokens a keystroke runs after the cached anchor before the anchor moves up to them. */
const TAIL_TOKENS = 8;

/** Most new positions per runtime call while probing (~5 ms each for the bundled model). */
const PROBE_CHUNK = 64;

/** Tokens matched to recognise the previous window's start. */
const ANCHOR_TOKENS = 16;

/** Room left for new tokens when a long prefix's window has to move. */
const headroom = (context: number) => Math.max(1, Math.floor(context / 4));

/** a[offset, offset + n) equals b[0, n). */
function sameRun(a: number[], offset: number, b: number[], n: number): boolean {
  for (let i = 0; i < n; i++) if (a[offset + i] !== b[i]) return false;
  return true;
}

function sameIds(a: number[], b: number[]): boolean {
  return a.length === b.length && commonPrefix(a, b) === a.length;
}

function commonPrefix(a: number[], b: number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}
