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

/**
 * A later GEMM check (the analysis section runs one at each size) may find a higher peak: the
 * throughput row and every limit row then use the best figure seen anywhere in this run.
 */
export function raisePeak(ctx: BenchContext, gflops: number): number {
  const peak = Math.max(ctx.shared.peakGflops ?? 0, gflops);
  if (peak === ctx.shared.peakGflops) return peak;
  ctx.shared.peakGflops = peak;
  for (const row of ctx.report.rows) {
    if (row.key === 'matmul_gflops') {
      row.value = peak;
      if (!row.note?.includes('later check')) row.note = `${row.note ?? ''}; best from a later check in this run`;
    }
    const n = Number(/^limit_ms_(\d+)$/.exec(row.key ?? '')?.[1]);
    const flops = ctx.shared.flopsAt?.get(n);
    if (flops !== undefined) row.value = flops / (peak * 1e6);
  }
  return peak;
}
