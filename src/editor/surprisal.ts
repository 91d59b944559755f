// Surprisal in the editor: colours each token of the selection (or of the visible range) by how
// expected it was — rank buckets top-10/100/1000/rest, or probability decades — and a hover shows
// the token's probability, rank and the top-5 alternatives (at the temperature setting).
import * as vscode from 'vscode';
import type { AnalysisResult, LoadedModel } from '../model';
import { Disposable } from '../base/disposable';
import { isCancelled } from '../base/cancel';
import { LatestWins } from '../base/latestWins';
import type { ModelManager } from '../services/modelManager';
import type { Settings } from '../services/settings';
import { OnceReporter, showHint } from '../services/messages';
import { TokenMap } from './tokenMap';
import { LEVEL_COLOURS, LEVEL_COUNT, groupByLevel } from './surprisalLevels';
import { hoverMarkdown, temperedAt, untemperedAt } from './surprisalHover';
import { WRITABLE_DOCUMENTS } from './documentSelector';

/** Scrolling and typing send bursts of events; analyse once they settle. */
const SETTLE_MS = 200;

interface RangeKey {
  document: vscode.TextDocument;
  version: number;
  start: number;
  text: string;
  generation: number;
}

/** One analysed range: the result and where its tokens are in the document now. */
export interface SurprisalState {
  document: vscode.TextDocument;
  model: LoadedModel;
  result: AnalysisResult;
  map: TokenMap;
}

export class Surprisal extends Disposable implements vscode.HoverProvider {
  private readonly types = LEVEL_COLOURS.map((id) =>
    this.register(vscode.window.createTextEditorDecorationType({ backgroundColor: new vscode.ThemeColor(id), rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed })),
  );
  private readonly latest: LatestWins<RangeKey>;
  private enabled = false;
  private generation = 0;
  private saidEncoder = false;
  private readonly failures = new OnceReporter();
  /** What is painted now (exposed for tests). */
  state: SurprisalState | undefined;

  constructor(private readonly models: ModelManager, private readonly settings: () => Settings) {
    super();
    this.latest = new LatestWins<RangeKey>({
      delayMs: () => SETTLE_MS,
      same: (a, b) => a.document === b.document && a.version === b.version && a.start === b.start && a.text === b.text && a.generation === b.generation,
    });
    this.register({ dispose: () => this.latest.dispose() });
    this.register(vscode.languages.registerHoverProvider(WRITABLE_DOCUMENTS, this));
    const refresh = () => this.refresh();
    this.register(vscode.window.onDidChangeActiveTextEditor(refresh));
    this.register(vscode.window.onDidChangeTextEditorSelection((e) => e.textEditor === vscode.window.activeTextEditor && refresh()));
    this.register(vscode.window.onDidChangeTextEditorVisibleRanges((e) => e.textEditor === vscode.window.activeTextEditor && refresh()));
    this.register(vscode.workspace.onDidChangeTextDocument((e) => this.onEdit(e)));
    this.register(models.onDidChangeModel(() => {
      this.generation++;
      refresh();
    }));
  }

  get isEnabled(): boolean {
    return this.enabled;
  }

  setEnabled(on: boolean): void {
    if (on === this.enabled) return;
    this.enabled = on;
    this.latest.dispose();
    if (on) this.refresh();
    else {
      this.state = undefined;
      this.paint();
    }
  }

  /** topK / maxTokens changed: analyse the same range again. */
  settingsChanged(): void {
    this.latest.reset();
    this.refresh();
  }

  /** The colouring mode changed: recolour what we have, no model call. */
  modeChanged(): void {
    this.paint();
  }

  /** Asks for the selection of the active editor, or its visible range when nothing is selected. */
  refresh(): void {
    if (!this.enabled) return;
    const editor = vscode.window.activeTextEditor;
    if (!editor || editor.document.uri.scheme === 'output') return;
    const doc = editor.document;
    let range: vscode.Range = editor.selection;
    if (editor.selection.isEmpty) {
      const visible = editor.visibleRanges;
      if (visible.length === 0) return;
      range = new vscode.Range(visible[0]!.start, visible[visible.length - 1]!.end);
    }
    const text = doc.getText(range);
    if (text.trim() === '') return;
    void this.ask({ document: doc, version: doc.version, start: doc.offsetAt(range.start), text, generation: this.generation });
  }

  /** Analyses the range (after it settles, unless unchanged) and paints the newest answer. */
  private async ask(key: RangeKey): Promise<void> {
    const asked = this.latest.request(key, (k, signal) => this.models.run(async (model) => {
      const s = this.settings();
      // Colours and hovers read only the token scores: no attention is fetched or kept.
      const result = await model.analyze(k.text, { topK: Math.max(5, s.topK), maxTokens: s.maxTokens, signal, attention: false });
      return { model, result };
    }, signal, { background: true }));
    if (!asked) return;
    try {
      const { model, result } = await asked;
      this.paintResult(key, model, result);
    } catch (err) {
      if (!isCancelled(err)) this.failures.report(err, 'Surprisal colouring failed.');
    }
  }

  async provideHover(document: vscode.TextDocument, position: vscode.Position, token: vscode.CancellationToken): Promise<vscode.Hover | undefined> {
    const state = this.state;
    if (!this.enabled || !state || state.document !== document) return undefined;
    const index = state.map.tokenAt(document.offsetAt(position));
    const span = index < 0 ? null : state.map.range(index);
    if (!span || span.start > document.offsetAt(position)) return undefined;
    const temperature = this.settings().temperature;
    let view = untemperedAt(state.result, index, (id) => state.model.tokenText(id));
    if (view && temperature !== 1) {
      const tempered = await temperedAt(state.result, index, temperature, (prefix, opts) =>
        this.models.run((model) => (model === state.model ? model.probe(prefix, { ...opts, useCache: false }) : Promise.reject(new Error('model changed')))),
      ).catch(() => undefined);
      if (token.isCancellationRequested) return undefined;
      view = tempered ?? { ...view, note: `Shown at temperature 1: the distribution at temperature ${temperature} could not be recomputed for this token.` };
    }
    if (!view) return undefined;
    const range = new vscode.Range(document.positionAt(span.start), document.positionAt(span.end));
    return new vscode.Hover(new vscode.MarkdownString(hoverMarkdown(view, this.settings().surprisal.mode)), range);
  }

  private paintResult(key: RangeKey, model: LoadedModel, result: AnalysisResult): void {
    if (key.document.version !== key.version) return; // an edit since then has its own request queued
    this.failures.clear();
    this.state = { document: key.document, model, result, map: new TokenMap(key.start, result.tokens) };
    if (result.tokens.every((t) => t.logprob === null) && !this.saidEncoder) {
      this.saidEncoder = true;
      showHint(`model “${result.model.name}” gives no next-token probabilities (${describeKind(result)}), so there is no surprisal to colour.`);
    }
    this.paint();
  }

  private onEdit(e: vscode.TextDocumentChangeEvent): void {
    if (!this.state || e.document !== this.state.document || e.contentChanges.length === 0) return;
    this.state.map.applyChanges(e.contentChanges); // shift or drop ranges right away; fresh colours follow
    this.paint();
    if (e.document === vscode.window.activeTextEditor?.document) this.refresh();
  }

  private paint(): void {
    const state = this.state;
    const groups = state ? groupByLevel(this.settings().surprisal.mode, state.result.tokens) : [];
    for (const editor of vscode.window.visibleTextEditors) {
      const mine = state !== undefined && editor.document === state.document;
      for (let level = 0; level < LEVEL_COUNT; level++) {
        const ranges: vscode.Range[] = [];
        if (mine) {
          for (const i of groups[level] ?? []) {
            const span = state.map.range(i);
            if (span && span.end > span.start) ranges.push(new vscode.Range(state.document.positionAt(span.start), state.document.positionAt(span.end)));
          }
        }
        editor.setDecorations(this.types[level]!, ranges);
      }
    }
  }
}

function describeKind(result: AnalysisResult): string {
  return result.model.kind === 'encoder' ? 'it is an encoder' : 'no token has a probability';
}
