// Finding, by graph structure, what the internals views need around each attention softmax: the
// value vectors, each head's output, the output projection W_O, the residual stream after each
// layer, and the head that turns the last stream into logits. Each part may be missing; the reason
// then says what was looked for, so one view can fail while others work.
import { cutPoints } from './graphEdit';
import type { Graph, GraphIndex, Node } from './onnxGraph';

/** W_O as the graph stores it: a float [H·D, C] matrix (or its transpose), or a quantized one. */
export type WeightRef =
  | { kind: 'float'; name: string; transposed: boolean }
  | { kind: 'quantized'; weight: string; scale: string; zeroPoint: string | null };

export interface LayerParts {
  /** The attention probabilities, [1, H, T, K]. */
  softmax: string;
  /** Value vectors (float, before any quantization), [1, H, K, D]. */
  values: string | null;
  /** Each head's output α·V (float), [1, H, T, D]. */
  headOut: string | null;
  wO: WeightRef | null;
  /** The residual stream entering this layer (the other operand of the attention's residual Add). */
  residualIn: string | null;
  /** The output of the attention's residual Add. */
  residualMid: string | null;
  /** What was not found, for the message. */
  problems: string[];
}

export interface GraphParts {
  layers: LayerParts[];
  /** The residual stream after each layer, [1, T, C]; null where it was not found. */
  streams: (string | null)[];
  /** The value the head reads (the stream after the last layer) and the logits it computes. */
  head: { from: string; logits: string } | null;
  problems: string[];
}

const PROB_PASS = new Set(['Cast', 'Dropout', 'DynamicQuantizeLinear', 'QuantizeLinear', 'DequantizeLinear', 'Identity']);
const QUANT = new Set(['DynamicQuantizeLinear', 'QuantizeLinear', 'DequantizeLinear', 'Cast']);
/** Between a head output and W_O: moving heads into the feature axis, quantizing. */
const MERGE_PASS = new Set(['Transpose', 'Reshape', 'Cast', 'Identity', 'Dropout', 'Flatten', 'DynamicQuantizeLinear']);
/** Between W_O and the residual Add: bias, reshape back, dropout. */
const PROJ_PASS = new Set(['Add', 'Reshape', 'Cast', 'Identity', 'Dropout', 'Mul']);
const MATMULS = new Set(['MatMul', 'MatMulInteger', 'QLinearMatMul', 'Gemm']);

const isActivation = (name: string | null | undefined, index: GraphIndex): name is string => !!name && !index.constants.has(name);
const flowConsumers = (name: string, index: GraphIndex) => (index.consumers.get(name) ?? []).filter((n) => n.opType !== 'Shape' && n.opType !== 'Size');
const operands = (n: Node) => (n.opType === 'QLinearMatMul' ? [n.input?.[0], n.input?.[3]] : [n.input?.[0], n.input?.[1]]);

/** Follows single consumers through `pass` ops; returns the last value and the first consumer outside `pass`. */
function follow(value: string, index: GraphIndex, pass: Set<string>, stop?: (n: Node) => boolean): { value: string; next: Node | null } {
  for (let depth = 0; depth < 12; depth++) {
    const consumers = flowConsumers(value, index);
    if (consumers.length !== 1) return { value, next: null };
    const node = consumers[0]!;
    if (stop?.(node) || !pass.has(node.opType ?? '')) return { value, next: node };
    value = node.output![0]!;
  }
  return { value, next: null };
}

/** Back through quantization and casts to the float value they came from. */
function unquantize(value: string, index: GraphIndex): string {
  for (let depth = 0; depth < 4; depth++) {
    const node = index.producer.get(value);
    if (!node || !QUANT.has(node.opType ?? '') || !isActivation(node.input?.[0], index)) return value;
    value = node.input![0]!;
  }
  return value;
}

/** The constant operand of `node` that is a scale: for x·s with s = a·b, the constant factor of s. */
function constantFactor(value: string, index: GraphIndex): string | null {
  if (index.constants.has(value)) return value;
  const node = index.producer.get(value);
  if (node?.opType !== 'Mul') return null;
  return (node.input ?? []).find((i) => i && index.constants.has(i)) ?? null;
}

/** The stored weight behind a constant operand: exporters often leave a Transpose of it in the graph. */
function storedWeight(value: string, transposed: boolean, index: GraphIndex): WeightRef {
  const node = index.producer.get(value);
  const perm = node?.attribute?.find((a) => a.name === 'perm')?.ints?.map(Number);
  if (node?.opType === 'Transpose' && node.input?.[0] && (!perm || perm.join() === '1,0')) return storedWeight(node.input[0], !transposed, index);
  if ((node?.opType === 'Identity' || node?.opType === 'Cast') && node.input?.[0]) return storedWeight(node.input[0], transposed, index);
  return { kind: 'float', name: value, transposed };
}

function layerParts(softmax: Node, index: GraphIndex): LayerParts {
  const parts: LayerParts = { softmax: softmax.output![0]!, values: null, headOut: null, wO: null, residualIn: null, residualMid: null, problems: [] };
  // α·V: the MatMul the probabilities feed; V is its other operand.
  const probs = follow(parts.softmax, index, PROB_PASS, (n) => MATMULS.has(n.opType ?? ''));
  const product = probs.next && MATMULS.has(probs.next.opType ?? '') ? probs.next : null;
  if (!product) { parts.problems.push('the α·V product after the softmax'); return parts; }
  const other = operands(product).find((x) => x !== probs.value);
  parts.values = other ? unquantize(other, index) : null;
  // Integer products come back to float through Cast and a Mul by the scales.
  let out = product.output![0]!;
  if (product.opType !== 'MatMul') out = follow(out, index, new Set(['Cast', 'Mul', 'DequantizeLinear']), (n) => n.opType === 'Transpose' || n.opType === 'Reshape').value;
  parts.headOut = out;
  // W_O: the weight product after the heads are merged into the feature axis.
  const merged = follow(out, index, MERGE_PASS, (n) => MATMULS.has(n.opType ?? ''));
  const perm = (index.consumers.get(out) ?? []).find((n) => n.opType === 'Transpose')?.attribute?.find((a) => a.name === 'perm')?.ints?.map(Number);
  if (perm && perm.join() !== '0,2,1,3') parts.problems.push(`heads merged in an unusual order (Transpose ${perm.join(',')})`);
  const proj = merged.next && MATMULS.has(merged.next.opType ?? '') ? merged.next : null;
  const weight = proj?.input?.[1];
  if (!proj || !weight || !proj.input?.[0] || index.constants.has(proj.input[0]) || !index.constants.has(weight)) {
    parts.problems.push('the output projection W_O (a MatMul with a constant weight after the heads are merged)');
  } else if (proj.opType === 'MatMul') {
    parts.wO = storedWeight(weight, false, index);
  } else if (proj.opType === 'Gemm') {
    const transB = proj.attribute?.find((a) => a.name === 'transB')?.i;
    parts.wO = storedWeight(weight, Number(transB ?? 0) === 1, index);
  } else if (proj.opType === 'MatMulInteger') {
    const cast = flowConsumers(proj.output![0]!, index)[0];
    const mul = cast && flowConsumers(cast.output![0]!, index)[0];
    const scaleValue = mul?.opType === 'Mul' ? mul.input?.find((i) => i && i !== cast!.output![0]) : undefined;
    const scale = scaleValue ? constantFactor(scaleValue, index) : null;
    if (scale) parts.wO = { kind: 'quantized', weight, scale, zeroPoint: proj.input[3] || null };
    else parts.problems.push('the scale of the quantized output projection W_O');
  } else {
    parts.problems.push(`an output projection computed by ${proj.opType}`);
  }
  // The residual Add: the first Add after W_O whose other operand is an activation.
  if (proj) {
    const isResidual = (n: Node) => n.opType === 'Add' && (n.input ?? []).every((i) => isActivation(i, index));
    let start = proj.output![0]!;
    if (proj.opType === 'MatMulInteger') start = follow(start, index, new Set(['Cast']), (n) => n.opType === 'Mul').next?.output?.[0] ?? start;
    const walk = follow(start, index, PROJ_PASS, isResidual);
    if (walk.next && isResidual(walk.next)) {
      parts.residualIn = walk.next.input!.find((i) => i !== walk.value) ?? null;
      parts.residualMid = walk.next.output![0]!;
    }
  }
  if (!parts.residualMid) parts.problems.push('the residual Add after the attention');
  return parts;
}

/** Parts of every layer of one graph (the main graph, or one branch of a merged decoder). */
export function findGraphParts(graph: Graph, index: GraphIndex, softmaxes: Node[], logits: string | null): GraphParts {
  const layers = softmaxes.map((s) => layerParts(s, index));
  const L = layers.length;
  const problems: string[] = [];
  // The stream after layer l is the stream entering layer l+1; after the last layer it is the cut
  // point as far from that layer's residual Add as the earlier layers' streams are from theirs.
  const streams: (string | null)[] = layers.map((_, l) => (l + 1 < L ? layers[l + 1]!.residualIn : null));
  let head: GraphParts['head'] = null;
  const last = layers[L - 1];
  if (!logits) problems.push('a logits output (the model has no language-model head)');
  else if (!last?.residualMid) problems.push('the residual stream of the last layer');
  else {
    let steps: number | null = null;
    let op: string | undefined;
    for (let l = L - 2; l >= 0 && steps === null; l--) {
      const mid = layers[l]!.residualMid;
      const next = streams[l];
      if (!mid || !next) continue;
      const at = cutPoints(mid, logits, graph, index).indexOf(next);
      if (at >= 0) { steps = at; op = index.producer.get(next)?.opType ?? undefined; }
    }
    const cuts = cutPoints(last.residualMid, logits, graph, index);
    // One layer only: a pre-LN block's stream is the next Add of two activations.
    if (steps === null) steps = cuts.findIndex((v, i) => i > 0 && index.producer.get(v)?.opType === 'Add' && (index.producer.get(v)!.input ?? []).every((x) => isActivation(x, index)));
    const from = steps >= 0 ? cuts[steps] : undefined;
    if (!from || from === logits || (op && index.producer.get(from)?.opType !== op && steps > 0)) {
      problems.push('the residual stream after the last layer (no value after it that every path to the logits goes through, at the place the earlier layers have theirs)');
    } else {
      streams[L - 1] = from;
      head = { from, logits };
    }
  }
  return { layers, streams, head, problems };
}
