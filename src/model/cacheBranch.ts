// A merged decoder (Optimum's decoder_model_merged.onnx) holds the whole network twice, in the two
// branches of an If on `use_cache_branch`: without a past and with one. ONNX Runtime prepacks every
// MatMul weight of both branches, so the session holds the weights about three times (measured with
// a GPT-2-small-shaped model: 802 MB after load, 509 MB with the cached branch alone). The branch
// with a past also runs a first pass, from an empty past, so that branch alone is kept: its nodes
// take the If's place and `use_cache_branch` is no longer an input.
import type { onnx } from 'onnx-proto';
import { isPastInput, subgraphs, type Graph, type Node } from './onnxGraph';

const CACHE_SWITCH = 'use_cache_branch';

/** Every value name a graph's nodes read, its subgraphs' included (outer-scope reads). */
function readsOf(graph: Graph, into = new Set<string>()): Set<string> {
  for (const node of graph.node ?? []) {
    for (const i of node.input ?? []) if (i) into.add(i);
    for (const g of subgraphs(node)) readsOf(g, into);
  }
  for (const o of graph.output ?? []) if (o.name) into.add(o.name);
  return into;
}

/**
 * Replaces a merged decoder's If on `use_cache_branch` by the branch that reads the past, in place.
 * Returns whether it did (false: no such If, or neither branch alone reads the past).
 */
export function keepCachedBranch(model: onnx.IModelProto): boolean {
  const graph = model.graph;
  if (!graph?.node || !(graph.input ?? []).some((i) => i.name === CACHE_SWITCH)) return false;
  let inlined = false;
  for (;;) {
    const at = graph.node.findIndex((n) => n.opType === 'If' && n.input?.[0] === CACHE_SWITCH);
    if (at < 0 || !inlineBranch(graph, at)) break;
    inlined = true;
  }
  if (inlined && !readsOf(graph).has(CACHE_SWITCH)) graph.input = (graph.input ?? []).filter((i) => i.name !== CACHE_SWITCH);
  return inlined;
}

/** The If at `at` replaced by its branch that reads the past; false (graph unchanged) when that branch is not clear. */
function inlineBranch(graph: Graph, at: number): boolean {
  const ifNode = graph.node![at]!;
  const pastInputs = (graph.input ?? []).map((i) => i.name ?? '').filter(isPastInput);
  const branches = ['then_branch', 'else_branch'].map((name) => ifNode.attribute?.find((a) => a.name === name)?.g);
  const readsPast = branches.map((g) => !!g && pastInputs.some((p) => readsOf(g).has(p)));
  if (readsPast[0] === readsPast[1]) return false;
  const branch = branches[readsPast[0] ? 0 : 1]!;
  const outputs = ifNode.output ?? [];
  const branchOutputs = (branch.output ?? []).map((o) => o.name ?? '');
  if (branchOutputs.length !== outputs.length) return false;

  // The branch's outputs become the If's output names (a branch output that only passes a value through gets an Identity).
  const rename = new Map(branchOutputs.map((name, i) => [name, outputs[i]!]));
  const produced = new Set<string>();
  const names = new Set((graph.node ?? []).map((n) => n.name ?? ''));
  const nodes: Node[] = (branch.node ?? []).map((n, k) => {
    for (const o of n.output ?? []) produced.add(o);
    const name = n.name && !names.has(n.name) ? n.name : `attention_lens.cached_branch_${at}_${k}`; // node names stay unique
    return { ...n, name, input: (n.input ?? []).map((i) => rename.get(i) ?? i), output: (n.output ?? []).map((o) => rename.get(o) ?? o) };
  });
  branchOutputs.forEach((name, i) => {
    if (!produced.has(name)) nodes.push({ opType: 'Identity', name: `attention_lens.cached_branch_output_${i}`, input: [name], output: [outputs[i]!] });
  });
  graph.node!.splice(at, 1, ...nodes); // in the If's place: everything the branch reads is defined before it
  graph.initializer = [...(graph.initializer ?? []), ...(branch.initializer ?? [])];
  graph.valueInfo = [...(graph.valueInfo ?? []), ...(branch.valueInfo ?? []).filter((v) => !rename.has(v.name ?? ''))];
  return true;
}
