// Editing helpers over one ONNX graph for the internals surgery: which values lie between two
// others, where the only ways through are (cut points), copying a stretch of graph onto another
// input, and dropping nodes no output needs (ONNX Runtime 1.14 runs dead nodes too; measured).
import { onnx } from 'onnx-proto';
import { subgraphs, type Graph, type GraphIndex, type Node } from './onnxGraph';

/** Ops whose outputs carry only a tensor's shape: edges through them do not carry the stream. */
const SHAPE_OPS = new Set(['Shape', 'Size']);

/** Names a graph reads from enclosing scopes (used, not produced or declared inside it). */
export function freeNames(graph: Graph): Set<string> {
  const own = new Set<string>();
  for (const i of graph.input ?? []) if (i.name) own.add(i.name);
  for (const i of graph.initializer ?? []) if (i.name) own.add(i.name);
  for (const n of graph.node ?? []) for (const o of n.output ?? []) if (o) own.add(o);
  const free = new Set<string>();
  for (const n of graph.node ?? []) {
    for (const i of n.input ?? []) if (i && !own.has(i)) free.add(i);
    for (const g of subgraphs(n)) for (const name of freeNames(g)) if (!own.has(name)) free.add(name);
  }
  for (const o of graph.output ?? []) if (o.name && !own.has(o.name)) free.add(o.name);
  return free;
}

/** Values `target` depends on (itself included), through node inputs and subgraph references. */
export function ancestors(target: string, index: GraphIndex): Set<string> {
  const seen = new Set<string>();
  const stack = [target];
  while (stack.length > 0) {
    const name = stack.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    const node = index.producer.get(name);
    if (!node) continue;
    for (const i of node.input ?? []) if (i) stack.push(i);
    for (const g of subgraphs(node)) for (const i of freeNames(g)) stack.push(i);
  }
  return seen;
}

/** Nodes reachable forward from `from` (shape-only edges included when `throughShapes`), in graph order. */
export function descendants(from: string, graph: Graph, throughShapes: boolean): Node[] {
  const reached = new Set([from]);
  const out: Node[] = [];
  for (const node of graph.node ?? []) {
    if (!throughShapes && SHAPE_OPS.has(node.opType ?? '')) continue;
    if (!(node.input ?? []).some((i) => i && reached.has(i))) continue;
    out.push(node);
    for (const o of node.output ?? []) if (o) reached.add(o);
  }
  return out;
}

/**
 * Values on the way from `from` to `target` that every path between them goes through, in graph
 * order, `from` first and `target` last. Shape-only edges do not count as paths (a reshape that
 * reads the embedding's shape does not make the embedding live to the end).
 */
export function cutPoints(from: string, target: string, graph: Graph, index: GraphIndex): string[] {
  const needed = ancestors(target, index);
  const nodes = descendants(from, graph, false).filter((n) => (n.output ?? []).some((o) => o && needed.has(o)));
  const position = new Map<string, number>([[from, -1]]);
  nodes.forEach((n, p) => (n.output ?? []).forEach((o) => o && position.set(o, p)));
  // lastUse[p]: the furthest node position that reads a value produced at or before p.
  const lastRead = new Map<string, number>();
  nodes.forEach((n, p) => (n.input ?? []).forEach((i) => { if (i && position.has(i)) lastRead.set(i, p); }));
  const cuts = [from];
  let reach = lastRead.get(from) ?? -1;
  for (let p = 0; p < nodes.length; p++) {
    const outs = (nodes[p]!.output ?? []).filter((o) => o && needed.has(o) && position.get(o) === p);
    // A cut: nothing produced before node p is read after it, and it yields one value on the way.
    if (reach <= p && outs.length === 1) cuts.push(outs[0]!);
    for (const o of nodes[p]!.output ?? []) if (o) reach = Math.max(reach, lastRead.get(o) ?? -1);
  }
  return cuts;
}

/**
 * Copies the nodes that compute `target` from `from` (everything in between, shape reads included)
 * onto `replacement`, naming every copied value `prefix` + name; returns the copy of `target`.
 */
export function cloneBetween(graph: Graph, index: GraphIndex, from: string, target: string, replacement: string, prefix: string): string {
  const needed = ancestors(target, index);
  const rename = new Map<string, string>([[from, replacement]]);
  const copies: Node[] = [];
  for (const node of descendants(from, graph, true)) {
    if (!(node.output ?? []).some((o) => o && needed.has(o))) continue;
    const copy = onnx.NodeProto.create({ ...node, name: prefix + (node.name ?? ''), input: (node.input ?? []).map((i) => rename.get(i) ?? i), output: [] });
    copy.output = (node.output ?? []).map((o) => {
      if (!o) return o;
      rename.set(o, prefix + o);
      return prefix + o;
    });
    copies.push(copy);
  }
  const copied = rename.get(target);
  if (!copied || copied === replacement) throw new Error(`nothing computes ${target} from ${from}`);
  graph.node!.push(...copies);
  return copied;
}

/** Drops nodes and initializers no graph output depends on; recurses into subgraphs first. */
export function pruneGraph(graph: Graph): void {
  for (const node of graph.node ?? []) for (const g of subgraphs(node)) pruneGraph(g);
  const needed = new Set<string>((graph.output ?? []).map((o) => o.name ?? ''));
  const kept: Node[] = [];
  const nodes = graph.node ?? [];
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i]!;
    if (!(node.output ?? []).some((o) => o && needed.has(o))) continue;
    kept.push(node);
    for (const input of node.input ?? []) if (input) needed.add(input);
    for (const g of subgraphs(node)) for (const name of freeNames(g)) needed.add(name);
  }
  graph.node = kept.reverse();
  // Weights only dropped nodes read go too (else the runtime warns about each one).
  graph.initializer = (graph.initializer ?? []).filter((t) => t.name && needed.has(t.name));
}


/** A float / int64 output declaration of the given rank, sizes unknown. */
export function valueInfo(name: string, elemType: number, rank: number): onnx.IValueInfoProto {
  return { name, type: { tensorType: { elemType, shape: { dim: Array.from({ length: rank }, () => ({})) } } } };
}
