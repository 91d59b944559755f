// Which Softmax nodes are attention: a Softmax over the last axis whose input comes (through
// scaling, masking and casts) from a MatMul of two activations (Q·Kᵀ), and whose output is
// multiplied (possibly through Cast/Dropout/quantization) with another activation (V).
import { intAttribute, isDefaultDomain, type GraphIndex, type Node } from './onnxGraph';

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

/** The two activation operands of a matrix product (QLinearMatMul interleaves scales: its operands are inputs 0 and 3). */
function operands(op: string, inputs: readonly string[]): (string | undefined)[] {
  return op === 'QLinearMatMul' ? [inputs[0], inputs[3]] : [inputs[0], inputs[1]];
}

/**
 * Breadth-first from `start`, at most MAX_DEPTH steps: `step` visits one value, says whether it
 * ends the search (true) and adds the values to visit next.
 */
function searchFrom(start: string, step: (name: string, next: string[]) => boolean): boolean {
  const seen = new Set<string>();
  let frontier = [start];
  for (let depth = 0; depth <= MAX_DEPTH && frontier.length > 0; depth++) {
    const next: string[] = [];
    for (const name of frontier) {
      if (seen.has(name)) continue;
      seen.add(name);
      if (step(name, next)) return true;
    }
    frontier = next;
  }
  return false;
}

/** Walks back from the softmax input to a MatMul whose two operands are both activations. */
function comesFromScores(value: string, index: GraphIndex): boolean {
  return searchFrom(value, (name, next) => {
    const node = index.producer.get(name);
    if (!node) return false;
    const op = node.opType ?? '';
    const inputs = node.input ?? [];
    if (MATMULS.has(op)) return operands(op, inputs).every((x) => isActivation(x, index));
    if (SCORE_PASS_THROUGH.has(op) || op === 'DequantizeLinear') {
      for (const x of inputs) if (isActivation(x, index)) next.push(x);
    } else if (VIEWS.has(op) && isActivation(inputs[0], index)) {
      next.push(inputs[0]);
    }
    return false;
  });
}

/** Walks forward from the softmax output to a MatMul with another activation operand. */
function feedsValueProduct(value: string, index: GraphIndex): boolean {
  return searchFrom(value, (name, next) => {
    for (const node of index.consumers.get(name) ?? []) {
      const op = node.opType ?? '';
      if (MATMULS.has(op)) {
        const other = operands(op, node.input ?? []).find((x) => x !== name);
        if (isActivation(other, index)) return true;
      } else if (PROB_PASS_THROUGH.has(op) && (!VIEWS.has(op) || node.input?.[0] === name)) {
        const out = node.output?.[0]; // DynamicQuantizeLinear: y; scale/zero point are outputs 1, 2
        if (out) next.push(out);
      }
    }
    return false;
  });
}
