// The compute limit: FLOPs of one forward (from config.json) over this machine's measured
// fp32 matmul throughput (onnxruntime-node, one big GEMM, best run).
import type { BenchContext } from './context';
import { forwardFlops, matmulParams } from './flops';
import { measureMatmul } from './matmul';

const SECTION = 'compute limit';

export async function runCompute(ctx: BenchContext): Promise<void> {
  const { report, dims } = ctx;
  const side = 1024;
  // The peak is the best this machine does with any thread count, so try ORT's default, 1 and 2.
  const runs = [];
  for (const threads of [undefined, 1, 2]) runs.push(await measureMatmul(side, side, side, ctx.opts.quick ? 4 : 8, threads));
  const mm = runs.reduce((a, b) => (b.gflopsBest > a.gflopsBest ? b : a));
  report.add({
    section: SECTION,
    name: `fp32 GEMM ${side}³ through onnxruntime-node (best run)`,
    value: mm.gflopsBest,
    unit: 'GFLOP/s',
    key: 'matmul_gflops',
    note: `threads ${runs.map((r) => `${r.threads}: best ${r.gflopsBest.toFixed(0)}, median ${r.gflopsMedian.toFixed(0)}`).join('; ')}`,
  });
  report.extra.matmul = runs;
  report.extra.modelDims = dims;
  report.add({ section: SECTION, name: 'matmul weights in the model', value: matmulParams(dims) / 1e6, unit: 'M params', key: 'matmul_params_m' });
  ctx.shared.peakGflops = mm.gflopsBest;
  ctx.shared.flopsAt = new Map();
  for (const n of ctx.sizes) {
    const f = forwardFlops(dims, n);
    ctx.shared.flopsAt.set(n, f.total);
    report.extra[`flops_split_${n}`] = f;
    report.add({ section: SECTION, name: `matmul work of one forward, ${n} tokens`, value: f.total / 1e9, unit: 'GFLOP', key: `forward_gflop_${n}` });
    report.add({
      section: SECTION,
      name: `compute limit, ${n} tokens (work / peak GEMM)`,
      value: f.total / (mm.gflopsBest * 1e6),
      unit: 'ms',
      key: `limit_ms_${n}`,
    });
  }
}
