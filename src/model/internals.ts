// The internals views' computations, each over a session of its own built when first asked for
// (see surgeryInternals.ts): value norms, attention rollout, the logit lens, and head ablation.
// Every array is row-major with its shape written beside it.
import { promises as fs } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { AttentionLensError, throwIfAborted } from './errors';
import { OnnxSession } from './onnxSession';
import { toFloat32 } from './onnxTensors';
import type { ModelDims } from './onnxFeeds';
import { exposeInternals, FEATURE_NAMES, type InternalsFeature, type InternalsGraph } from './surgeryInternals';

export interface InternalsSource {
  /** The model's ONNX file (read again when a view first asks). */
  file: string;
  label: string;
  dims: ModelDims & { heads: number };
  kind: 'decoder' | 'encoder';
  sessionOptions: ort.InferenceSession.SessionOptions;
  /** Keep both branches of a merged decoder (its branch with a past failed from an empty one, see load.ts). */
  bothBranches?: boolean;
}

export interface LensResult {
  k: number;
  /** Top-k token ids and probabilities of each layer's stream at each position, each [L, T, k]. */
  ids: Int32Array;
  probs: Float32Array;
}

export interface AblationResult {
  /** Change of ln p(token t | tokens < t) when head (l, h) is zeroed, [L, H, T]; NaN for t = 0 (no prediction). */
  delta: Float32Array;
  /** 1 where zeroing head (l, h) changes the top-1 prediction made at position t, [L, H, T]. */
  top1Changed: Uint8Array;
  /** The unablated top-1 prediction at each position, [T]. */
  top1: Int32Array;
}

export interface QkResult {
  /** Head dimension. */
  D: number;
  /** Queries and keys with every scalar factor divided out (after rotary embedding; keys repeated for grouped-query heads): [L, H, T, D] each. */
  q: Float32Array;
  k: Float32Array;
  /** What the dot product is multiplied by on its way to the softmax (1/√D, or the exporter's split of it), [L]. */
  scale: Float32Array;
  /** The softmax's input: scale · q·k plus the mask (0, or large and negative where a key is hidden), [L, H, T, K]. */
  scores: Float32Array;
}

interface FeatureRunner { runner: OnnxSession; graph: InternalsGraph }

export class Internals {
  private readonly runners = new Map<InternalsFeature, Promise<FeatureRunner>>();

  constructor(private readonly source: InternalsSource) {}

  get nHeads(): number {
    return this.source.dims.heads;
  }

  /** The session for one feature, built once; a graph lacking a part rejects with the reason every time. */
  runnerFor(feature: InternalsFeature): Promise<FeatureRunner> {
    let found = this.runners.get(feature);
    if (!found) {
      found = this.build(feature);
      this.runners.set(feature, found);
    }
    return found;
  }

  private async build(feature: InternalsFeature): Promise<FeatureRunner> {
    const { file, label, dims, kind } = this.source;
    const graph = exposeInternals(await fs.readFile(file), label, feature, { heads: dims.heads, scoreTokens: kind === 'decoder', bothBranches: this.source.bothBranches });
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(graph.bytes, this.source.sessionOptions);
    } catch (err) {
      throw new AttentionLensError('runtime-failure', `ONNX Runtime could not load the ${feature} graph of ${label}: ${(err as Error).message}`);
    }
    const runner = new OnnxSession(session, {
      inputs: graph.inputs, attentionOutputs: graph.base?.attentionOutputs ?? [], nLayers: graph.nLayers,
      reductions: graph.base?.reductions ?? null, gatesInput: graph.gatesInput, lensKInput: graph.kInput,
    }, dims, label);
    return { runner, graph };
  }

  /** ‖v_j W_Oʰ‖ for every layer, head and key: [L, H, T]. */
  async valueNorms(ids: number[]): Promise<Float32Array> {
    const { runner, graph } = await this.runnerFor('valueNorms');
    const out = await runner.forward(ids, null, 0, { extra: graph.outputs });
    return toFloat32(out.extra[graph.outputs[0]!]!);
  }

  /** Attention rollout Π_l (½ Ā_l + ½ I) from the first layer up: [T, T], row = query, column = input token. */
  async rollout(ids: number[]): Promise<Float32Array> {
    const { runner, graph } = await this.runnerFor('rollout');
    const out = await runner.forward(ids, null, 0, { extra: graph.outputs });
    return toFloat32(out.extra[graph.outputs[0]!]!);
  }

  /** Each layer's stream through the model's final norm and unembedding: top-k per position, [L, T, k]. */
  async logitLens(ids: number[], k: number): Promise<LensResult> {
    const { runner, graph } = await this.runnerFor('lens');
    const out = await runner.forward(ids, null, 0, { extra: graph.outputs }, k);
    const logProbs = toFloat32(out.extra[graph.outputs[0]!]!);
    const top = out.extra[graph.outputs[1]!]!;
    const kRun = top.dims[top.dims.length - 1]!;
    const probs = new Float32Array(logProbs.length);
    for (let i = 0; i < probs.length; i++) probs[i] = Math.exp(logProbs[i]!);
    return { k: kRun, ids: Int32Array.from(top.data as BigInt64Array, Number), probs };
  }

  /** Queries, keys, scale and softmax inputs of every layer and head (the q·k breakdown). */
  async qk(ids: number[]): Promise<QkResult> {
    const { runner, graph } = await this.runnerFor('qk');
    const out = await runner.forward(ids, null, 0, { extra: graph.outputs });
    const [q, k, scale, scores] = graph.outputs.map((name) => out.extra[name]!);
    const H = this.source.dims.heads;
    const LH = q!.dims[0]!;
    if (LH !== graph.nLayers * H) {
      throw new AttentionLensError('internals-missing', `${FEATURE_NAMES.qk} cannot be shown for ${this.source.label}: its score products hold ${LH} matrices, not layers × heads = ${graph.nLayers * H}.`);
    }
    return { D: q!.dims[2]!, q: toFloat32(q!), k: toFloat32(k!), scale: toFloat32(scale!), scores: toFloat32(scores!) };
  }

  /** The gated session's runner (analysis and probe with heads switched off). */
  async gatedRunner(): Promise<OnnxSession> {
    return (await this.runnerFor('gates')).runner;
  }

  /**
   * Zeroes each head in turn (one run per head, all positions) and scores every actual next token
   * against the run with all heads on. `onHead` reports progress; `signal` stops between runs.
   */
  async ablation(ids: number[], signal?: AbortSignal): Promise<AblationResult> {
    if (this.source.kind !== 'decoder') {
      throw new AttentionLensError('internals-missing', 'Head ablation scores each next token, so it needs a causal language model; this is an encoder.');
    }
    const runner = await this.gatedRunner();
    if (!runner.scoresTokens) throw new AttentionLensError('internals-missing', `Head ablation cannot be shown for ${this.source.label}: its graph has no int64 input_ids to score next tokens by.`);
    const T = ids.length;
    const L = runner.attentionOutputs.length;
    const H = this.source.dims.heads;
    const kept = runner.headGates;
    const score = async (gates: Float32Array | null) => {
      runner.headGates = gates;
      const out = await runner.forward(ids, null, 0, { tokenScores: true, top: true }, 1);
      return { logProbs: out.tokenScores!.logProbs.slice(), top: out.top! };
    };
    try {
      const base = await score(null);
      const top1 = Int32Array.from(base.top.indices, Number); // [T] (k = 1)
      const delta = new Float32Array(L * H * T).fill(NaN); // [L, H, T]
      const top1Changed = new Uint8Array(L * H * T);
      for (let l = 0; l < L; l++) {
        for (let h = 0; h < H; h++) {
          throwIfAborted(signal);
          const gates = new Float32Array(L * H).fill(1);
          gates[l * H + h] = 0; // [L, H]
          const ablated = await score(gates);
          const row = (l * H + h) * T;
          // Token t is scored at position t − 1 (the runtime's entry t − 1).
          for (let t = 1; t < T; t++) delta[row + t] = ablated.logProbs[t - 1]! - base.logProbs[t - 1]!;
          for (let t = 0; t < T; t++) top1Changed[row + t] = Number(ablated.top.indices[t]!) !== top1[t] ? 1 : 0;
        }
      }
      return { delta, top1Changed, top1 };
    } finally {
      runner.headGates = kept;
    }
  }
}
