// One forward pass through the patched ONNX session: builds the feeds a transformers.js-style
// export expects (input_ids, attention_mask, position_ids, token_type_ids, past key values,
// use_cache_branch) and returns logits, attention and the new key/value cache.
import * as ort from 'onnxruntime-node';
import { AttentionLensError } from './errors';
import type { InputMeta, LogitReductions } from './surgery';

const FLOAT16 = 10;

export interface ModelDims {
  /** Attention heads per layer, from the config (sizes the first analysis's attention buffer). */
  heads?: number;
  /** Key/value heads and head size, used when the graph leaves past dims symbolic. */
  kvHeads: number;
  headDim: number;
  /** Vocabulary size from the config (0 when unknown). */
  vocab: number;
}

/** What surgery produced that the runner needs. */
export interface PatchedGraph {
  inputs: InputMeta[];
  /** One output per layer, [1, H, S, P+S] (or another rank whose leading sizes multiply to H). */
  attentionOutputs: string[];
  nLayers: number;
  reductions: LogitReductions | null;
}

/** Past keys/values by input name (`past_key_values.{i}.key`), each [1, H, P, D]. */
export type PastCache = Map<string, ort.Tensor>;

/** Which results a forward pass hands back; the runtime copies each fetched output into a new array, so fetch only what is read. */
export interface Fetch {
  /** Every layer's attention, written into `attentionInto` when the forward is given one. */
  attention?: boolean;
  /** Raw logits [S, V]. */
  logits?: boolean;
  /** log softmax(logits) [S, V] (only where surgery added it). */
  logProbs?: boolean;
  /** Top-k log-probabilities and ids per position. */
  top?: boolean;
  /** Each next input token's log-probability and rank (only where surgery added them). */
  tokenScores?: boolean;
  /** The new key/value cache. */
  present?: boolean;
}

export const FETCH_ALL: Required<Fetch> = { attention: true, logits: true, logProbs: true, top: true, tokenScores: true, present: true };

export interface ForwardOutput {
  /** [S, V] for the S new positions; null when not fetched or the graph has no logits (base encoders). */
  logits: Float32Array | null;
  /** Vocabulary size (from a fetched [S, V] output when there is one), 0 when the graph has no logits. */
  vocab: number;
  /** Every layer's attention when fetched: data [L, H, S, P+S] (batch 1), `attentionInto` when one was given. */
  attention: { data: Float32Array; nLayers: number; nHeads: number } | null;
  /** New cache, keyed by the past input name it feeds next time (empty when not fetched). */
  present: PastCache;
  /** log softmax(logits) [S, V], when fetched and the runtime computed it. */
  logProbs: Float32Array | null;
  /** Top-k log-probabilities and ids per new position, each [S, k], when fetched and the runtime computed them. */
  top: { k: number; values: Float32Array; indices: BigInt64Array } | null;
  /** Per new position: the next input token's log-probability and how many tokens scored strictly higher, each [S] (the last entry has no next token and means nothing). */
  tokenScores: { logProbs: Float32Array; higher: Float32Array } | null;
}

/**
 * session.run fetching only `names`, each null or a tensor for the runtime to write into (a
 * pre-allocated output). onnxruntime-node 1.14 returns the requested values in the session's
 * output order but keys them by the session's first output names; this keys them right again (and
 * passes through a runtime that keys them right itself). It also returns a fresh copy of every
 * pre-allocated output, which callers that gave the buffer simply drop.
 */
export async function runFetching(session: ort.InferenceSession, feeds: Record<string, ort.Tensor>, names: string[] | Record<string, ort.Tensor | null>): Promise<Record<string, ort.Tensor>> {
  const all = session.outputNames;
  const given = Array.isArray(names) ? null : names;
  const wanted = [...new Set(given ? Object.keys(given) : (names as string[]))].sort((a, b) => all.indexOf(a) - all.indexOf(b));
  const fetches: Record<string, ort.Tensor | null> = {};
  for (const name of wanted) fetches[name] = given?.[name] ?? null;
  const result = await session.run(feeds, fetches);
  const keys = Object.keys(result);
  if (keys.length === wanted.length && wanted.every((n) => n in result)) return result as Record<string, ort.Tensor>;
  if (keys.length !== wanted.length || !all.slice(0, wanted.length).every((n) => n in result)) {
    throw new AttentionLensError('runtime-failure', `ONNX Runtime returned outputs ${keys.join(', ')} for ${wanted.join(', ')}.`);
  }
  const out: Record<string, ort.Tensor> = {};
  wanted.forEach((name, i) => { out[name] = result[all[i]!] as ort.Tensor; });
  return out;
}

const int64 = (values: ArrayLike<number>, dims: number[]) => {
  const data = new BigInt64Array(values.length);
  for (let i = 0; i < values.length; i++) data[i] = BigInt(values[i]!);
  return new ort.Tensor('int64', data, dims);
};

export function isPastInput(name: string): boolean {
  return name.startsWith('past_key_values') || name.startsWith('past.') || name.startsWith('past_');
}

/** Name of the past input a present output feeds (`present.0.key` → `past_key_values.0.key`). */
export function pastNameFor(presentName: string, pastInputs: string[]): string | undefined {
  const direct = presentName.replace(/^present/, 'past_key_values');
  if (pastInputs.includes(direct)) return direct;
  const suffix = presentName.replace(/^present[._]?/, '');
  return pastInputs.find((p) => p.endsWith(suffix));
}

/** An empty past for one input: batch 1, the past axis 0, other sizes from the graph or the config. */
function emptyPast(meta: InputMeta, dims: ModelDims): ort.Tensor {
  const shape = meta.dims.map((d, i) => {
    if (typeof d === 'number') return i === 0 ? 1 : d;
    if (i === 0) return 1;
    if (/past|seq|length/i.test(d) || (meta.dims.length === 4 && i === 2)) return 0;
    if (/head/i.test(d) && !/dim|size/i.test(d)) return dims.kvHeads;
    return dims.headDim;
  });
  const n = product(shape);
  return meta.elemType === FLOAT16 ? new ort.Tensor('float16', new Uint16Array(n), shape) : new ort.Tensor('float32', new Float32Array(n), shape);
}

export function toFloat32(t: ort.Tensor): Float32Array {
  if (t.type === 'float32') return t.data as Float32Array;
  if (t.type === 'float16') {
    const src = t.data as Uint16Array;
    const out = new Float32Array(src.length);
    for (let i = 0; i < src.length; i++) out[i] = halfToFloat(src[i]!);
    return out;
  }
  return Float32Array.from(t.data as ArrayLike<number>);
}

/** IEEE 754 half precision bits → number. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

export class Runner {
  readonly pastInputs: string[];
  readonly supportsCache: boolean;

  readonly inputs: InputMeta[];
  readonly attentionOutputs: string[];
  private readonly reductions: LogitReductions | null;
  /**
   * Each layer's attention sizes before [S, P+S] (e.g. [1, H]), learned from the first forward that
   * fetched attention; from then on the runtime writes straight into the caller's buffer. Null when
   * it cannot (attention not float32, or it refused the buffers); undefined until learned.
   */
  private attentionLead: number[] | null | undefined;
  /** Whether an in-place run was seen to fill the caller's buffer (checked once against the runtime's own copy). */
  private inPlaceChecked = false;

  constructor(
    readonly session: ort.InferenceSession,
    patched: PatchedGraph,
    private readonly dims: ModelDims,
    private readonly label: string,
  ) {
    this.inputs = patched.inputs;
    this.attentionOutputs = patched.attentionOutputs;
    this.reductions = patched.reductions;
    this.pastInputs = this.inputs.filter((i) => isPastInput(i.name)).map((i) => i.name);
    this.supportsCache = this.pastInputs.length > 0 && session.outputNames.some((n) => n.startsWith('present'));
    const known = /^(input_ids|attention_mask|position_ids|token_type_ids|use_cache_branch)$/;
    const unknown = this.inputs.filter((i) => !known.test(i.name) && !isPastInput(i.name) && i.name !== this.reductions?.kInput);
    if (unknown.length > 0) {
      throw new AttentionLensError(
        'unsupported-architecture',
        `${label} needs inputs Attention Lens cannot provide (${unknown.map((u) => u.name).join(', ')}). ` +
          'Use a text-only decoder or encoder export.',
      );
    }
  }

  /** Whether the graph has a logits output (language-model head). */
  get hasLogits(): boolean {
    return this.session.outputNames.includes('logits');
  }

  /** Floats of every layer's attention for S new positions over K keys ([L, H, S, K]); from the config's head count until a run has shown it. */
  attentionSize(S: number, K: number): number {
    const heads = this.attentionLead ? product(this.attentionLead) : this.dims.heads ?? 1;
    return this.attentionOutputs.length * heads * S * K;
  }

  /** Whether the runtime scores each next input token (see Fetch.tokenScores). */
  get scoresTokens(): boolean {
    return this.reductions?.tokenScores != null;
  }

  /**
   * Runs `ids` (the new tokens) after `past` (pastLength earlier tokens; empty when null); `topK`
   * sizes the runtime top-k. Attention goes into `attentionInto` when it holds L·H·S·(P+S) floats
   * (the result's data is then a view of it), else into a new array.
   */
  async forward(ids: ArrayLike<number>, past: PastCache | null, pastLength: number, fetch: Fetch, topK = 1, attentionInto?: Float32Array): Promise<ForwardOutput> {
    const S = ids.length;
    const K = pastLength + S;
    const feeds: Record<string, ort.Tensor> = {};
    for (const meta of this.inputs) {
      switch (meta.name) {
        case 'input_ids': feeds[meta.name] = int64(ids, [1, S]); break;
        case 'attention_mask': feeds[meta.name] = int64(new Array<number>(pastLength + S).fill(1), [1, pastLength + S]); break;
        case 'position_ids': feeds[meta.name] = int64(Array.from({ length: S }, (_, i) => pastLength + i), [1, S]); break;
        case 'token_type_ids': feeds[meta.name] = int64(new Array<number>(S).fill(0), [1, S]); break;
        case 'use_cache_branch': feeds[meta.name] = new ort.Tensor('bool', [past !== null && pastLength > 0], [1]); break;
        case this.reductions?.kInput: {
          const k = Math.max(1, this.dims.vocab > 0 ? Math.min(topK, this.dims.vocab) : topK);
          feeds[meta.name] = new ort.Tensor('int64', BigInt64Array.from([BigInt(k)]), [1]);
          break;
        }
        default: feeds[meta.name] = past?.get(meta.name) ?? emptyPast(meta, this.dims);
      }
    }
    const r = this.reductions;
    const names: string[] = [];
    const outputs = this.session.outputNames;
    if (fetch.attention) names.push(...this.attentionOutputs);
    if (fetch.logits && outputs.includes('logits')) names.push('logits');
    if (fetch.logProbs && r) names.push(r.logProbs);
    if (fetch.top && r) names.push(r.topValues, r.topIndices);
    if (fetch.tokenScores && r?.tokenScores) names.push(r.tokenScores.logProbs, r.tokenScores.higher);
    if (fetch.present) names.push(...outputs.filter((n) => n.startsWith('present') && pastNameFor(n, this.pastInputs)));
    if (names.length === 0) throw new Error('forward: nothing to fetch');
    const lead = this.attentionLead;
    const perLayer = lead ? product(lead) * S * K : 0; // [lead…, S, K]
    const nLayers = this.attentionOutputs.length;
    const inPlace = fetch.attention && lead && attentionInto && attentionInto.length >= nLayers * perLayer ? attentionInto : null;
    const request: Record<string, ort.Tensor | null> = {};
    for (const name of names) request[name] = null;
    // Before the one check below, the buffer holds NaN, so stale values a runtime left alone cannot pass it.
    if (inPlace && !this.inPlaceChecked) inPlace.fill(NaN, 0, nLayers * perLayer);
    // Each layer's softmax writes into its slice of the caller's buffer, which the result then keeps;
    // the copy the runtime also hands back is dropped at once (it dies young instead of being promoted).
    if (inPlace) this.attentionOutputs.forEach((name, l) => { request[name] = new ort.Tensor('float32', inPlace.subarray(l * perLayer, (l + 1) * perLayer), [...lead!, S, K]); });
    let out: Record<string, ort.Tensor>;
    try {
      out = await runFetching(this.session, feeds, request);
    } catch (err) {
      if (!inPlace) {
        if (err instanceof AttentionLensError) throw err;
        throw new AttentionLensError('runtime-failure', `Running ${this.label} failed: ${(err as Error).message}`);
      }
      this.attentionLead = null; // the runtime refused the buffers: fetch attention as new arrays from now on
      return this.forward(ids, past, pastLength, fetch, topK, attentionInto);
    }
    // No closure in this function may capture `out`: the returned getter shares their context, and
    // the runtime's 16 MB copy of the attention would then outlive the call (measured: promoted,
    // and freed only by full collections).
    const layers: ort.Tensor[] = [];
    if (fetch.attention) for (const name of this.attentionOutputs) layers.push(out[name]!);
    if (inPlace && !this.inPlaceChecked) {
      // The runtime also hands back a copy of what it wrote: once, make sure it wrote into our buffer.
      const wrote = layers.every((t, l) => sameValues(t.data as Float32Array, inPlace.subarray(l * perLayer, (l + 1) * perLayer)));
      if (!wrote) this.attentionLead = null;
      this.inPlaceChecked = wrote;
    }
    const attention = !fetch.attention ? null
      : inPlace && this.attentionLead ? { data: inPlace.subarray(0, nLayers * perLayer), nLayers, nHeads: perLayer / (S * K) }
      : this.gatherAttention(layers, S, K, attentionInto);
    const logitsTensor = out.logits ?? null;
    const present: PastCache = new Map();
    for (const name of names) {
      const pastName = name.startsWith('present') ? pastNameFor(name, this.pastInputs) : undefined;
      if (pastName) present.set(pastName, out[name]!);
    }
    const values = r ? out[r.topValues] : undefined;
    const scores = r?.tokenScores ? [out[r.tokenScores.logProbs], out[r.tokenScores.higher]] : [];
    // Converted on first read: fp16 logits [S, V] cost more to convert than the rest of an extraction.
    let logits: Float32Array | null | undefined;
    return {
      get logits() {
        return (logits ??= logitsTensor ? toFloat32(logitsTensor) : null);
      },
      vocab: vocabOf(logitsTensor ?? (r ? out[r.logProbs] : undefined)) ?? (this.hasLogits ? this.dims.vocab : 0),
      attention,
      present,
      logProbs: r && out[r.logProbs] ? (out[r.logProbs]!.data as Float32Array) : null,
      top: r && values ? { k: values.dims[values.dims.length - 1]!, values: values.data as Float32Array, indices: out[r.topIndices]!.data as BigInt64Array } : null,
      tokenScores: scores[0] && scores[1] ? { logProbs: scores[0].data as Float32Array, higher: scores[1].data as Float32Array } : null,
    };
  }

  /** Copies (converting fp16) each layer's [lead…, S, K] attention into one [L, H, S, K] array, and learns whether the runtime could write it in place next time. */
  private gatherAttention(layers: ort.Tensor[], S: number, K: number, into: Float32Array | undefined): ForwardOutput['attention'] {
    const size = layers[0]!.size; // [lead…, S, K], batch 1
    const nHeads = size / (S * K);
    if (!Number.isInteger(nHeads) || layers.some((t) => t.size !== size)) {
      throw new AttentionLensError('unsupported-architecture', `${this.label}: its layers' attention maps have different sizes (${layers.map((t) => t.dims.join('×')).join(', ')}), so they cannot be shown as one [layer, head, query, key] tensor.`);
    }
    if (this.attentionLead === undefined) {
      const lead = layers[0]!.dims.slice(0, -2);
      const sameLayout = layers.every((t) => t.type === 'float32' && t.dims.length === lead.length + 2 && t.dims[lead.length] === S && t.dims[lead.length + 1] === K && lead.every((d, i) => t.dims[i] === d));
      this.attentionLead = sameLayout ? [...lead] : null;
    }
    const data = into && into.length >= layers.length * size ? into.subarray(0, layers.length * size) : new Float32Array(layers.length * size);
    layers.forEach((t, l) => data.set(toFloat32(t), l * size)); // [L, H, S, K]
    return { data, nLayers: layers.length, nHeads };
  }
}

const product = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);

function sameValues(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return false;
  return true;
}

const vocabOf = (t: ort.Tensor | undefined) => (t ? t.dims[t.dims.length - 1] : undefined);

/** Keeps the first `keep` positions of every cached tensor ([1, H, P, D] → [1, H, keep, D]). */
export function truncatePast(past: PastCache, keep: number): PastCache {
  const out: PastCache = new Map();
  for (const [name, t] of past) {
    const [B, H, P, D] = t.dims as [number, number, number, number];
    if (t.dims.length !== 4 || keep >= P) { out.set(name, t); continue; }
    const src = t.data as Float32Array | Uint16Array;
    const dst = new (src.constructor as Float32ArrayConstructor | Uint16ArrayConstructor)(B * H * keep * D);
    for (let bh = 0; bh < B * H; bh++) dst.set(src.subarray(bh * P * D, bh * P * D + keep * D), bh * keep * D); // [B·H, P, D]
    out.set(name, new ort.Tensor(t.type as 'float32', dst as Float32Array, [B, H, keep, D]));
  }
  return out;
}
