// Adding nodes to a model graph for the internals views: fresh names, constants in the main graph
// (every If branch can read them), and the few op spellings that changed between opsets.
import { onnx } from 'onnx-proto';
import type { GraphParts } from './graphParts';
import { freshName, type Graph, type GraphIndex } from './onnxGraph';

export const FLOAT = onnx.TensorProto.DataType.FLOAT;
export const INT64 = onnx.TensorProto.DataType.INT64;
export const INT = onnx.AttributeProto.AttributeType.INT;
export const INTS = onnx.AttributeProto.AttributeType.INTS;

/** A place holding layers: the main graph, or one branch of a merged decoder's If. */
export interface Site { graph: Graph; index: GraphIndex; parts: GraphParts; logits: string | null }

/** Adds nodes and constants; constants go to the main graph, which every branch can read. */
export class Builder {
  constructor(private readonly main: Graph, readonly taken: Set<string>, private readonly opset: number) {}

  constant(wanted: string, values: number[] | bigint[], dims: number[]): string {
    const name = freshName(`attention_lens.${wanted}`, this.taken);
    const isInt = typeof values[0] === 'bigint';
    const raw = isInt ? new Uint8Array(BigInt64Array.from(values as bigint[]).buffer) : new Uint8Array(Float32Array.from(values as number[]).buffer);
    (this.main.initializer ??= []).push({ name, dataType: isInt ? INT64 : FLOAT, dims, rawData: raw });
    return name;
  }

  node(graph: Graph, opType: string, wanted: string, input: string[], attribute: onnx.IAttributeProto[] = []): string {
    const name = freshName(`attention_lens.${wanted}`, this.taken);
    graph.node!.push({ opType, name, input, output: [name], attribute });
    return name;
  }

  /** ReduceMean/ReduceL2 over `axes` (an attribute before opset 18, an input from it). */
  reduce(graph: Graph, op: string, wanted: string, x: string, axes: number[], keepdims: number): string {
    const keep = { name: 'keepdims', type: INT, i: keepdims };
    if (this.opset >= 18) return this.node(graph, op, wanted, [x, this.constant(`${wanted}_axes`, axes.map(BigInt), [axes.length])], [keep]);
    return this.node(graph, op, wanted, [x], [{ name: 'axes', type: INTS, ints: axes }, keep]);
  }

  toFloat(graph: Graph, x: string, wanted: string): string {
    return this.node(graph, 'Cast', wanted, [x], [{ name: 'to', type: INT, i: FLOAT }]);
  }
}
