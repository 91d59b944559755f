// The q·k breakdown's part of the graph surgery: for each attention softmax, the MatMul of two
// activations that computes its scores (Q·Kᵀ), its two operands, and every scalar factor applied
// on the way (to q or k before the product, or to the product before the softmax), found by graph
// structure. The graph then outputs, per layer, q and k with those factors divided out, the one
// scale they make together, and the softmax's own input, so that
//   softmax input = scale · (q · k) + mask   exactly, where the mask is 0 or a large negative.
import { Builder, INT, INTS, type Site } from './graphBuilder';
import type { GraphIndex, Node } from './onnxGraph';

/** A factor on the way: a scalar value multiplied (or divided, `invert`), or −1 (value null). */
interface Factor { value: string | null; invert: boolean }

export interface QkLayerParts {
  /** The MatMul's operands as fed: queries [.., T, D] and keys transposed [.., D, K]. */
  q: string;
  kT: string;
  qFactors: Factor[];
  kFactors: Factor[];
  /** Factors between the product and the softmax. */
  postFactors: Factor[];
  /** The softmax's input, [.., T, K]. */
  scores: string;
}

const VIEW_OPS = new Set(['Reshape', 'Transpose', 'Unsqueeze', 'Squeeze', 'Expand', 'Identity', 'Cast', 'Tile']);
const INTEGER_PRODUCTS = new Set(['MatMulInteger', 'ConvInteger', 'QLinearMatMul']);
const MAX_DEPTH = 16;

const isActivation = (name: string | null | undefined, index: GraphIndex): name is string => !!name && !index.constants.has(name);

/** A value known without running the model on data: a constant, or computed only from constants and shapes. */
function isStatic(value: string, index: GraphIndex, depth = 0): boolean {
  if (index.constants.has(value)) return true;
  const node = index.producer.get(value);
  if (!node || depth > MAX_DEPTH) return false;
  if (node.opType === 'Shape' || node.opType === 'Size') return true;
  return (node.input ?? []).filter((x) => x).every((x) => isStatic(x, index, depth + 1));
}

/** A static value holding one number (a size-1 initializer, a size-1 Constant, or one computed from sizes). */
function isScalar(value: string, index: GraphIndex, dimsOf: (name: string) => number[] | null): boolean {
  if (!isStatic(value, index)) return false;
  const dims = dimsOf(value) ?? constantNodeDims(index.producer.get(value));
  return dims === null || dims.reduce((a, d) => a * d, 1) === 1;
}

function constantNodeDims(node: Node | undefined): number[] | null {
  if (node?.opType !== 'Constant') return null;
  const t = node.attribute?.find((a) => a.name === 'value')?.t;
  return t ? (t.dims ?? []).map(Number) : null;
}

/** Back from the softmax input to the score MatMul through scaling, masks, clamps and views; null when not reached. */
function scorePath(value: string, index: GraphIndex, scalar: (v: string) => boolean, depth = 0): { matmul: Node; factors: Factor[] } | null {
  const node = index.producer.get(value);
  if (!node || depth > MAX_DEPTH) return null;
  const inputs = node.input ?? [];
  const op = node.opType ?? '';
  const through = (x: string | undefined, factor?: Factor) => {
    if (!isActivation(x, index)) return null;
    const found = scorePath(x, index, scalar, depth + 1);
    return found && factor ? { ...found, factors: [...found.factors, factor] } : found;
  };
  const firstOf = (xs: (string | undefined)[]) => xs.reduce<ReturnType<typeof through>>((found, x) => found ?? through(x), null);
  switch (op) {
    case 'MatMul': return inputs.slice(0, 2).every((x) => isActivation(x, index)) ? { matmul: node, factors: [] } : null;
    case 'Mul':
      if (scalar(inputs[1]!)) return through(inputs[0], { value: inputs[1]!, invert: false });
      if (scalar(inputs[0]!)) return through(inputs[1], { value: inputs[0]!, invert: false });
      return null;
    case 'Div': return scalar(inputs[1]!) ? through(inputs[0], { value: inputs[1]!, invert: true }) : null;
    case 'Sub': return through(inputs[0]) ?? through(inputs[1], { value: null, invert: false });
    case 'Add': case 'Max': case 'Min': return firstOf(inputs);
    case 'Where': return firstOf([inputs[1], inputs[2]]);
    case 'Clip': case 'Cast': case 'Identity': case 'Reshape': case 'Squeeze': case 'Unsqueeze': return through(inputs[0]);
    default: return null;
  }
}

/** Back from a MatMul operand through views and scalar factors to the vectors it was made from. */
function operandFactors(value: string, index: GraphIndex, scalar: (v: string) => boolean): Factor[] {
  const factors: Factor[] = [];
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    const node = index.producer.get(value);
    const inputs = node?.input ?? [];
    if (!node) break;
    if (VIEW_OPS.has(node.opType ?? '') && isActivation(inputs[0], index)) { value = inputs[0]; continue; }
    const vectorSide = node.opType === 'Mul' ? (scalar(inputs[1]!) ? 0 : scalar(inputs[0]!) ? 1 : -1) : node.opType === 'Div' && scalar(inputs[1]!) ? 0 : -1;
    if (vectorSide < 0) break;
    // An integer product's dequantizing scale belongs to the vectors, not to the attention.
    const from = index.producer.get(inputs[vectorSide]!);
    const integer = from?.opType === 'Cast' ? index.producer.get(from.input?.[0] ?? '') : from;
    if (integer && INTEGER_PRODUCTS.has(integer.opType ?? '')) break;
    factors.push({ value: inputs[1 - vectorSide]!, invert: node.opType === 'Div' });
    value = inputs[vectorSide]!;
  }
  return factors;
}

/** The q·k parts of one softmax, or null when its score product is not found. */
export function qkLayerParts(softmaxOut: string, index: GraphIndex, dimsOf: (name: string) => number[] | null): QkLayerParts | null {
  const softmax = index.producer.get(softmaxOut);
  const scores = softmax?.input?.[0];
  if (!scores) return null;
  const scalar = (v: string) => !!v && isScalar(v, index, dimsOf);
  const path = scorePath(scores, index, scalar);
  if (!path) return null;
  const [q, kT] = path.matmul.input as [string, string];
  return { q, kT, qFactors: operandFactors(q, index, scalar), kFactors: operandFactors(kT, index, scalar), postFactors: path.factors, scores };
}

/** One float [1] value: the product of the factors (1 when there are none). */
function factorProduct(b: Builder, site: Site, factors: Factor[], wanted: string): string {
  const shape = b.constant(`${wanted}_shape`, [1n], [1]);
  const values = factors.map((f, i) => {
    if (f.value === null) return b.constant(`${wanted}_minus_${i}`, [-1], [1]);
    const one = b.node(site.graph, 'Reshape', `${wanted}_${i}`, [b.toFloat(site.graph, f.value, `${wanted}_f32_${i}`), shape]);
    return f.invert ? b.node(site.graph, 'Reciprocal', `${wanted}_inv_${i}`, [one]) : one;
  });
  return values.reduce((acc, v, i) => b.node(site.graph, 'Mul', `${wanted}_times_${i}`, [acc, v]), b.constant(`${wanted}_one`, [1], [1]));
}

/**
 * Adds the q·k outputs of every layer of a site: queries [L·H, T, D], keys [L·H, K, D] (factors
 * divided out), the scale [L] and the softmax inputs [L·H, T, K]. Returns their names, or what is missing.
 */
export function addQk(b: Builder, site: Site, dimsOf: (name: string) => number[] | null): string[] | { missing: string[] } {
  const parts = site.parts.layers.map((layer) => qkLayerParts(layer.softmax, site.index, dimsOf));
  const lost = parts.map((p, l) => (p ? -1 : l)).filter((l) => l >= 0);
  if (lost.length > 0) return { missing: [`the q·k product before the softmax of layer ${lost.join(', ')} (a MatMul of two activations reached through scaling, masks and views only)`] };
  const g = site.graph;
  const minusOne = b.constant('qk_minus_one', [-1n], [1]);
  const lastTwo = [b.constant('qk_from_second_last', [-2n], [1]), b.constant('qk_to_end', [0x7fffffffffffffffn], [1])];
  // [.., A, B] → [N, A, B]: every leading axis (batch, heads, or both folded) into one.
  const fold = (x: string, wanted: string) => b.node(g, 'Reshape', wanted, [x, b.node(g, 'Concat', `${wanted}_shape`, [minusOne, b.node(g, 'Slice', `${wanted}_ab`, [b.node(g, 'Shape', `${wanted}_dims`, [x]), ...lastTwo])], [{ name: 'axis', type: INT, i: 0 }])]);
  const qs: string[] = [], ks: string[] = [], scales: string[] = [], scores: string[] = [];
  parts.forEach((p, l) => {
    const qf = factorProduct(b, site, p!.qFactors, `qk_q_factor_${l}`);
    const kf = factorProduct(b, site, p!.kFactors, `qk_k_factor_${l}`);
    const post = factorProduct(b, site, p!.postFactors, `qk_post_factor_${l}`);
    scales.push(b.node(g, 'Mul', `qk_scale_${l}`, [b.node(g, 'Mul', `qk_qk_factor_${l}`, [qf, kf]), post])); // [1]
    qs.push(fold(b.node(g, 'Div', `qk_q_${l}`, [b.toFloat(g, p!.q, `qk_q_f32_${l}`), qf]), `qk_q_folded_${l}`)); // [H, T, D]
    const kT = fold(b.node(g, 'Div', `qk_kt_${l}`, [b.toFloat(g, p!.kT, `qk_kt_f32_${l}`), kf]), `qk_kt_folded_${l}`); // [H, D, K]
    ks.push(b.node(g, 'Transpose', `qk_k_${l}`, [kT], [{ name: 'perm', type: INTS, ints: [0, 2, 1] }])); // [H, K, D]
    scores.push(fold(b.toFloat(g, p!.scores, `qk_scores_f32_${l}`), `qk_scores_folded_${l}`)); // [H, T, K]
  });
  const axis0 = [{ name: 'axis', type: INT, i: 0 }];
  return [
    b.node(g, 'Concat', 'qk_queries', qs, axis0), // [L·H, T, D]
    b.node(g, 'Concat', 'qk_keys', ks, axis0), // [L·H, K, D]
    b.node(g, 'Concat', 'qk_scales', scales, axis0), // [L]
    b.node(g, 'Concat', 'qk_scores', scores, axis0), // [L·H, T, K]
  ];
}

/** Ranks of addQk's outputs. */
export const QK_RANKS = [3, 3, 1, 3];
