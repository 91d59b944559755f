// The performance bars set in the issues, in one place so every row that has one shows it.
import type { Bar } from './report';

export const BARS = {
  analyzeMs512: { max: 60, source: 'issue 2' },
  torchRatio512: { max: 0.7, source: 'issue 2' },
  heatmapMs1024: { max: 50, source: 'issue 5' },
  overviewMs512: { max: 250, source: 'issue 5' },
  hoverP95Ms1024: { max: 16, source: 'issue 5' },
  viewMs1024: { max: 250, source: 'issue 17' },
  probeP95Ms256: { max: 40, source: 'issue 6' },
  valueNormsMs512: { max: 15, source: 'issue 16' },
  logitLensMs512: { max: 100, source: 'issue 16' },
  ablationMs512: { max: 1500, source: 'issue 16' },
  reachMs512: { max: 5000, source: 'issue 15' },
  baselinesMs512: { max: 200, source: 'issue 15' },
  scaleTorchRatio: { max: 0.2, source: 'issue 17' },
  scaleLimitRatio1024: { max: 1.2, source: 'issue 17' },
  scaleProbeP95Ms512: { max: 50, source: 'issue 17' },
  scaleLoadColdMs: { max: 3000, source: 'issue 17' },
  scaleRssPeakMb1024: { max: 1500, source: 'issue 17' },
  scaleCliRssPeakMb1024: { max: 2048, source: 'issue 17' },
  scaleLoopDelayP99Ms: { max: 100, source: 'issue 17' },
} satisfies Record<string, Bar>;

/** Keys every run writes (null when a section could not run), with their bars; per section. */
export const REQUIRED_KEYS: Record<string, { name: string; key: string; unit: string; bar?: Bar }[]> = {
  'compute limit': [{ name: 'fp32 GEMM throughput', key: 'matmul_gflops', unit: 'GFLOP/s' }],
  'model load': [{ name: 'cold load (new process)', key: 'load_cold_ms', unit: 'ms' }],
  analysis: [
    { name: 'analysis, 512 tokens (median)', key: 'analyze_ms_512', unit: 'ms', bar: BARS.analyzeMs512 },
    { name: 'ours / compute limit, 512 tokens', key: 'limit_ratio_512', unit: '×' },
    { name: 'ours / PyTorch, 512 tokens', key: 'torch_ratio_512', unit: '×', bar: BARS.torchRatio512 },
  ],
  'live probe': [
    { name: 'keystroke → top-k p95, 256 tokens, KV cache', key: 'probe_p95_ms_256', unit: 'ms', bar: BARS.probeP95Ms256 },
    { name: 'keystroke → top-k p95, 256 tokens, no cache', key: 'probe_nocache_p95_ms_256', unit: 'ms' },
  ],
  internals: [
    { name: 'value norms, 512 tokens (median)', key: 'value_norms_ms_512', unit: 'ms', bar: BARS.valueNormsMs512 },
    { name: 'logit lens, top-10, 512 tokens (median)', key: 'logit_lens_ms_512', unit: 'ms', bar: BARS.logitLensMs512 },
    { name: 'head ablation, every head, 512 tokens (median)', key: 'ablation_ms_512', unit: 'ms', bar: BARS.ablationMs512 },
  ],
  'reach and baselines': [
    { name: 'context reach, every k ≤ 64, 512 tokens', key: 'reach_ms_512', unit: 'ms', bar: BARS.reachMs512 },
    { name: 'compression table, 512 tokens', key: 'baselines_ms_512', unit: 'ms', bar: BARS.baselinesMs512 },
  ],
  memory: [{ name: 'RSS growth, 200 vs 10 analyses', key: 'rss_growth_mb_200', unit: 'MB' }],
  'host→webview bytes': [],
  'scale (GPT-2-small shape)': [
    { name: 'analysis, 512 tokens (median)', key: 'scale_analyze_ms_512', unit: 'ms' },
    { name: 'analysis, 1,024 tokens (median)', key: 'scale_analyze_ms_1024', unit: 'ms' },
    { name: 'ours / PyTorch, 512 tokens', key: 'scale_torch_ratio_512', unit: '×', bar: BARS.scaleTorchRatio },
    { name: 'ours / PyTorch, 1,024 tokens', key: 'scale_torch_ratio_1024', unit: '×', bar: BARS.scaleTorchRatio },
    { name: 'ours / compute limit, 1,024 tokens', key: 'scale_limit_ratio_1024', unit: '×', bar: BARS.scaleLimitRatio1024 },
    { name: 'keystroke → top-k p95, 512 tokens, KV cache', key: 'scale_probe_p95_ms_512', unit: 'ms', bar: BARS.scaleProbeP95Ms512 },
    { name: 'peak RSS, 1,024-token analysis (weights included)', key: 'scale_rss_peak_mb_1024', unit: 'MB', bar: BARS.scaleRssPeakMb1024 },
    { name: 'cold load, patched graph cached', key: 'scale_load_cold_ms', unit: 'ms', bar: BARS.scaleLoadColdMs },
  ],
  'webview rendering': [
    { name: 'heatmap, one head, 1,024 tokens', key: 'render_heatmap_ms_1024', unit: 'ms', bar: BARS.heatmapMs1024 },
    { name: 'overview grid, 512 tokens', key: 'render_overview_ms_512', unit: 'ms', bar: BARS.overviewMs512 },
    { name: 'hover redraw p95, 1,024 tokens', key: 'hover_p95_ms_1024', unit: 'ms', bar: BARS.hoverP95Ms1024 },
    { name: 'slowest view to draw, 12 × 12 heads, 1,024 tokens', key: 'view_max_ms_1024', unit: 'ms', bar: BARS.viewMs1024 },
  ],
};
