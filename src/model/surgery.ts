// Graph surgery: find every attention Softmax by its structure (attentionSoftmax.ts) and expose
// each layer's output (the attention probabilities, [batch, heads, query, key]) as a graph output
// of its own. No Concat joins them: the ONNX session hands the runtime one slice of the result
// buffer per layer to write into. Logit reductions (logitReductions.ts) are added after `logits`.
import { onnx } from 'onnx-proto';
import { AttentionLensError } from './errors';
import { checkRuntimeSupport } from './compat';
import { keepCachedBranch } from './cacheBranch';
import { allValueNames, defaultOpset, freshName, indexGraph, valueDims, walkNodes, type Graph, type GraphIndex, type Node } from './onnxGraph';
import { isAttentionSoftmax } from './attentionSoftmax';
import { addLogitReductions, type LogitReductions } from './logitReductions';

export type { LogitReductions };

/** Ops that fuse attention so its probabilities never exist as a tensor. */
const FUSED_ATTENTION_OPS = new Set([
  'Attention', 'MultiHeadAttention', 'GroupQueryAttention', 'PackedAttention', 'PackedMultiHeadAttention',
  'DecoderAttention', 'DecoderMaskedMultiHeadAttention', 'DecoderMaskedSelfAttention', 'SparseAttention',
  'LongformerAttention', 'QAttention', 'QOrderedAttention', 'RelativePositionBias',
]);

export interface SurgeryResult {
  /** The patched model, serialised. */
  bytes: Uint8Array;
  /** One graph output per layer holding its attention, [batch, H, Q, K], layers in topological order. */
  attentionOutputs: string[];
  nLayers: number;
  /** Where the attention lives: the main graph, or both branches of a merged decoder's If. */
  layout: 'flat' | 'merged';
  /** A merged decoder reduced to its branch with a past (cacheBranch.ts). */
  cachedBranchOnly: boolean;
  /** The graph's real inputs (initializers excluded), with fixed sizes as numbers. */
  inputs: InputMeta[];
  /** Extra outputs computing the per-position normaliser and top-k in the runtime, when logits exist. */
  reductions: LogitReductions | null;
}

export interface InputMeta {
  name: string;
  /** onnx.TensorProto.DataType */
  elemType: number;
  dims: (number | string)[];
}

function rejectFusedAttention(graph: Graph, label: string): void {
  walkNodes(graph, (node) => {
    const op = node.opType ?? '';
    if (node.domain === 'com.microsoft' && FUSED_ATTENTION_OPS.has(op)) {
      throw new AttentionLensError(
        'fused-attention',
        `${label} computes attention with the fused operator com.microsoft.${op} (node "${node.name || '?'}"), ` +
          'which never exposes the attention probabilities. Use an export of this model made without attention ' +
          'fusion: a plain, unoptimised ONNX export (e.g. `optimum-cli export onnx --model <id> --task text-generation-with-past ' +
          '--opset 14 <folder>`, without --optimize; fp32 or dynamically quantized both work), as the Xenova/* models made ' +
          "for transformers.js 2.x are. ONNX Runtime's transformer optimizer and the onnxruntime-genai model builder fuse attention.",
      );
    }
  });
}

function tensorOutput(name: string, elemType: number): onnx.IValueInfoProto {
  // Rank 4 with unknown sizes: [batch, heads, query, key].
  const dim = [0, 1, 2, 3].map(() => ({}));
  return { name, type: { tensorType: { elemType, shape: { dim } } } };
}

export interface SurgeryOptions {
  /** Add the next-token scores (causal models only; an encoder's runtime would compute them for nothing). Default true. */
  scoreTokens?: boolean;
  /** Keep both branches of a merged decoder (for a branch with a past that cannot start from an empty one); default false: only that branch (cacheBranch.ts). */
  bothBranches?: boolean;
}

/** Decodes, patches and re-encodes a model. `label` names the file in error messages. */
export function exposeAttention(bytes: Uint8Array, label: string, opts: SurgeryOptions = {}): SurgeryResult {
  let model: onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (err) {
    throw new AttentionLensError('onnx-unreadable', `${label} is not a readable ONNX model (${(err as Error).message}). Re-export or re-download it.`);
  }
  const graph = model.graph;
  if (!graph || !(graph.node?.length)) {
    throw new AttentionLensError('onnx-unreadable', `${label} contains no graph. Re-export or re-download it.`);
  }
  rejectFusedAttention(graph, label);
  checkRuntimeSupport(model, label);
  const cachedBranchOnly = !opts.bothBranches && keepCachedBranch(model);
  const opset = defaultOpset(model);
  const mainIndex = indexGraph(graph);
  const taken = allValueNames(graph);
  const elemTypeOf = (index: GraphIndex, n: Node) =>
    index.elemType.get(n.output![0]!) ?? index.elemType.get(n.input![0]!) ?? onnx.TensorProto.DataType.FLOAT;

  // Per layer: the main-graph value holding its attention (made a graph output below).
  const layers: { value: string; elemType: number }[] = [];

  // Flat graph: the softmaxes are main-graph nodes.
  const flat = (graph.node ?? []).filter((n) => isAttentionSoftmax(n, mainIndex, opset));
  for (const softmax of flat) layers.push({ value: softmax.output![0]!, elemType: elemTypeOf(mainIndex, softmax) });

  // Merged decoder: an If whose two branches each hold one softmax per layer.
  let merged = false;
  for (const node of graph.node ?? []) {
    if (node.opType !== 'If') continue;
    const thenBranch = node.attribute?.find((a) => a.name === 'then_branch')?.g;
    const elseBranch = node.attribute?.find((a) => a.name === 'else_branch')?.g;
    if (!thenBranch || !elseBranch) continue;
    const thenIndex = indexGraph(thenBranch, mainIndex.constants);
    const elseIndex = indexGraph(elseBranch, mainIndex.constants);
    const inThen = (thenBranch.node ?? []).filter((n) => isAttentionSoftmax(n, thenIndex, opset));
    const inElse = (elseBranch.node ?? []).filter((n) => isAttentionSoftmax(n, elseIndex, opset));
    if (inThen.length === 0 && inElse.length === 0) continue;
    if (inThen.length !== inElse.length) {
      throw new AttentionLensError(
        'no-attention',
        `${label}: the two branches of If node "${node.name || '?'}" have different numbers of attention softmaxes ` +
          `(${inThen.length} vs ${inElse.length}), so layers cannot be matched. Use a plain (non-merged) export.`,
      );
    }
    merged = true;
    inThen.forEach((softmaxThen, i) => {
      const softmaxElse = inElse[i]!;
      const elemType = elemTypeOf(thenIndex, softmaxThen);
      thenBranch.output!.push(tensorOutput(softmaxThen.output![0]!, elemType));
      elseBranch.output!.push(tensorOutput(softmaxElse.output![0]!, elemType));
      const name = freshName(`attention_lens.layer_${layers.length}`, taken);
      node.output!.push(name);
      layers.push({ value: name, elemType });
    });
  }

  if (layers.length === 0) {
    const anySoftmax = countSoftmax(graph) > 0;
    throw new AttentionLensError(
      'no-attention',
      `${label} has no attention softmax${anySoftmax ? ' (its Softmax nodes are not between Q·Kᵀ and ·V)' : ''}, ` +
        'so its attention cannot be shown. Use an unfused transformer export whose attention uses MatMul + Softmax.',
    );
  }
  const outputs = new Set((graph.output ?? []).map((o) => o.name));
  for (const l of layers) if (!outputs.has(l.value)) graph.output!.push(tensorOutput(l.value, l.elemType));
  const reductions = addLogitReductions(graph, opset, taken, opts.scoreTokens ?? true);
  const initializers = new Set((graph.initializer ?? []).map((t) => t.name));
  const inputs = (graph.input ?? [])
    .filter((vi) => vi.name && !initializers.has(vi.name))
    .map((vi) => ({ name: vi.name!, elemType: vi.type?.tensorType?.elemType ?? 0, dims: valueDims(vi) }));
  return { bytes: onnx.ModelProto.encode(model).finish(), attentionOutputs: layers.map((l) => l.value), nLayers: layers.length, layout: merged ? 'merged' : 'flat', cachedBranchOnly, inputs, reductions };
}

function countSoftmax(graph: Graph): number {
  let n = 0;
  walkNodes(graph, (node) => { if (node.opType === 'Softmax') n++; });
  return n;
}

