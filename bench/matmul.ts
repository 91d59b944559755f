// This machine's fp32 matmul throughput, measured through onnxruntime-node (the engine the
// extension runs on) with a one-node MatMul graph built here. The best of repeated runs is the
// figure: it is the closest this machine gets to its peak, which is what a "limit" should be.
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { now, summarize, type Summary } from './stats';

const { onnx } = onnxProto;

/** ONNX bytes for C = A · B with A [M, K] and B [K, N] both graph inputs (nothing to constant-fold). */
export function matmulModel(M: number, K: number, N: number): Uint8Array {
  const FLOAT = onnx.TensorProto.DataType.FLOAT;
  const tensorType = (dims: number[]) => ({
    tensorType: { elemType: FLOAT, shape: { dim: dims.map((d) => ({ dimValue: d })) } },
  });
  const model = onnx.ModelProto.create({
    irVersion: 7,
    producerName: 'attention-lens-bench',
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'matmul',
      node: [{ opType: 'MatMul', input: ['A', 'B'], output: ['C'], name: 'mm' }],
      input: [
        { name: 'A', type: tensorType([M, K]) },
        { name: 'B', type: tensorType([K, N]) },
      ],
      output: [{ name: 'C', type: tensorType([M, N]) }],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

export interface MatmulThroughput {
  M: number;
  K: number;
  N: number;
  threads: number | 'default';
  /** ms per GEMM over the timed runs. */
  ms: Summary;
  /** 2·M·K·N / best time. */
  gflopsBest: number;
  gflopsMedian: number;
}

function randomMatrix(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0; // LCG: values only need to be non-trivial
    out[i] = s / 2 ** 32 - 0.5;
  }
  return out;
}

/** Times `repeats` GEMMs of the given size after a warm-up; threads = ORT intra-op threads. */
export async function measureMatmul(M: number, K: number, N: number, repeats: number, threads?: number): Promise<MatmulThroughput> {
  const opts: ort.InferenceSession.SessionOptions = threads ? { intraOpNumThreads: threads } : {};
  const session = await ort.InferenceSession.create(matmulModel(M, K, N), opts);
  const feeds = {
    A: new ort.Tensor('float32', randomMatrix(M * K, 1), [M, K]),
    B: new ort.Tensor('float32', randomMatrix(K * N, 2), [K, N]),
  };
  for (let i = 0; i < 3; i++) await session.run(feeds);
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = now();
    await session.run(feeds);
    times.push(now() - t0);
  }
  const ms = summarize(times);
  const flops = 2 * M * K * N;
  return {
    M,
    K,
    N,
    threads: threads ?? 'default',
    ms,
    gflopsBest: flops / (ms.min * 1e6),
    gflopsMedian: flops / (ms.median * 1e6),
  };
}
