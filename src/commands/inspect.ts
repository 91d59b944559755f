// Attention Lens: Inspect Selection — analyses the selected text and shows it in the panel.
import * as vscode from 'vscode';
import { isCancelled } from '../base/cancel';
import type { LatestWins } from '../base/latestWins';
import { AttentionPanel, type PanelHost } from '../panel/attentionPanel';
import type { ReachFn } from '../panel/reachJob';
import type { ModelManager } from '../services/modelManager';
import type { Settings } from '../services/settings';
import { describeFailure, reportFailure, showHint } from '../services/messages';
import type { InspectionTiming } from '../services/trend';
import type { SelectionSync } from '../editor/selectionSync';
import { TokenMap, type TextChange } from '../editor/tokenMap';

export interface InspectDeps {
  panelHost: PanelHost;
  models: ModelManager;
  sync: Pick<SelectionSync, 'attach'>;
  settings: () => Settings;
  /** A newer inspection cancels an older one; only the newest result is shown. */
  latest: LatestWins;
  /** Where each shown analysis's timing goes (Show Diagnostics). */
  timings?: { recordInspection(t: InspectionTiming): void };
}

/** What the command reports back (useful to tests driving it through executeCommand). */
export interface InspectOutcome {
  ok: boolean;
  message?: string;
  analysisId?: number;
  nTokens?: number;
}

export async function inspectSelection(deps: InspectDeps): Promise<InspectOutcome> {
  const started = performance.now();
  // When the panel has focus there is no active text editor: use a visible one with a selection.
  const editor = vscode.window.activeTextEditor ?? vscode.window.visibleTextEditors.find((e) => !e.selection.isEmpty);
  if (!editor) {
    const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
    const notText = tab !== undefined && tab.input !== undefined && !(tab.input instanceof vscode.TabInputText) && !(tab.input instanceof vscode.TabInputWebview);
    const message = notText
      ? `“${tab.label}” is not open as text, so there is nothing to select. Open a text file, select some text and run “Inspect Selection” again.`
      : 'no text editor is open. Open a file, select the text to inspect, then run “Inspect Selection” again.';
    showHint(message);
    return { ok: false, message };
  }
  const document = editor.document;
  const selection = editor.selection;
  const text = document.getText(selection);
  if (selection.isEmpty || text.trim() === '') {
    const message = selection.isEmpty
      ? 'nothing is selected. Select some text (a sentence, a function) and run “Inspect Selection” again.'
      : 'the selection holds only whitespace. Select some text and run “Inspect Selection” again.';
    showHint(message);
    return { ok: false, message };
  }

  const baseOffset = document.offsetAt(selection.start);
  // Edits made while the model runs must still move the token ranges: collect them.
  const edits: TextChange[][] = [];
  const watch = vscode.workspace.onDidChangeTextDocument((e) => {
    if (e.document === document && e.contentChanges.length > 0) edits.push([...e.contentChanges]);
  });
  const settings = deps.settings();
  AttentionPanel.show(deps.panelHost).showLoading(`Analysing ${text.length.toLocaleString()} characters…`);
  try {
    const { result, model } = await deps.latest.run((signal) =>
      deps.models.run(async (model) => ({ model, result: await model.analyze(text, { topK: settings.topK, maxTokens: settings.maxTokens, attentionMemoryMB: settings.attentionMemoryMB, signal }) }), signal),
    );
    const resultMs = performance.now() - started;
    const map = new TokenMap(baseOffset, result.tokens);
    for (const change of edits) map.applyChanges(change);
    // The panel opened above, unless it was closed while the model ran: then it opens again.
    const shownIn = AttentionPanel.current() ?? AttentionPanel.show(deps.panelHost);
    // Reach runs on the model that made this analysis, outside the slot's queue: it queues each batch
    // in the model's own, so probes and new inspections get in between (a replaced model says so).
    const contextReach: ReachFn = (ids, opts) => model.contextReach(ids, opts);
    const analysisId = shownIn.showAnalysis(result, { fileName: document.fileName, tokenText: (id) => model.tokenText(id), contextReach, corpusMarkov: () => model.corpusMarkov() });
    const { tokenizeMs, runMs, extractMs } = result.timings;
    deps.timings?.recordInspection({ nTokens: result.tokens.length, commandToResultMs: resultMs, commandToPanelMs: performance.now() - started, analysisMs: tokenizeMs + runMs + extractMs });
    deps.sync.attach(shownIn, document, map);
    if (result.truncated) {
      const t = result.truncated;
      const why = t.reason === 'context' ? `the model reads at most ${result.model.contextLength} tokens` : 'of the “attentionLens.maxTokens” setting';
      showHint(`showing the first ${t.shownTokens} of ${t.totalTokens} tokens (${t.shownChars.toLocaleString()} characters), because ${why}.`);
    }
    return { ok: true, analysisId, nTokens: result.tokens.length };
  } catch (err) {
    if (isCancelled(err)) {
      // A newer inspection replaced this one; it owns the panel now.
      reportFailure(err);
      return { ok: false, message: describeFailure(err) };
    }
    AttentionPanel.current()?.showError(describeFailure(err));
    reportFailure(err);
    return { ok: false, message: describeFailure(err) };
  } finally {
    watch.dispose();
  }
}
