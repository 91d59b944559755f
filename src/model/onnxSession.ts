// One ONNX Runtime session over a patched graph: forward() builds the feeds, fetches only the
// outputs asked for (relabelled, see runFetching) and hands back logits, log-probabilities, top-k,
// token scores, every layer's attention (AttentionWriter) and the new key/value cache.
import * as ort from 'onnxruntime-node';
import { AttentionLensError } from './errors';
import { AttentionWriter, type InPlace, type LayersAttention } from './attentionWriter';
import { buildFeeds, isPastInput, pastNameFor, type ModelDims } from './onnxFeeds';
import { lastDim, toFloat32, type PastCache } from './onnxTensors';
import { logSumExp } from './distribution';
import type { InputMeta, LogitReductions } from './surgery';

/** What surgery produced that the ONNX session needs. */
export interface PatchedGraph {
  inputs: InputMeta[];
  /** One output per layer, [1, H, S, P+S] (or another rank whose leading sizes multiply to H). */
  attentionOutputs: string[];
  nLayers: number;
  reductions: LogitReductions | null;
  /** Internals graphs: a float [L, H] input scaling each head's output (1 keeps, 0 ablates). */
  gatesInput?: string;
  /** Internals graphs: the int64 [1] k of the logit lens's top-k. */
  lensKInput?: string;
  /** A merged decoder reduced to its branch with a past (surgery's cachedBranchOnly). */
  cachedBranchOnly?: boolean;
}

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
  /** Further outputs by name (internals graphs), returned in ForwardOutput.extra. */
  extra?: string[];
}

export const FETCH_ALL: Required<Omit<Fetch, 'extra'>> = { attention: true, logits: true, logProbs: true, top: true, tokenScores: true, present: true };

export interface ForwardOutput {
  /** [S, V] for the S new positions; null when not fetched or the graph has no logits (base encoders). */
  logits: Float32Array | null;
  /** Vocabulary size (from a fetched [S, V] output when there is one), 0 when the graph has no logits. */
  vocab: number;
  /** Every layer's attention when fetched: data [L, H, S, P+S] (batch 1), `attentionInto` when one was given. */
  attention: LayersAttention | null;
  /** New cache, keyed by the past input name it feeds next time (empty when not fetched). */
  present: PastCache;
  /** log softmax(logits) [S, V], when fetched and the runtime computed it. */
  logProbs: Float32Array | null;
  /** Top-k log-probabilities and ids per new position, each [S, k], when fetched and the runtime computed them. */
  top: { k: number; values: Float32Array; indices: BigInt64Array } | null;
  /** Per new position: the next input token's log-probability and how many tokens scored strictly higher, each [S] (the last entry has no next token and means nothing). */
  tokenScores: { logProbs: Float32Array; higher: Float32Array } | null;
  /** The outputs named in Fetch.extra. */
  extra: Record<string, ort.Tensor>;
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

export class OnnxSession {
  readonly pastInputs: string[];
  readonly supportsCache: boolean;
  readonly inputs: InputMeta[];
  readonly attentionOutputs: string[];
  private readonly reductions: LogitReductions | null;
  private readonly attention: AttentionWriter;
  private readonly gatesInput: string | undefined;
  private readonly lensKInput: string | undefined;
  private readonly nLayers: number;
  /** [L, H] head gates fed where the graph takes them (ones when null): 0 switches a head off. */
  headGates: Float32Array | null = null;

  constructor(
    readonly session: ort.InferenceSession,
    patched: PatchedGraph,
    private readonly dims: ModelDims,
    private readonly label: string,
  ) {
    this.inputs = patched.inputs;
    this.attentionOutputs = patched.attentionOutputs;
    this.reductions = patched.reductions;
    this.gatesInput = patched.gatesInput;
    this.lensKInput = patched.lensKInput;
    this.nLayers = patched.nLayers;
    this.attention = new AttentionWriter(this.attentionOutputs, dims.heads, label);
    this.pastInputs = this.inputs.filter((i) => isPastInput(i.name)).map((i) => i.name);
    this.supportsCache = this.pastInputs.length > 0 && session.outputNames.some((n) => n.startsWith('present'));
    const known = /^(input_ids|attention_mask|position_ids|token_type_ids|use_cache_branch)$/;
    const unknown = this.inputs.filter((i) => !known.test(i.name) && !isPastInput(i.name) && ![this.reductions?.kInput, this.gatesInput, this.lensKInput].includes(i.name));
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

  /** Floats of every layer's attention for S new positions over K keys ([L, H, S, K]). */
  attentionSize(S: number, K: number): number {
    return this.attention.size(S, K);
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
    const gates = this.gatesInput ? { input: this.gatesInput, values: this.headGates, nLayers: this.nLayers } : undefined;
    const feeds = buildFeeds(this.inputs, { ids, past, pastLength, kInput: this.reductions?.kInput, topK, lensKInput: this.lensKInput, gates }, this.dims);
    const names = this.outputNames(fetch);
    const request: Record<string, ort.Tensor | null> = {};
    for (const name of names) request[name] = null;
    const inPlace: InPlace | null = fetch.attention ? this.attention.prepare(request, S, K, attentionInto) : null;
    let out: Record<string, ort.Tensor>;
    try {
      out = await runFetching(this.session, feeds, request);
    } catch (err) {
      if (!inPlace) {
        if (err instanceof AttentionLensError) throw err;
        throw new AttentionLensError('runtime-failure', `Running ${this.label} failed: ${(err as Error).message}`);
      }
      this.attention.refused();
      return this.forward(ids, past, pastLength, fetch, topK, attentionInto);
    }
    // No closure here or in outputsOf may capture `out`: the returned getter shares their context,
    // and the runtime's 16 MB copy of the attention would then outlive the call (measured: promoted,
    // and freed only by full collections).
    const layers: ort.Tensor[] = [];
    if (fetch.attention) for (const name of this.attentionOutputs) layers.push(out[name]!);
    const attention = fetch.attention ? this.attention.collect(layers, S, K, inPlace, attentionInto) : null;
    return this.outputsOf(out, names, attention, fetch.extra ?? []);
  }

  /** Whether the graph runs several sequences at once (its input_ids batch axis is not fixed at 1). */
  get takesBatches(): boolean {
    const ids = this.inputs.find((i) => i.name === 'input_ids');
    return !!ids && ids.dims[0] !== 1;
  }

  /**
   * Scores `batch` windows of S = ids.length / batch tokens in one run, each a plain forward from
   * position 0 with no past: entry [b, j] is ln p(window b's token j + 1 | its tokens 0..j), [B, S]
   * (entry S − 1 of each window has no next token and means nothing). Only the picked scores leave
   * the runtime where surgery added them; otherwise the [B, S, V] distribution comes over.
   */
  async scoreWindows(ids: ArrayLike<number>, batch: number): Promise<Float32Array> {
    const B = batch, S = ids.length / B;
    if (!Number.isInteger(S) || S < 1) throw new Error(`scoreWindows: ${ids.length} ids do not split into ${B} windows`);
    const feeds = buildFeeds(this.inputs, { ids, past: null, pastLength: 0, kInput: this.reductions?.kInput, topK: 1, batch: B }, this.dims);
    const r = this.reductions;
    const name = r?.tokenScores?.logProbs ?? r?.logProbs ?? 'logits';
    let out: Record<string, ort.Tensor>;
    try {
      out = await runFetching(this.session, feeds, [name]);
    } catch (err) {
      throw new AttentionLensError('runtime-failure', `Running ${this.label} on ${B} windows of ${S} tokens failed: ${(err as Error).message}`);
    }
    const scores = new Float32Array(B * S); // [B, S]
    const dist = toFloat32(out[name]!);
    if (r?.tokenScores) return (scores.set(dist.subarray(0, B * S)), scores); // [B, S, 1]
    // The whole distribution [B, S, V]: pick each next token (normalising raw logits here).
    const V = dist.length / (B * S);
    for (let b = 0; b < B; b++) {
      for (let j = 0; j + 1 < S; j++) {
        const row = (b * S + j) * V; // [B, S, V]
        scores[b * S + j] = dist[row + Number(ids[b * S + j + 1])]! - (r ? 0 : logSumExp(dist, row, V));
      }
    }
    return scores;
  }

  /** The session outputs a fetch asks for, in no particular order. */
  private outputNames(fetch: Fetch): string[] {
    const r = this.reductions;
    const names: string[] = [];
    const outputs = this.session.outputNames;
    if (fetch.attention) names.push(...this.attentionOutputs);
    if (fetch.logits && outputs.includes('logits')) names.push('logits');
    if (fetch.logProbs && r) names.push(r.logProbs);
    if (fetch.top && r) names.push(r.topValues, r.topIndices);
    if (fetch.tokenScores && r?.tokenScores) names.push(r.tokenScores.logProbs, r.tokenScores.higher);
    if (fetch.present) names.push(...outputs.filter((n) => n.startsWith('present') && pastNameFor(n, this.pastInputs)));
    if (fetch.extra) names.push(...fetch.extra);
    if (names.length === 0) throw new Error('forward: nothing to fetch');
    return names;
  }

  private outputsOf(out: Record<string, ort.Tensor>, names: string[], attention: LayersAttention | null, extraNames: string[]): ForwardOutput {
    const r = this.reductions;
    const logitsTensor = out.logits ?? null;
    const present: PastCache = new Map();
    for (const name of names) {
      const pastName = name.startsWith('present') ? pastNameFor(name, this.pastInputs) : undefined;
      if (pastName) present.set(pastName, out[name]!);
    }
    const values = r ? out[r.topValues] : undefined;
    const scores = r?.tokenScores ? [out[r.tokenScores.logProbs], out[r.tokenScores.higher]] : [];
    const extra: Record<string, ort.Tensor> = {};
    for (const name of extraNames) extra[name] = out[name]!; // a loop, not a closure over `out` (see forward)
    // Converted on first read: fp16 logits [S, V] cost more to convert than the rest of an extraction.
    let logits: Float32Array | null | undefined;
    return {
      get logits() {
        return (logits ??= logitsTensor ? toFloat32(logitsTensor) : null);
      },
      vocab: lastDim(logitsTensor ?? (r ? out[r.logProbs] : undefined)) ?? (this.hasLogits ? this.dims.vocab : 0),
      attention,
      present,
      logProbs: r && out[r.logProbs] ? (out[r.logProbs]!.data as Float32Array) : null,
      top: r && values ? { k: values.dims[values.dims.length - 1]!, values: values.data as Float32Array, indices: out[r.topIndices]!.data as BigInt64Array } : null,
      tokenScores: scores[0] && scores[1] ? { logProbs: scores[0].data as Float32Array, higher: scores[1].data as Float32Array } : null,
      extra,
    };
  }
}
