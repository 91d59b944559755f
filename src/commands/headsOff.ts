// Switching heads off for the whole panel: the palette's "Switch Heads Off…" (a quick pick of every
// L.H with its labels) and "Switch All Heads On", the panel's and its context menu's toggle, and
// the re-run of the shown analysis after a switch. The set itself lives in services/headsOff.ts.
import * as vscode from 'vscode';
import { isCancelled } from '../base/cancel';
import type { LatestWins } from '../base/latestWins';
import { headLabels, statsAt } from '../common/stats';
import type { HeadRef } from '../model';
import { AttentionPanel } from '../panel/attentionPanel';
import { analysisHeadStats, type CurrentAnalysis } from '../panel/responder';
import { headsLabel, type HeadsOff } from '../services/headsOff';
import { describeFailure, reportFailure, showHint } from '../services/messages';
import type { ModelManager } from '../services/modelManager';
import type { Settings } from '../services/settings';

export interface HeadsOffDeps {
  headsOff: HeadsOff;
  models: Pick<ModelManager, 'run' | 'peek'>;
  settings: () => Settings;
  /** The inspections' scheduler: a re-run and a new inspection replace each other. */
  latest: LatestWins;
}

/** A quick-pick row: one head, its labels from the shown analysis, ticked when it is off. */
export interface HeadPick extends vscode.QuickPickItem { layer: number; head: number }

/** Every head of an nLayers × nHeads model as a pick, labelled from `analysis` (its model's) where it has statistics. */
export function headPicks(nLayers: number, nHeads: number, off: readonly HeadRef[], analysis: CurrentAnalysis | null): HeadPick[] {
  const r = analysis?.result;
  const T = r?.shape.nTokens ?? 0;
  // [L, H, S], from the shown analysis when it is of a model of this shape
  const stats = analysis && r && r.shape.nLayers === nLayers && r.shape.nHeads === nHeads ? analysisHeadStats(analysis) : null;
  const picks: HeadPick[] = [];
  for (let layer = 0; layer < nLayers; layer++) {
    for (let head = 0; head < nHeads; head++) {
      const labels = stats && r ? headLabels(statsAt(stats, nHeads, layer, head), T, r.model.kind === 'decoder') : [];
      picks.push({ label: `L${layer}.H${head}`, description: labels.join(', '), layer, head, picked: off.some((x) => x.layer === layer && x.head === head) });
    }
  }
  return picks;
}

/** Attention Lens: Switch Heads Off… — ticks the heads to switch off; the others go (back) on. */
export async function pickHeadsOff(deps: HeadsOffDeps): Promise<HeadRef[] | undefined> {
  try {
    const info = await deps.models.run(async (model) => model.info);
    const shown = AttentionPanel.current()?.shownAnalysis() ?? null;
    const analysis = shown && shown.result.model.path === info.path ? shown : null;
    const chosen = await vscode.window.showQuickPick(headPicks(info.nLayers, info.nHeads, deps.headsOff.current, analysis), {
      canPickMany: true,
      title: `Attention Lens: heads to switch off in ${info.name}`,
      placeHolder: 'Ticked heads have their outputs zeroed for the analysis, the live probe and ghost text (this session only).',
    });
    if (!chosen) return undefined;
    return await deps.headsOff.set(chosen.map((p) => ({ layer: p.layer, head: p.head })));
  } catch (err) {
    reportFailure(err);
    return undefined;
  }
}

/** Attention Lens: Switch All Heads On */
export async function switchAllHeadsOn(deps: HeadsOffDeps): Promise<void> {
  await deps.headsOff.allOn().catch(reportFailure);
}

/** The panel's toggle (Alt+click, X) and its context menu's, which passes the head as `{ layer, head }`. */
export async function toggleHeadOff(deps: HeadsOffDeps, arg: unknown): Promise<HeadRef[] | undefined> {
  const { layer, head } = (arg ?? {}) as { layer?: unknown; head?: unknown };
  if (!Number.isInteger(layer) || !Number.isInteger(head)) {
    showHint('Switch Head Off / On works on a head in the panel’s overview or ablation grid; to pick heads from a list, run “Attention Lens: Switch Heads Off…”.');
    return undefined;
  }
  return deps.headsOff.toggle(layer as number, head as number).catch((err: unknown) => { reportFailure(err); return undefined; });
}

/**
 * Analyses the panel's text again with the heads now off (or on), keeping its view and editor link:
 * the same text and model give the same tokens, so only the numbers change. Nothing runs when the
 * panel shows no analysis or one by another model.
 */
export async function rerunShownAnalysis(deps: HeadsOffDeps): Promise<number | undefined> {
  const panel = AttentionPanel.current();
  const shown = panel?.shownAnalysis();
  // Another model now (its heads all on): the analysis shown stays as it was made.
  if (!panel || !shown || deps.models.peek()?.info.path !== shown.result.model.path) return undefined;
  const { text, model: info, tokens } = shown.result;
  const { source } = shown;
  const off = deps.headsOff.current;
  panel.showLoading(off.length ? `Analysing again with ${headsLabel(off)} switched off…` : 'Analysing again with every head on…');
  try {
    const result = await deps.latest.run((signal) => deps.models.run(async (model) => {
      if (model.info.path !== info.path) return null; // switched while this waited
      return model.analyze(text, { topK: deps.settings().topK, maxTokens: tokens.length, signal });
    }, signal));
    if (!result) {
      panel.showError(`The model changed since this analysis; run “Inspect Selection” again.`);
      return undefined;
    }
    if (AttentionPanel.current() !== panel) return undefined; // closed meanwhile
    return panel.showAnalysis(result, source);
  } catch (err) {
    if (isCancelled(err)) return undefined; // a newer inspection owns the panel
    panel.showError(describeFailure(err));
    return undefined;
  }
}
