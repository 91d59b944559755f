// Answers to the webview's data and internals requests once what they read is there: the internals
// view the model computes first (internalsResponder.ts), and the layers of an analysis that dropped
// some over attentionLens.attentionMemoryMB (model/layerStore.ts), recomputed by its model and
// announced with a note. An analysis whose layers are all kept is answered as before, at once. Pure
// (no vscode import): the panel and the tests use it alike.
import type { HostToWebview, WebviewToHost } from '../common/protocol';
import { Overview } from '../common/slices';
import { HEAD_STAT_NAMES, layerHeadStats } from '../common/stats';
import { copyTargets, lz77Parse } from '../common/lz77';
import { asLayers } from '../common/attentionLayers';
import { fetchLayers, missingLayers, touchLayers, type AnalysisResult, type InternalsResult, type LayerFetch } from '../model';
import { answerRequest, type CurrentAnalysis } from './responder';
import { attentionFor, internalsMessage, neededInternals, type InternalsJobs, type InternalsPanelRequest } from './internalsResponder';

type Request = Extract<WebviewToHost, { type: 'requestAttention' | 'requestOverview' | 'requestInternals' }>;

export interface AnswerDeps {
  jobs: InternalsJobs;
  ask?: (req: InternalsPanelRequest) => Promise<InternalsResult>;
  post: (m: HostToWebview) => void;
  /** Whether `a` is still the analysis shown: what was recomputed for a replaced one is dropped, never sent. */
  isShown: (a: CurrentAnalysis) => boolean;
  /** A view's data went out (the reach job starts after the first). */
  dataSent: () => void;
}

/** Answers `m` about `a` (null or another id: a stale request, answered by nothing for data). */
export async function answerPanelRequest(m: Request, a: CurrentAnalysis | null, d: AnswerDeps): Promise<void> {
  if (neededInternals(m, a)) await d.jobs.ensure(m, a, d.ask); // others are answered at once
  if (a && a.id === m.analysisId && a.result.keptLayers !== undefined) return answerReadingDropped(m, a, d);
  if (m.type !== 'requestInternals') {
    const answer = answerRequest(m, a);
    if (answer) d.post(answer); // null: a stale request for an older analysis
    if (answer) d.dataSent();
  } else if (a && a.id === m.analysisId) {
    d.post(internalsMessage(a, m.view, m));
  }
}

/** The same for an analysis with dropped layers: those the request reads are recomputed first, then read at once. */
async function answerReadingDropped(m: Request, a: CurrentAnalysis, d: AnswerDeps): Promise<void> {
  let answer: HostToWebview | null;
  let fetched: LayerFetch = { recomputed: [], ms: 0 };
  try {
    if (m.type === 'requestAttention') {
      const layer = m.selector.kind === 'row' ? m.selector.matrix?.layer : m.selector.layer; // a bad selector gets answerRequest's message
      const valid = typeof layer === 'number' && Number.isInteger(layer) && layer >= 0 && layer < a.result.shape.nLayers;
      if (valid && missingLayers(a.result, [layer]).length > 0) fetched = await fetchLayers(a.result, [layer]);
      else if (valid) touchLayers(a.result, [layer]);
      answer = answerRequest(m, a); // read right after the fetch: nothing can drop the layer in between
    } else if (m.type === 'requestOverview') {
      const found = attentionFor(a, m.options.valueWeighted);
      if ('problem' in found) answer = answerRequest(m, a);
      else {
        const attention = asLayers(found, a.result.shape);
        const overview = new Overview(a.result.shape, m.size, m.options, m.encoding);
        fetched = await eachLayer(a.result, (l) => overview.addLayer(l, attention.layer(l)));
        answer = { type: 'overview', analysisId: a.id, requestId: m.requestId, size: overview.size, options: m.options, encoding: m.encoding, data: overview.data };
      }
    } else {
      if (m.view === 'valueNorms') fetched = await weightedStats(a);
      answer = internalsMessage(a, m.view, m);
    }
  } catch (err) {
    if (d.isShown(a)) d.post({ type: 'error', message: `Attention Lens could not recompute a layer it had dropped (over attentionLens.attentionMemoryMB): ${err instanceof Error ? err.message : String(err)} Run Inspect Selection again, or raise the setting.` });
    return;
  }
  if (!d.isShown(a) || !answer) return;
  if (fetched.recomputed.length > 0) d.post({ type: 'recomputed', analysisId: a.id, message: recomputedNote(fetched) });
  d.post(answer);
  if (m.type !== 'requestInternals') d.dataSent();
}

/** Calls `visit(l)` for every layer, kept ones first, dropped ones as they are recomputed (as many together as the budget holds). */
async function eachLayer(result: AnalysisResult, visit: (l: number) => void): Promise<LayerFetch> {
  const all = Array.from({ length: result.shape.nLayers }, (_, l) => l);
  const missing = missingLayers(result, all);
  for (const l of all) if (!missing.includes(l)) visit(l);
  const recomputed: number[] = [];
  const t0 = performance.now();
  const per = result.keptLayers ?? 1;
  for (let i = 0; i < missing.length; i += per) {
    const group = missing.slice(i, i + per);
    const f = await fetchLayers(result, group);
    recomputed.push(...f.recomputed);
    for (const l of group) visit(l); // right after the fetch: all of the group are there
  }
  return { recomputed, ms: performance.now() - t0 };
}

/** Head statistics on value-weighted attention, layer by layer (once; internalsMessage sends them). */
async function weightedStats(a: CurrentAnalysis): Promise<LayerFetch> {
  const found = attentionFor(a, true);
  const store = a.internals;
  if ('problem' in found || !store || store.weightedStats) return { recomputed: [], ms: 0 };
  const weighted = asLayers(found, a.result.shape);
  const { nLayers: L, nHeads: H, nTokens: T } = a.result.shape;
  const ids = a.result.tokens.map((t) => t.id);
  const copy = copyTargets(lz77Parse(ids), T);
  const stats = new Float32Array(L * H * HEAD_STAT_NAMES.length); // [L, H, S]
  const fetched = await eachLayer(a.result, (l) => layerHeadStats(weighted.layer(l), l, H, T, ids, a.result.model.kind === 'decoder', stats, copy));
  store.weightedStats ??= stats;
  return fetched;
}

/** "Layer 7 recomputed in 1.4 s (not kept: over attentionLens.attentionMemoryMB)." */
export function recomputedNote(f: LayerFetch): string {
  const n = f.recomputed.length;
  const which = n === 1 ? `Layer ${f.recomputed[0]}` : `Layers ${layerRanges(f.recomputed)}`;
  return `${which} recomputed in ${(f.ms / 1000).toFixed(1)} s (not kept: over attentionLens.attentionMemoryMB).`;
}

/** [1, 2, 3, 5] → "1–3, 5". */
function layerRanges(layers: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < layers.length;) {
    let j = i;
    while (j + 1 < layers.length && layers[j + 1] === layers[j]! + 1) j++;
    parts.push(j > i ? `${layers[i]}–${layers[j]}` : `${layers[i]}`);
    i = j + 1;
  }
  return parts.join(', ');
}
