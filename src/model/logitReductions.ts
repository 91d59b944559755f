// Logit reductions surgery adds after a main-graph `logits` output, so the runtime (vectorised,
// multi-threaded) does the per-position work instead of JavaScript: log-probabilities, the top-k
// and, for causal models, each next input token's log-probability and rank.
import { onnx } from 'onnx-proto';
import { freshName, type Graph } from './onnxGraph';

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

/** Adds a Cast of `value` to float32, named `wanted` (made unique); returns the cast's output. */
function castToFloat(graph: Graph, value: string, wanted: string, taken: Set<string>): string {
  const name = freshName(wanted, taken);
  graph.node!.push({ opType: 'Cast', name, input: [value], output: [name], attribute: [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: onnx.TensorProto.DataType.FLOAT }] });
  return name;
}

/**
 * Adds LogSoftmax and TopK over the last axis of a main-graph `logits` output, so the runtime
 * (vectorised, multi-threaded) does the per-position work instead of JavaScript. LogSoftmax is one
 * fused pass, several times cheaper here than ReduceLogSumExp, and its top-k are the logits' top-k.
 */
export function addLogitReductions(graph: Graph, opset: number, taken: Set<string>, scoreTokens: boolean): LogitReductions | null {
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
