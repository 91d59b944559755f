// Small helpers over the ONNX protobuf: reading attributes, indexing producers/consumers,
// and telling activations (values computed from the inputs) from constants.
import { onnx } from 'onnx-proto';

export type Node = onnx.INodeProto;
export type Graph = onnx.IGraphProto;

/** int64 fields decode as Long objects or numbers depending on the protobuf runtime. */
export function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v && typeof (v as { toNumber?: unknown }).toNumber === 'function') return (v as { toNumber(): number }).toNumber();
  return Number(v);
}

export function attribute(node: Node, name: string): onnx.IAttributeProto | undefined {
  return (node.attribute ?? []).find((a) => a.name === name);
}

export function intAttribute(node: Node, name: string): number | undefined {
  const a = attribute(node, name);
  return a && a.i !== undefined && a.i !== null ? toNumber(a.i) : undefined;
}

/** The opset version of the default ONNX domain. */
export function defaultOpset(model: onnx.IModelProto): number {
  const entry = (model.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
  return entry ? toNumber(entry.version) : 1;
}

export function isDefaultDomain(node: Node): boolean {
  return !node.domain || node.domain === 'ai.onnx';
}

/** Every subgraph held in a node's attributes (If branches, Loop/Scan bodies). */
export function subgraphs(node: Node): Graph[] {
  const out: Graph[] = [];
  for (const a of node.attribute ?? []) {
    if (a.g) out.push(a.g);
    for (const g of a.graphs ?? []) out.push(g);
  }
  return out;
}

/** Calls `visit` for every node of the graph and of all nested subgraphs. */
export function walkNodes(graph: Graph, visit: (node: Node) => void): void {
  for (const node of graph.node ?? []) {
    visit(node);
    for (const g of subgraphs(node)) walkNodes(g, visit);
  }
}

export interface GraphIndex {
  producer: Map<string, Node>;
  consumers: Map<string, Node[]>;
  /** Values that do not depend on any graph input (initializers, Constant nodes, and ops over them). */
  constants: Set<string>;
  /** Declared rank of a value where the graph records it. */
  rank: Map<string, number>;
  /** Declared element type (onnx.TensorProto.DataType) where the graph records it. */
  elemType: Map<string, number>;
}

/** Indexes one graph; `outerConstants` are constants visible from an enclosing graph. */
export function indexGraph(graph: Graph, outerConstants: Set<string> = new Set()): GraphIndex {
  const producer = new Map<string, Node>();
  const consumers = new Map<string, Node[]>();
  const constants = new Set<string>(outerConstants);
  for (const init of graph.initializer ?? []) if (init.name) constants.add(init.name);
  for (const init of graph.sparseInitializer ?? []) if (init.values?.name) constants.add(init.values.name);
  // Inputs shadow outer names, and a graph input that also has an initializer is overridable: treat as activation.
  for (const input of graph.input ?? []) if (input.name) constants.delete(input.name);

  for (const node of graph.node ?? []) {
    for (const out of node.output ?? []) if (out) producer.set(out, node);
    for (const input of node.input ?? []) {
      if (!input) continue;
      const list = consumers.get(input) ?? [];
      list.push(node);
      consumers.set(input, list);
    }
    // Nodes are topologically ordered (an ONNX requirement), so one pass propagates constness.
    const inputs = (node.input ?? []).filter((x) => x);
    const hasSubgraph = subgraphs(node).length > 0;
    const allConst = node.opType === 'Constant' || (!hasSubgraph && inputs.length > 0 && inputs.every((x) => constants.has(x)));
    if (allConst && !['RandomNormal', 'RandomUniform', 'RandomNormalLike', 'RandomUniformLike'].includes(node.opType ?? '')) {
      for (const out of node.output ?? []) if (out) constants.add(out);
    }
  }

  const rank = new Map<string, number>();
  const elemType = new Map<string, number>();
  for (const vi of [...(graph.input ?? []), ...(graph.valueInfo ?? []), ...(graph.output ?? [])]) {
    const tensor = vi.type?.tensorType;
    if (!vi.name || !tensor) continue;
    if (tensor.elemType) elemType.set(vi.name, tensor.elemType);
    if (tensor.shape?.dim) rank.set(vi.name, tensor.shape.dim.length);
  }
  return { producer, consumers, constants, rank, elemType };
}

/** Dimensions of a graph input/output as numbers (fixed) or strings (symbolic / unknown). */
export function valueDims(vi: onnx.IValueInfoProto): (number | string)[] {
  const dims = vi.type?.tensorType?.shape?.dim ?? [];
  return dims.map((d, i) => {
    if (d.dimValue !== undefined && d.dimValue !== null && toNumber(d.dimValue) > 0) return toNumber(d.dimValue);
    return d.dimParam || `dim${i}`;
  });
}

/** `wanted`, or a variant of it no value of the graph uses yet (then taken). */
export function freshName(wanted: string, taken: Set<string>): string {
  let name = wanted;
  for (let i = 1; taken.has(name); i++) name = `attention_lens.${i}.${wanted}`;
  taken.add(name);
  return name;
}

/** Every value name of the graph: inputs, outputs and every node output, subgraphs included. */
export function allValueNames(graph: Graph): Set<string> {
  const names = new Set<string>();
  for (const v of [...(graph.input ?? []), ...(graph.output ?? [])]) if (v.name) names.add(v.name);
  walkNodes(graph, (n) => (n.output ?? []).forEach((o) => o && names.add(o)));
  return names;
}

/** Whether a graph input is a past key/value (Optimum and transformers.js spellings). */
export function isPastInput(name: string): boolean {
  return name.startsWith('past_key_values') || name.startsWith('past.') || name.startsWith('past_');
}
