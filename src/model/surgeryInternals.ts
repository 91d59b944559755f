// Internals surgery: one patched graph per view of the model's inside, each run in a session of
// its own only when that view asks, so the plain analysis and the probe keep their graph.
//   valueNorms  ‖v_j W_Oʰ‖ for every layer, head and key         → [L, H, K]
//   rollout     Π_l (½ Ā_l + ½ I), Ā_l the head mean of layer l   → [T, K]
//   lens        each layer's stream through the model's own head → top-k [L, T, k] log-probs and ids
//   gates       the attention surgery plus a [L, H] gate input multiplying each head's output
//   qk          each layer's queries, keys, score scale and softmax input (qkParts.ts)
// The view graphs keep only the outputs they need and drop every node those do not read (ONNX
// Runtime 1.14 runs dead nodes too), so a value-norm run stops after the last layer's values.
import { onnx } from 'onnx-proto';
import { AttentionLensError } from './errors';
import { cloneBetween, pruneGraph, valueInfo } from './graphEdit';
import { isAttentionSoftmax } from './attentionSoftmax';
import { findGraphParts, type WeightRef } from './graphParts';
import { allValueNames, defaultOpset, freshName, indexGraph, valueDims, type Graph, type Node } from './onnxGraph';
import { exposeAttention, type InputMeta, type SurgeryResult } from './surgery';
import { keepCachedBranch } from './cacheBranch';
import { Builder, FLOAT, INT, INT64, INTS, type Site } from './graphBuilder';
import { addQk, QK_RANKS } from './qkParts';

/** Attention softmaxes of one graph, in node (= topological) order. */
function findAttentionSoftmaxes(graph: Graph, opset: number, outerConstants?: Set<string>): Node[] {
  const index = indexGraph(graph, outerConstants);
  return (graph.node ?? []).filter((n) => isAttentionSoftmax(n, index, opset));
}

export type InternalsFeature = 'valueNorms' | 'rollout' | 'lens' | 'gates' | 'qk';

export const FEATURE_NAMES: Record<InternalsFeature, string> = {
  valueNorms: 'Value-weighted attention', rollout: 'Attention rollout', lens: 'The logit lens', gates: 'Head ablation', qk: 'The q·k breakdown',
};

export interface InternalsGraph {
  bytes: Uint8Array;
  /** Real inputs (initializers excluded), the added ones included. */
  inputs: InputMeta[];
  /** valueNorms: [L, H, K]; rollout: [T, K]; lens: log-probs then ids, each [L, T, k]; gates: none (see base); qk: see qkParts.ts. */
  outputs: string[];
  nLayers: number;
  /** int64 [1]: the lens's k. */
  kInput?: string;
  /** float [L, H]: 1 keeps a head, 0 zeroes its output. */
  gatesInput?: string;
  /** gates: the attention surgery's outputs, which that graph keeps. */
  base?: SurgeryResult;
}

function missing(label: string, feature: InternalsFeature, what: string[]): AttentionLensError {
  return new AttentionLensError('internals-missing', `${FEATURE_NAMES[feature]} cannot be shown for ${label}: the graph surgery could not find ${[...new Set(what)].join('; ')}. The other views are not affected.`);
}

function initializerDims(graphs: Graph[], name: string): number[] | null {
  for (const g of graphs) {
    const t = (g.initializer ?? []).find((i) => i.name === name);
    if (t) return (t.dims ?? []).map(Number);
  }
  return null;
}

/** W_O as a float [H·D, C] value and its dims. */
function floatWeight(b: Builder, site: Site, main: Graph, w: WeightRef, opset: number): { value: string; dims: number[] } | null {
  if (w.kind === 'float') {
    const dims = initializerDims([main, site.graph], w.name);
    if (!dims || dims.length !== 2) return null;
    const value = w.transposed ? b.node(site.graph, 'Transpose', 'wo_t', [w.name], [{ name: 'perm', type: INTS, ints: [1, 0] }]) : w.name;
    return { value: b.toFloat(site.graph, value, 'wo_f32'), dims: w.transposed ? [dims[1]!, dims[0]!] : dims };
  }
  const dims = initializerDims([main, site.graph], w.weight);
  const scaleDims = initializerDims([main, site.graph], w.scale) ?? [];
  if (!dims || dims.length !== 2 || (scaleDims.length > 0 && opset < 13)) return null;
  const attrs = scaleDims.length > 0 ? [{ name: 'axis', type: INT, i: 1 }] : [];
  return { value: b.node(site.graph, 'DequantizeLinear', 'wo_deq', [w.weight, w.scale, ...(w.zeroPoint ? [w.zeroPoint] : [])], attrs), dims };
}

function addValueNorms(b: Builder, site: Site, main: Graph, heads: number, opset: number, label: string): string {
  const problems: string[] = [];
  const norms = site.parts.layers.map((layer, l) => {
    const weight = layer.wO ? floatWeight(b, site, main, layer.wO, opset) : null;
    if (!layer.values || !weight) {
      problems.push(...layer.problems.filter((p) => !p.startsWith('the residual')), ...(layer.wO && !weight ? ['the size of the output projection W_O'] : []));
      return '';
    }
    const [rows, cols] = weight.dims as [number, number];
    const perHead = b.node(site.graph, 'Reshape', `wo_heads_${l}`, [weight.value, b.constant(`wo_heads_shape_${l}`, [BigInt(heads), BigInt(rows / heads), BigInt(cols)], [3])]); // [H, D, C]
    const moved = b.node(site.graph, 'MatMul', `value_out_${l}`, [b.toFloat(site.graph, layer.values, `values_f32_${l}`), perHead]); // [1, H, K, C]
    return b.reduce(site.graph, 'ReduceL2', `value_norm_${l}`, moved, [-1], 0); // [1, H, K]
  });
  if (problems.length > 0) throw missing(label, 'valueNorms', problems);
  return b.node(site.graph, 'Concat', 'value_norms', norms, [{ name: 'axis', type: INT, i: 0 }]); // [L, H, K]
}

function addRollout(b: Builder, site: Site): string {
  const half = b.constant('half', [0.5], []);
  // Every leading axis (batch, heads; or both folded into one) becomes one: [B·H, T, K].
  const minusOne = b.constant('minus_one', [-1n], [1]);
  const lastTwo = [b.constant('from_second_last', [-2n], [1]), b.constant('to_end', [0x7fffffffffffffffn], [1])];
  let rolled = '';
  site.parts.layers.forEach((layer, l) => {
    const sizes = b.node(site.graph, 'Slice', `attention_tk_${l}`, [b.node(site.graph, 'Shape', `attention_shape_${l}`, [layer.softmax]), ...lastTwo]); // [T, K]
    const folded = b.node(site.graph, 'Reshape', `attention_heads_${l}`, [b.toFloat(site.graph, layer.softmax, `attention_f32_${l}`), b.node(site.graph, 'Concat', `attention_fold_${l}`, [minusOne, sizes], [{ name: 'axis', type: INT, i: 0 }])]); // [B·H, T, K]
    const mean = b.reduce(site.graph, 'ReduceMean', `head_mean_${l}`, folded, [0], 0); // [T, K]
    if (l === 0) {
      const eye = b.node(site.graph, 'EyeLike', 'identity', [mean]);
      rolled = b.node(site.graph, 'Add', 'rollout_0', [b.node(site.graph, 'Mul', 'half_a_0', [mean, half]), b.node(site.graph, 'Mul', 'half_i', [eye, half])]);
    } else {
      const through = b.node(site.graph, 'MatMul', `through_${l}`, [mean, rolled]); // Ā_l · R, [T, K]
      rolled = b.node(site.graph, 'Add', `rollout_${l}`, [b.node(site.graph, 'Mul', `half_ar_${l}`, [through, half]), b.node(site.graph, 'Mul', `half_r_${l}`, [rolled, half])]);
    }
  });
  return rolled;
}

function addLens(b: Builder, site: Site, kInput: string, label: string): string[] {
  const { head, streams } = site.parts;
  if (!head || streams.some((s) => !s)) throw missing(label, 'lens', [...site.parts.problems, ...site.parts.layers.flatMap((l) => l.problems.filter((p) => p.startsWith('the residual')))]);
  const values: string[] = [];
  const ids: string[] = [];
  streams.forEach((stream, l) => {
    // The last layer's stream is what the head already reads: its row is the model's own output.
    const logits = stream === head.from ? head.logits : cloneBetween(site.graph, site.index, head.from, head.logits, stream!, `attention_lens.lens_${l}.`);
    const logProbs = b.node(site.graph, 'LogSoftmax', `lens_logprobs_${l}`, [b.toFloat(site.graph, logits, `lens_logits_${l}`)], [{ name: 'axis', type: INT, i: -1 }]);
    const top = freshName(`attention_lens.lens_top_${l}`, b.taken);
    const index = freshName(`attention_lens.lens_top_ids_${l}`, b.taken);
    site.graph.node!.push({
      opType: 'TopK', name: top, input: [logProbs, kInput], output: [top, index],
      attribute: [{ name: 'axis', type: INT, i: -1 }, { name: 'largest', type: INT, i: 1 }, { name: 'sorted', type: INT, i: 1 }],
    }); // each [1, T, k]
    values.push(top);
    ids.push(index);
  });
  const axis0 = [{ name: 'axis', type: INT, i: 0 }];
  return [b.node(site.graph, 'Concat', 'lens_logprobs', values, axis0), b.node(site.graph, 'Concat', 'lens_ids', ids, axis0)]; // each [L, T, k]
}

function addGates(b: Builder, site: Site, gates: string, first: number, label: string): void {
  const problems = site.parts.layers.flatMap((l) => (l.headOut ? [] : l.problems));
  if (problems.length > 0) throw missing(label, 'gates', problems);
  // [H, 1, 1] lines up with the last three axes of [1, H, T, D] and of [H, T, D] (exports that fold batch into heads).
  const shape = b.constant('gate_shape', [-1n, 1n, 1n], [3]);
  site.parts.layers.forEach((layer, l) => {
    const out = layer.headOut!;
    const readers = (site.index.consumers.get(out) ?? []).slice();
    const row = b.node(site.graph, 'Gather', `gate_row_${first + l}`, [gates, b.constant(`layer_${first + l}`, [BigInt(first + l)], [])], [{ name: 'axis', type: INT, i: 0 }]); // [H]
    const gate = b.node(site.graph, 'Reshape', `gate_${first + l}`, [row, shape]); // [H, 1, 1]
    const gated = b.node(site.graph, 'Mul', `gated_heads_${first + l}`, [out, gate]); // [1, H, T, D]
    for (const reader of readers) reader.input = (reader.input ?? []).map((i) => (i === out ? gated : i));
  });
  // The gating nodes were appended; put each graph back in topological order.
  sortNodes(site.graph);
}

/** Topological order (ONNX requires it); stable for nodes already in order. */
function sortNodes(graph: Graph): void {
  const nodes = graph.node ?? [];
  const producedBy = new Map<string, Node>();
  for (const n of nodes) for (const o of n.output ?? []) if (o) producedBy.set(o, n);
  const done = new Set<Node>();
  const out: Node[] = [];
  const visit = (n: Node) => {
    if (done.has(n)) return;
    done.add(n);
    for (const i of n.input ?? []) { const p = i ? producedBy.get(i) : undefined; if (p) visit(p); }
    out.push(n);
  };
  nodes.forEach(visit);
  graph.node = out;
}

/** Builds the graph for one feature from the model's bytes. `heads` is the config's head count. */
export function exposeInternals(bytes: Uint8Array, label: string, feature: InternalsFeature, opts: { heads: number; scoreTokens?: boolean; bothBranches?: boolean }): InternalsGraph {
  const base = feature === 'gates' ? exposeAttention(bytes, label, { scoreTokens: opts.scoreTokens, bothBranches: opts.bothBranches }) : null;
  const model = onnx.ModelProto.decode(base ? base.bytes : bytes);
  if (!base && !opts.bothBranches) keepCachedBranch(model); // as exposeAttention does: one copy of the weights in the session
  const main = model.graph!;
  const opset = defaultOpset(model);
  const taken = allValueNames(main);
  const b = new Builder(main, taken, opset);
  const mainIndex = indexGraph(main);
  const sites: Site[] = [];
  const softmaxes = findAttentionSoftmaxes(main, opset);
  const hasLogits = (main.output ?? []).some((o) => o.name === 'logits');
  if (softmaxes.length > 0) sites.push({ graph: main, index: mainIndex, parts: findGraphParts(main, mainIndex, softmaxes, hasLogits ? 'logits' : null), logits: hasLogits ? 'logits' : null });
  let ifNode: Node | undefined;
  for (const node of main.node ?? []) {
    if (node.opType !== 'If' || sites.length > 0) continue;
    const branches = ['then_branch', 'else_branch'].map((n) => node.attribute?.find((a) => a.name === n)?.g).filter((g): g is Graph => !!g);
    const found = branches.map((g) => ({ g, index: indexGraph(g, mainIndex.constants) })).map((x) => ({ ...x, softmaxes: findAttentionSoftmaxes(x.g, opset, mainIndex.constants) }));
    if (found.length !== 2 || found.some((f) => f.softmaxes.length === 0)) continue;
    ifNode = node;
    const at = (node.output ?? []).indexOf('logits');
    for (const f of found) {
      const logits = at >= 0 ? f.g.output?.[at]?.name ?? null : null;
      sites.push({ graph: f.g, index: f.index, parts: findGraphParts(f.g, f.index, f.softmaxes, logits), logits });
    }
  }
  if (sites.length === 0) throw missing(label, feature, ['an attention softmax']);
  const nLayers = sites[0]!.parts.layers.length;
  const inputs = (): InputMeta[] => {
    const inits = new Set((main.initializer ?? []).map((t) => t.name));
    return (main.input ?? []).filter((vi) => vi.name && !inits.has(vi.name)).map((vi) => ({ name: vi.name!, elemType: vi.type?.tensorType?.elemType ?? 0, dims: valueDims(vi) }));
  };

  if (feature === 'gates') {
    const gates = freshName('attention_lens.head_gates', taken);
    main.input!.push({ name: gates, type: { tensorType: { elemType: FLOAT, shape: { dim: [{ dimValue: nLayers }, { dimValue: opts.heads }] } } } });
    for (const site of sites) addGates(b, site, gates, 0, label);
    return { bytes: onnx.ModelProto.encode(model).finish(), inputs: inputs(), outputs: [], nLayers, gatesInput: gates, base: base! };
  }

  let kInput: string | undefined;
  if (feature === 'lens') {
    kInput = freshName('attention_lens.lens_k', taken);
    main.input!.push({ name: kInput, type: { tensorType: { elemType: INT64, shape: { dim: [{ dimValue: 1 }] } } } });
  }
  // Each site computes the feature; ranks: value norms 3, rollout 2, lens 3 and 3, qk 3, 3, 1, 3.
  const perSite = sites.map((site) => {
    if (feature === 'valueNorms') return [{ name: addValueNorms(b, site, main, opts.heads, opset, label), elemType: FLOAT, rank: 3 }];
    if (feature === 'rollout') return [{ name: addRollout(b, site), elemType: FLOAT, rank: 2 }];
    if (feature === 'qk') {
      const names = addQk(b, site, (name) => initializerDims([main, site.graph], name));
      if (!Array.isArray(names)) throw missing(label, 'qk', names.missing);
      return names.map((name, i) => ({ name, elemType: FLOAT, rank: QK_RANKS[i]! }));
    }
    const [values, ids] = addLens(b, site, kInput!, label);
    return [{ name: values!, elemType: FLOAT, rank: 3 }, { name: ids!, elemType: INT64, rank: 3 }];
  });
  let outputs = perSite[0]!.map((o) => o.name);
  if (ifNode) {
    sites.forEach((site, i) => { site.graph.output = perSite[i]!.map((o) => valueInfo(o.name, o.elemType, o.rank)); });
    outputs = perSite[0]!.map((_, i) => freshName(`attention_lens.${feature}_${i}`, taken));
    ifNode.output = outputs;
  }
  main.output = outputs.map((name, i) => valueInfo(name, perSite[0]![i]!.elemType, perSite[0]![i]!.rank));
  pruneGraph(main);
  return { bytes: onnx.ModelProto.encode(model).finish(), inputs: inputs(), outputs, nLayers, kInput };
}
