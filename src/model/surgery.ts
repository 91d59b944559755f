// Graph surgery: find every attention Softmax by its structure and expose each layer's output (the
// attention probabilities, [batch, heads, query, key]) as a graph output of its own. No Concat joins
// them: the runner hands the runtime one slice of the result buffer per layer to write into.
//
// An attention softmax is a Softmax over the last axis whose input comes (through scaling,
// masking and casts) from a MatMul of two activations (Q·Kᵀ), and whose output is multiplied
// (possibly through Cast/Dropout/quantization) with another activation (V).
import { onnx } from 'onnx-proto';
import { AttentionLensError } from './errors';
import { checkRuntimeSupport } from './compat';
import {
  defaultOpset, indexGraph, intAttribute, isDefaultDomain, valueDims, walkNodes,
  type Graph, type GraphIndex, type Node,
} from './onnxGraph';

/** Ops that fuse attention so its probabilities never exist as a tensor. */
const FUSED_ATTENTION_OPS = new Set([
  'Attention', 'MultiHeadAttention', 'GroupQueryAttention', 'PackedAttention', 'PackedMultiHeadAttention',
  'DecoderAttention', 'DecoderMaskedMultiHeadAttention', 'DecoderMaskedSelfAttention', 'SparseAttention',
  'LongformerAttention', 'QAttention', 'QOrderedAttention', 'RelativePositionBias',
]);
/** Between Q·Kᵀ and the Softmax: scaling, biases, masks, casts. */
const SCORE_PASS_THROUGH = new Set(['Div', 'Mul', 'Add', 'Sub', 'Where', 'Cast', 'Identity', 'Max', 'Min', 'Clip', 'Tanh']);
/** Between the Softmax and ·V. */
const PROB_PASS_THROUGH = new Set(['Cast', 'Dropout', 'DynamicQuantizeLinear', 'QuantizeLinear', 'DequantizeLinear', 'Identity', 'Reshape']);
/**
 * Views followed through their data input only (input 0; the shape is computed from activations
 * too): GPT-NeoX computes scores on [B·H, Q, K] and views them as [B, H, Q, K] before masking, OPT
 * masks on [B, H, Q, K] and views back to [B·H, Q, K] for its softmax and ·V.
 */
const VIEWS = new Set(['Reshape']);
const MATMULS = new Set(['MatMul', 'MatMulInteger', 'QLinearMatMul']);
const MAX_DEPTH = 8;

export interface SurgeryResult {
  /** The patched model, serialised. */
  bytes: Uint8Array;
  /** One graph output per layer holding its attention, [batch, H, Q, K], layers in topological order. */
  attentionOutputs: string[];
  nLayers: number;
  /** Where the attention lives: the main graph, or both branches of a merged decoder's If. */
  layout: 'flat' | 'merged';
  /** The graph's real inputs (initializers excluded), with fixed sizes as numbers. */
  inputs: InputMeta[];
  /** Extra outputs computing the per-position normaliser and top-k in the runtime, when logits exist. */
  reductions: LogitReductions | null;
}

export interface LogitReductions {
  /** Input: int64 [1], how many top entries to return (≤ vocabulary size). */
  kInput: string;
  /** Output: log-probabilities, log softmax(logits) over the vocabulary, [1, T, V]. */
  logProbs: string;
  /** Outputs: top-k log-probabilities and their ids per position, [1, T, k]. */
  topValues: string;
  topIndices: string;
  /**
   * Outputs, when the graph takes int64 input_ids: for each position t, the log-probability of
   * the input token at t+1 and how many tokens scored strictly higher there (its rank − 1), each
   * [1, T, 1] float; the last position has no next token and its entries mean nothing. Scored in
   * the runtime, so an analysis need not fetch the whole [T, V] distribution.
   */
  tokenScores: { logProbs: string; higher: string } | null;
}

export interface InputMeta {
  name: string;
  /** onnx.TensorProto.DataType */
  elemType: number;
  dims: (number | string)[];
}

export function isAttentionSoftmax(node: Node, index: GraphIndex, opset: number): boolean {
  if (node.opType !== 'Softmax' || !isDefaultDomain(node)) return false;
  const input = node.input?.[0];
  const output = node.output?.[0];
  if (!input || !output) return false;
  const axis = intAttribute(node, 'axis') ?? (opset >= 13 ? -1 : 1);
  const rank = index.rank.get(input) ?? index.rank.get(output);
  const lastAxis = axis === -1 || (rank !== undefined ? axis === rank - 1 : axis >= 2);
  if (!lastAxis) return false;
  return comesFromScores(input, index) && feedsValueProduct(output, index);
}

const isActivation = (name: string | null | undefined, index: GraphIndex): name is string => !!name && !index.constants.has(name);

/** Walks back from the softmax input to a MatMul whose two operands are both activations. */
function comesFromScores(value: string, index: GraphIndex): boolean {
  const seen = new Set<string>();
  let frontier = [value];
  for (let depth = 0; depth <= MAX_DEPTH && frontier.length > 0; depth++) {
    const next: string[] = [];
    for (const name of frontier) {
      if (seen.has(name)) continue;
      seen.add(name);
      const node = index.producer.get(name);
      if (!node) continue;
      const op = node.opType ?? '';
      const inputs = node.input ?? [];
      if (MATMULS.has(op)) {
        // QLinearMatMul interleaves scales: its operands are inputs 0 and 3.
        const [a, b] = op === 'QLinearMatMul' ? [inputs[0], inputs[3]] : [inputs[0], inputs[1]];
        if (isActivation(a, index) && isActivation(b, index)) return true;
        continue;
      }
      if (SCORE_PASS_THROUGH.has(op) || op === 'DequantizeLinear') {
        for (const x of inputs) if (isActivation(x, index)) next.push(x);
      } else if (VIEWS.has(op) && isActivation(inputs[0], index)) {
        next.push(inputs[0]);
      }
    }
    frontier = next;
  }
  return false;
}

/** Walks forward from the softmax output to a MatMul with another activation operand. */
function feedsValueProduct(value: string, index: GraphIndex): boolean {
  const seen = new Set<string>();
  let frontier = [value];
  for (let depth = 0; depth <= MAX_DEPTH && frontier.length > 0; depth++) {
    const next: string[] = [];
    for (const name of frontier) {
      if (seen.has(name)) continue;
      seen.add(name);
      for (const node of index.consumers.get(name) ?? []) {
        const op = node.opType ?? '';
        const inputs = node.input ?? [];
        if (MATMULS.has(op)) {
          const operands = op === 'QLinearMatMul' ? [inputs[0], inputs[3]] : [inputs[0], inputs[1]];
          const other = operands.find((x) => x !== name);
          if (isActivation(other, index)) return true;
        } else if (PROB_PASS_THROUGH.has(op) && (!VIEWS.has(op) || inputs[0] === name)) {
          const out = node.output?.[0]; // DynamicQuantizeLinear: y; scale/zero point are outputs 1, 2
          if (out) next.push(out);
        }
      }
    }
    frontier = next;
  }
  return false;
}

/** Attention softmaxes of one graph, in node (= topological) order. */
export function findAttentionSoftmaxes(graph: Graph, opset: number, outerConstants?: Set<string>): Node[] {
  const index = indexGraph(graph, outerConstants);
  return (graph.node ?? []).filter((n) => isAttentionSoftmax(n, index, opset));
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

function freshName(wanted: string, taken: Set<string>): string {
  let name = wanted;
  for (let i = 1; taken.has(name); i++) name = `attention_lens.${i}.${wanted}`;
  taken.add(name);
  return name;
}

function allValueNames(graph: Graph): Set<string> {
  const names = new Set<string>();
  for (const v of [...(graph.input ?? []), ...(graph.output ?? [])]) if (v.name) names.add(v.name);
  walkNodes(graph, (n) => (n.output ?? []).forEach((o) => o && names.add(o)));
  return names;
}

export interface SurgeryOptions {
  /** Add the next-token scores (causal models only; an encoder's runtime would compute them for nothing). Default true. */
  scoreTokens?: boolean;
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
  return { bytes: onnx.ModelProto.encode(model).finish(), attentionOutputs: layers.map((l) => l.value), nLayers: layers.length, layout: merged ? 'merged' : 'flat', inputs, reductions };
}

/** Adds a Cast of `value` to float32, named `wanted` (made unique); returns the cast's output. */
function castToFloat(graph: Graph, value: string, wanted: string, taken: Set<string>): string {
  const name = freshName(wanted, taken);
  graph.node!.push({ opType: 'Cast', name, input: [value], output: [name], attribute: [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: onnx.TensorProto.DataType.FLOAT }] });
  return name;
}

function countSoftmax(graph: Graph): number {
  let n = 0;
  walkNodes(graph, (node) => { if (node.opType === 'Softmax') n++; });
  return n;
}

/**
 * Adds LogSoftmax and TopK over the last axis of a main-graph `logits` output, so the runtime
 * (vectorised, multi-threaded) does the per-position work instead of JavaScript. LogSoftmax is one
 * fused pass, several times cheaper here than ReduceLogSumExp, and its top-k are the logits' top-k.
 */
function addLogitReductions(graph: Graph, opset: number, taken: Set<string>, scoreTokens: boolean): LogitReductions | null {
  if (opset < 11 || !(graph.output ?? []).some((o) => o.name === 'logits')) return null;
  const r: LogitReductions = {
    kInput: freshName('attention_lens.top_k', taken),
    logProbs: freshName('attention_lens.logprobs', taken),
    topValues: freshName('attention_lens.topk_logprobs', taken),
    topIndices: freshName('attention_lens.topk_indices', taken),
    tokenScores: null,
  };
  const FLOAT = onnx.TensorProto.DataType.FLOAT;
  const INT64 = onnx.TensorProto.DataType.INT64;
  const logitsFloat = castToFloat(graph, 'logits', 'attention_lens.logits_f32', taken);
  // axis -1 is the vocabulary in every opset (before 13 the input is viewed as [rows, V], the same here).
  graph.node!.push({ opType: 'LogSoftmax', name: r.logProbs, input: [logitsFloat], output: [r.logProbs], attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: -1 }] });
  graph.input!.push({ name: r.kInput, type: { tensorType: { elemType: INT64, shape: { dim: [{ dimValue: 1 }] } } } });
  graph.node!.push({
    opType: 'TopK', name: r.topValues, input: [r.logProbs, r.kInput], output: [r.topValues, r.topIndices],
    attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: -1 }, { name: 'largest', type: onnx.AttributeProto.AttributeType.INT, i: 1 }, { name: 'sorted', type: onnx.AttributeProto.AttributeType.INT, i: 1 }],
  });
  const out = (name: string, elemType: number, rank: number): onnx.IValueInfoProto => ({ name, type: { tensorType: { elemType, shape: { dim: Array.from({ length: rank }, () => ({})) } } } });
  graph.output!.push(out(r.logProbs, FLOAT, 3), out(r.topValues, FLOAT, 3), out(r.topIndices, INT64, 3));
  r.tokenScores = scoreTokens ? addTokenScores(graph, opset, r.logProbs, taken) : null;
  if (r.tokenScores) graph.output!.push(out(r.tokenScores.logProbs, FLOAT, 3), out(r.tokenScores.higher, FLOAT, 3));
  return r;
}

/**
 * The score of each next input token: input_ids shifted left by one (a 0 appended, so no [T, V]
 * slice is copied), picked from the log-probabilities with GatherElements, and the count of
 * entries strictly above it (ties share a rank). Null when the graph has no int64 input_ids.
 */
function addTokenScores(graph: Graph, opset: number, logProbs: string, taken: Set<string>): LogitReductions['tokenScores'] {
  const ids = (graph.input ?? []).find((i) => i.name === 'input_ids');
  if (!ids || ids.type?.tensorType?.elemType !== onnx.TensorProto.DataType.INT64) return null;
  const INT = onnx.AttributeProto.AttributeType.INT;
  const INTS = onnx.AttributeProto.AttributeType.INTS;
  const constant = (wanted: string, value: bigint): string => {
    const name = freshName(wanted, taken);
    graph.initializer!.push({ name, dataType: onnx.TensorProto.DataType.INT64, dims: [1], rawData: new Uint8Array(BigInt64Array.from([value]).buffer) });
    return name;
  };
  const node = (opType: string, wanted: string, input: string[], attribute: onnx.IAttributeProto[] = []): string => {
    const name = freshName(wanted, taken);
    graph.node!.push({ opType, name, input, output: [name], attribute });
    return name;
  };
  graph.initializer ??= [];
  const zero = constant('attention_lens.zero', 0n);
  const one = constant('attention_lens.one', 1n);
  const end = constant('attention_lens.end', 0x7fffffffffffffffn);
  // Opset 13 moved Unsqueeze's and ReduceSum's axes from attributes to inputs.
  const axes2 = opset >= 13 ? [constant('attention_lens.axis_2', 2n)] : [];
  const axesAttr: onnx.IAttributeProto[] = opset >= 13 ? [] : [{ name: 'axes', type: INTS, ints: [2] }];
  const later = node('Slice', 'attention_lens.later_ids', ['input_ids', one, end, one]); // [B, T−1]
  const pad = node('Mul', 'attention_lens.pad_id', [node('Slice', 'attention_lens.first_id', ['input_ids', zero, one, one]), zero]); // [B, 1] of 0
  const nextIds = node('Concat', 'attention_lens.next_ids', [later, pad], [{ name: 'axis', type: INT, i: 1 }]); // [B, T]
  const index = node('Unsqueeze', 'attention_lens.next_index', [nextIds, ...axes2], axesAttr); // [B, T, 1]
  const picked = node('GatherElements', 'attention_lens.token_logprobs', [logProbs, index], [{ name: 'axis', type: INT, i: 2 }]); // [B, T, 1]
  const above = node('Greater', 'attention_lens.above_token', [logProbs, picked]); // [B, T, V] bool
  // Counted in int32: the runtime's bool→int32 cast over [T, V] is quicker than bool→float (measured).
  const aboveInt = node('Cast', 'attention_lens.above_token_i32', [above], [{ name: 'to', type: INT, i: onnx.TensorProto.DataType.INT32 }]);
  const count = node('ReduceSum', 'attention_lens.token_higher_i32', [aboveInt, ...axes2], [...axesAttr, { name: 'keepdims', type: INT, i: 1 }]); // [B, T, 1]
  const higher = castToFloat(graph, count, 'attention_lens.token_higher', taken);
  return { logProbs: picked, higher };
}
