// The panel's side of the internals views, pure (no vscode import) so the webview tests' stand-in
// host uses it too: what must be computed before a request can be answered, keeping what the
// model returned with the analysis, and the messages that carry it.
import type { HostToWebview, InternalsViewName, WebviewToHost } from '../common/protocol';
import { valueWeighted, valueWeightedLayers } from '../common/internals';
import { allHeadStats } from '../common/stats';
import { attentionLayers, type AttentionLayers } from '../common/attentionLayers';
import { visibleToken } from '../common/tokenText';
import type { AnalysisResult, InternalsResult, InternalsView } from '../model';
import type { AnalysisSource } from './analysisData';

/** The part of the panel's current analysis these answers read (responder.ts's CurrentAnalysis). */
interface CurrentAnalysis {
  id: number;
  result: AnalysisResult;
  source: AnalysisSource;
  internals?: PanelInternals;
}

/** What the model gave for one analysis, kept beside it. */
export interface PanelInternals {
  valueNorms?: Float32Array; // [L, H, T]
  /** Value-weighted attention [L, H, Q, K], made from valueNorms on first use (layer by layer when the attention is compact). */
  weighted?: Float32Array | AttentionLayers;
  /** Head statistics [L, H, S] on the value-weighted attention, made on first use. */
  weightedStats?: Float32Array;
  rollout?: Float32Array; // [T, T]
  logitLens?: { k: number; ids: Int32Array; probs: Float32Array }; // [L, T, k]
  ablation?: { delta: Float32Array; top1Changed: Uint8Array; top1: Int32Array }; // [L, H, T], [T]
  qk?: { D: number; q: Float32Array; k: Float32Array; scale: Float32Array; scores: Float32Array }; // [L, H, T, D] ×2, [L], [L, H, T, K]
  problems: Partial<Record<InternalsViewName, string>>;
}

/** Top-k of the logit lens shown in the panel. */
export const PANEL_LENS_K = 5;

type Request = Extract<WebviewToHost, { type: 'requestAttention' | 'requestOverview' | 'requestInternals' }>;

/** The view the model must compute before `m` can be answered (null: answer now). */
export function neededInternals(m: Request, a: CurrentAnalysis | null): InternalsViewName | null {
  if (!a || a.id !== m.analysisId) return null;
  const have = a.internals ?? { problems: {} };
  const view: InternalsViewName | null = m.type === 'requestInternals' ? m.view : m.options.valueWeighted ? 'valueNorms' : null;
  if (!view || have.problems[view] !== undefined) return null;
  return have[view] ? null : view;
}

/** Keeps a model answer with the analysis (a view it could not give keeps its reason). */
export function storeInternals(a: CurrentAnalysis, view: InternalsViewName, r: InternalsResult | Error): void {
  const store = (a.internals ??= { problems: {} });
  if (r instanceof Error) { store.problems[view] = r.message; return; }
  if (r.problems[view]) { store.problems[view] = r.problems[view]; return; }
  if (view === 'valueNorms') store.valueNorms = r.valueNorms;
  if (view === 'rollout') store.rollout = r.rollout;
  if (view === 'logitLens') store.logitLens = r.logitLens;
  if (view === 'ablation') store.ablation = r.ablation;
  if (view === 'qk') store.qk = r.qk;
}

/** Attention to slice for a request: value-weighted when asked (and known), else raw; or the reason it cannot be. */
export function attentionFor(a: CurrentAnalysis, valueWeightedWanted: boolean | undefined): Float32Array | AttentionLayers | { problem: string } {
  const r = a.result;
  if (!valueWeightedWanted) return r.stored ? attentionLayers(r) : r.attention;
  const store = a.internals;
  if (store?.problems.valueNorms) return { problem: store.problems.valueNorms };
  if (!store?.valueNorms) return { problem: 'the value norms have not been computed' };
  store.weighted ??= r.stored ? valueWeightedLayers(attentionLayers(r), store.valueNorms) : valueWeighted(r.attention, r.shape, store.valueNorms);
  return store.weighted;
}

function vocabOf(ids: ArrayLike<number>, a: CurrentAnalysis): Record<number, string> {
  const vocab: Record<number, string> = {};
  for (const t of a.result.tokens) vocab[t.id] = t.display;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (vocab[id] !== undefined) continue;
    let text: string | undefined;
    try { text = a.source.tokenText?.(id); } catch { text = undefined; }
    vocab[id] = text !== undefined ? visibleToken(text) : `#${id}`;
  }
  return vocab;
}

/** One head's q·k breakdown, sliced from every head's ([L, H, T, D] and [L, H, T, K]). */
function qkMessage(a: CurrentAnalysis, qk: NonNullable<PanelInternals['qk']>, layer: number, head: number): HostToWebview {
  const { nLayers: L, nHeads: H, nTokens: T } = a.result.shape;
  if (!(Number.isInteger(layer) && layer >= 0 && layer < L && Number.isInteger(head) && head >= 0 && head < H)) {
    return { type: 'internalsError', analysisId: a.id, view: 'qk', message: `There is no head L${layer}.H${head} (${L} layers × ${H} heads).` };
  }
  const lh = layer * H + head, D = qk.D;
  return {
    type: 'qk', analysisId: a.id, layer, head, D, scale: qk.scale[layer]!,
    q: qk.q.slice(lh * T * D, (lh + 1) * T * D), k: qk.k.slice(lh * T * D, (lh + 1) * T * D), scores: qk.scores.slice(lh * T * T, (lh + 1) * T * T),
  };
}

/** The message answering a requestInternals from what is stored (call after neededInternals is null); `at` names the head for q·k. */
export function internalsMessage(a: CurrentAnalysis, view: InternalsViewName, at?: Extract<WebviewToHost, { type: 'requestInternals' }>): HostToWebview {
  const store = a.internals ?? { problems: {} };
  const problem = store.problems[view];
  if (problem !== undefined) return { type: 'internalsError', analysisId: a.id, view, message: problem };
  if (view === 'valueNorms') {
    const weighted = attentionFor(a, true);
    if ('problem' in weighted) return { type: 'internalsError', analysisId: a.id, view, message: weighted.problem };
    const r = a.result;
    store.weightedStats ??= allHeadStats(weighted, r.shape.nLayers, r.shape.nHeads, r.shape.nTokens, r.tokens.map((t) => t.id), r.model.kind === 'decoder');
    return { type: 'headStats', analysisId: a.id, data: store.weightedStats, weights: 'valueWeighted' };
  }
  if (view === 'rollout' && store.rollout) return { type: 'rollout', analysisId: a.id, data: store.rollout };
  if (view === 'logitLens' && store.logitLens) return { type: 'logitLens', analysisId: a.id, ...store.logitLens, vocab: vocabOf(store.logitLens.ids, a) };
  if (view === 'ablation' && store.ablation) return { type: 'ablation', analysisId: a.id, ...store.ablation, vocab: vocabOf(store.ablation.top1, a) };
  if (view === 'qk' && store.qk) return at?.view === 'qk' ? qkMessage(a, store.qk, at.layer, at.head) : { type: 'internalsError', analysisId: a.id, view, message: 'No head was named for the q·k breakdown.' };
  return { type: 'internalsError', analysisId: a.id, view, message: `${view} was not computed.` };
}

/** The analysis's text, model folder and token ids (the answer must be for the same ones), and the view. */
export interface InternalsPanelRequest {
  text: string;
  modelPath: string;
  ids: number[];
  view: InternalsView;
  lensK: number;
}

/** Computes each internals view an analysis needs once, however many requests wait for it. */
export class InternalsJobs {
  private readonly computing = new Map<string, Promise<void>>();

  async ensure(m: Request, a: CurrentAnalysis | null, ask: ((req: InternalsPanelRequest) => Promise<InternalsResult>) | undefined): Promise<void> {
    const view = neededInternals(m, a);
    if (!view || !a) return;
    const key = `${a.id}|${view}`;
    let computing = this.computing.get(key);
    if (!computing) {
      const request: InternalsPanelRequest = { text: a.result.text, modelPath: a.result.model.path, ids: a.result.tokens.map((t) => t.id), view, lensK: PANEL_LENS_K };
      const asked = ask ? ask(request) : Promise.reject(new Error('This panel has no model to compute internals views with.'));
      computing = asked.then(
        (r) => storeInternals(a, view, r),
        (err: unknown) => storeInternals(a, view, err instanceof Error ? err : new Error(String(err))),
      );
      this.computing.set(key, computing);
    }
    await computing;
    this.computing.delete(key);
  }
}
