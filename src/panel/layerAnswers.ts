// Answers to the webview's data and internals requests once what they read is there: the internals
// view the model computes first (internalsResponder.ts), and the layers of an analysis that dropped
// some over attentionLens.attentionMemoryMB (model/layerStore.ts), recomputed by its model and
// announced with a note. Views that read every layer of a large analysis (the overview, value-weighted
// statistics) read one layer per turn of the event loop, so the host keeps answering meanwhile. Small
// analyses whose layers are all kept are answered at once. Pure (no vscode import): the panel and the
// tests use it alike.
import type { HostToWebview, WebviewToHost } from '../common/protocol';
import { Overview } from '../common/slices';
import { HEAD_STAT_NAMES, layerHeadStats, rowContext } from '../common/stats';
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

/** Weights of one layer above which reading every layer goes one layer per turn of the event loop (GPT-2 small from ~600 tokens). */
const LAYER_WEIGHTS_PER_TURN = 1 << 22;

/** Whether a view that reads every layer of `r` should read them one per turn of the event loop. */
export function readsLayerByLayer(r: AnalysisResult): boolean {
  return r.keptLayers !== undefined || r.shape.nHeads * r.shape.nTokens * r.shape.nTokens >= LAYER_WEIGHTS_PER_TURN;
}

/** The analysis stopped being shown while a view read it layer by layer: nothing is sent. */
class NotShown extends Error {}

/** Answers `m` about `a` (null or another id: a stale request, answered by nothing for data). */
export async function answerPanelRequest(m: Request, a: CurrentAnalysis | null, d: AnswerDeps): Promise<void> {
  if (neededInternals(m, a)) await d.jobs.ensure(m, a, d.ask); // others are answered at once
  if (a && a.id === m.analysisId && readsLayerByLayer(a.result)) return answerLayerByLayer(m, a, d);
  if (m.type !== 'requestInternals') {
    const answer = answerRequest(m, a);
    if (answer) d.post(answer); // null: a stale request for an older analysis
    if (answer) d.dataSent();
  } else if (a && a.id === m.analysisId) {
    d.post(internalsMessage(a, m.view, m));
  }
}

/** The same for a large analysis or one with dropped layers: those the request reads are recomputed first, then read at once; views of every layer read one layer per turn. */
async function answerLayerByLayer(m: Request, a: CurrentAnalysis, d: AnswerDeps): Promise<void> {
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
        fetched = await eachLayer(a, d, (l) => overview.addLayer(l, attention.layer(l)));
        answer = { type: 'overview', analysisId: a.id, requestId: m.requestId, size: overview.size, options: m.options, encoding: m.encoding, data: overview.data };
      }
    } else {
      if (m.view === 'valueNorms') fetched = await weightedStats(a, d);
      answer = internalsMessage(a, m.view, m);
    }
  } catch (err) {
    if (err instanceof NotShown) return;
    if (d.isShown(a)) d.post({ type: 'error', message: `Attention Lens could not recompute a layer it had dropped (over attentionLens.attentionMemoryMB): ${err instanceof Error ? err.message : String(err)} Run Inspect Selection again, or raise the setting.` });
    return;
  }
  if (!d.isShown(a) || !answer) return;
  if (fetched.recomputed.length > 0) d.post({ type: 'recomputed', analysisId: a.id, message: recomputedNote(fetched) });
  d.post(answer);
  if (m.type !== 'requestInternals') d.dataSent();
}

/**
 * Calls `visit(l)` for every layer, kept ones first, one per turn of the event loop, dropped ones as
 * they are recomputed (as many together as the budget holds). Throws NotShown when `a` stops being
 * shown in between (its layers are released then).
 */
async function eachLayer(a: CurrentAnalysis, d: AnswerDeps, visit: (l: number) => void): Promise<LayerFetch> {
  const result = a.result;
  const left = new Set(Array.from({ length: result.shape.nLayers }, (_, l) => l));
  const recomputed: number[] = [];
  const t0 = performance.now();
  const per = result.keptLayers ?? 1;
  while (left.size > 0) {
    // Kept layers first, one per turn; another request's recompute may drop one meanwhile, so ask each time.
    const missing = missingLayers(result, [...left]);
    const kept = [...left].find((l) => !missing.includes(l));
    if (kept !== undefined) {
      visit(kept);
      left.delete(kept);
    } else {
      const group = missing.slice(0, per);
      recomputed.push(...(await fetchLayers(result, group)).recomputed);
      for (const l of group) { visit(l); left.delete(l); } // right after the fetch: all of the group are there
    }
    if (left.size === 0) break;
    await nextTurn();
    if (!d.isShown(a)) throw new NotShown();
  }
  return { recomputed, ms: recomputed.length > 0 ? performance.now() - t0 : 0 };
}

/** Head statistics on value-weighted attention, layer by layer (once; internalsMessage sends them). */
async function weightedStats(a: CurrentAnalysis, d: AnswerDeps): Promise<LayerFetch> {
  const found = attentionFor(a, true);
  const store = a.internals;
  if ('problem' in found || !store || store.weightedStats) return { recomputed: [], ms: 0 };
  const weighted = asLayers(found, a.result.shape);
  const { nLayers: L, nHeads: H } = a.result.shape;
  const ids = a.result.tokens.map((t) => t.id);
  const ctx = rowContext(ids, a.result.model.kind === 'decoder');
  const stats = new Float32Array(L * H * HEAD_STAT_NAMES.length); // [L, H, S]
  const fetched = await eachLayer(a, d, (l) => layerHeadStats(weighted.layer(l), l, H, ctx, stats));
  store.weightedStats ??= stats;
  return fetched;
}

/** A turn of the event loop: whatever else the host has to do runs before the next layer is read. */
const nextTurn = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

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
