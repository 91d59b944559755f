// What the host sends for an analysis and how it answers the webview's data requests. Pure (no
// vscode import): the panel uses it, and so does the webview tests' stand-in host.
import type { HostToWebview, WebviewToHost } from '../common/protocol';
import type { AnalysisResult } from '../model';
import { attentionLayers } from '../common/attentionLayers';
import { allHeadStats } from '../common/stats';
import { overviewBytes, selectorProblem, sliceAttention } from '../common/slices';
import { toHeader, type AnalysisSource } from './analysisData';
import { attentionFor, type PanelInternals } from './internalsResponder';

export interface CurrentAnalysis {
  id: number;
  result: AnalysisResult;
  source: AnalysisSource;
  /** [L, H, S], computed once on first use. */
  stats: Float32Array | null;
  /** The internals views computed so far for this analysis (value norms, rollout, lens, ablation). */
  internals?: PanelInternals;
}

/**
 * Sends an analysis as the panel does: the header at once, the head statistics after it on the next
 * turn of the event loop (computed then, so the heatmap does not wait for them), while `stillShown()`.
 * The webview tests' stand-in host sends through this too, so it behaves like the real panel.
 */
export function sendAnalysis(a: CurrentAnalysis, post: (m: HostToWebview) => void, stillShown: () => boolean): void {
  post(headerMessage(a));
  if (a.stats) post(headStatsMessage(a));
  else setTimeout(() => { if (stillShown()) post(headStatsMessage(a)); }, 0);
}

function headerMessage(a: CurrentAnalysis): HostToWebview {
  return { type: 'analysis', header: toHeader(a.result, a.id, a.source) };
}

/** Every head's statistics ([L, H, S]): from the analysis when it computed them before keeping attention compact, else here on first use (~50 ms for 4 × 4 heads at 512 tokens), then kept. */
export function analysisHeadStats(a: CurrentAnalysis): Float32Array {
  const r = a.result;
  return a.stats ??= r.headStats ?? allHeadStats(attentionLayers(r), r.shape.nLayers, r.shape.nHeads, r.shape.nTokens, r.tokens.map((t) => t.id), r.model.kind === 'decoder');
}

function headStatsMessage(a: CurrentAnalysis): HostToWebview {
  return { type: 'headStats', analysisId: a.id, data: analysisHeadStats(a) };
}

type DataRequest = Extract<WebviewToHost, { type: 'requestAttention' | 'requestOverview' }>;

/** The answer to a data request; null when it names another (older) analysis. */
export function answerRequest(m: DataRequest, a: CurrentAnalysis | null): HostToWebview | null {
  if (!a || a.id !== m.analysisId) return null;
  const { shape } = a.result;
  const attention = attentionFor(a, m.options.valueWeighted);
  if ('problem' in attention) return { type: 'internalsError', analysisId: a.id, view: 'valueNorms', message: attention.problem };
  if (m.type === 'requestAttention') {
    const problem = selectorProblem(shape, m.selector);
    if (problem) return { type: 'error', message: `Bad attention request: ${problem}.` };
    const data = sliceAttention(attention, shape, m.selector, m.options);
    return { type: 'attention', analysisId: a.id, requestId: m.requestId, selector: m.selector, options: m.options, data };
  }
  const { size, data } = overviewBytes(attention, shape, m.size, m.options, m.encoding);
  return { type: 'overview', analysisId: a.id, requestId: m.requestId, size, options: m.options, encoding: m.encoding, data };
}
