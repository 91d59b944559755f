// The live probe: while the person moves the cursor or types, ask the model what it expects next
// after the text before the cursor, and show the top-k and the entropy in the status bar and in
// the panel. Debounced, latest-wins (LatestWins.request), and an unchanged prefix runs nothing.
import * as vscode from 'vscode';
import { AttentionLensError, type LoadedModel, type ProbeResult } from '../model';
import { Disposable } from '../base/disposable';
import { isCancelled } from '../base/cancel';
import { LatestWins } from '../base/latestWins';
import { visibleToken } from '../common/tokenText';
import { AttentionPanel } from '../panel/attentionPanel';
import type { ModelManager } from '../services/modelManager';
import type { Settings } from '../services/settings';
import { OnceReporter, describeFailure } from '../services/messages';
import { headsLabel, type HeadsOff } from '../services/headsOff';
import { prefixStart, trimBrokenStart } from './prefix';
import { formatProb } from './surprisalLevels';
import { noIcons } from './markdown';
import { probeTooltip } from './probeTooltip';

interface ProbeKey {
  prefix: string;
  topK: number;
  temperature: number;
  /** Bumped when the model changes, so the same text is asked again. */
  generation: number;
  /** The heads switched off when asked ('' when all are on): the probe runs without them. */
  headsOff: string;
  /** performance.now() when asked (not part of what makes two requests the same). */
  requestedAt: number;
}

/** Where the live probe reports its timings (HostDiagnostics). */
export interface ProbeTimings {
  recordProbe(ms: number): void;
  recordProbeError(): void;
}

/** Used until the model is loaded and says its real context length. */
const DEFAULT_CONTEXT = 256;

export class LiveProbe extends Disposable {
  private readonly item = this.register(vscode.window.createStatusBarItem('attentionLens.liveProbe', vscode.StatusBarAlignment.Right, 100));
  private readonly latest: LatestWins<ProbeKey>;
  private enabled = false;
  private generation = 0;
  private readonly failures = new OnceReporter();
  /** The latest result shown, with the key it answers (for tests and the panel). */
  last: { key: ProbeKey; result: ProbeResult } | undefined;

  constructor(
    private readonly models: ModelManager,
    private readonly settings: () => Settings,
    private readonly timings?: ProbeTimings,
    private readonly headsOff?: Pick<HeadsOff, 'current' | 'onDidChange'>,
  ) {
    super();
    this.item.name = 'Attention Lens: live probe';
    this.item.command = 'attentionLens.showPanel';
    this.latest = new LatestWins<ProbeKey>({
      delayMs: () => this.settings().liveProbe.debounceMs,
      same: (a, b) => a.prefix === b.prefix && a.topK === b.topK && a.temperature === b.temperature && a.generation === b.generation && a.headsOff === b.headsOff,
    });
    this.register({ dispose: () => this.latest.dispose() });
    this.register(vscode.window.onDidChangeTextEditorSelection((e) => e.textEditor === vscode.window.activeTextEditor && this.update()));
    this.register(vscode.window.onDidChangeActiveTextEditor(() => this.update()));
    this.register(vscode.workspace.onDidChangeTextDocument((e) => e.document === vscode.window.activeTextEditor?.document && this.update()));
    if (headsOff) this.register(headsOff.onDidChange(() => this.update()));
    this.register(models.onDidChangeModel(() => {
      this.generation++;
      this.update();
    }));
  }

  get isEnabled(): boolean {
    return this.enabled;
  }

  setEnabled(on: boolean): void {
    if (on === this.enabled) return;
    this.enabled = on;
    if (on) {
      this.item.text = '$(loading~spin) Attention Lens';
      this.item.tooltip = 'Attention Lens live probe: waiting for the cursor';
      this.item.show();
      this.latest.reset();
      this.update();
    } else {
      this.latest.dispose();
      this.item.hide();
      this.last = undefined;
    }
  }

  /** Settings that change the displayed distribution (temperature, top-k) apply at once. */
  settingsChanged(): void {
    if (this.enabled) this.update();
  }

  /** Reads the prefix at the active cursor and asks for it (nothing runs if it is unchanged). */
  update(): void {
    if (!this.enabled) return;
    const editor = vscode.window.activeTextEditor;
    if (!editor || editor.document.uri.scheme === 'output') return;
    const doc = editor.document;
    const cursor = doc.offsetAt(editor.selection.active);
    const context = this.models.peek()?.info.contextLength ?? DEFAULT_CONTEXT;
    const start = prefixStart(cursor, context);
    const prefix = trimBrokenStart(doc.getText(new vscode.Range(doc.positionAt(start), editor.selection.active)));
    if (prefix === '') {
      // Nothing to condition on (start of a document): say so instead of asking the model.
      this.latest.cancel();
      this.latest.reset();
      this.item.text = '$(sparkle) —';
      this.item.tooltip = 'Attention Lens live probe: no text before the cursor yet.';
      this.item.backgroundColor = undefined;
      return;
    }
    const s = this.settings();
    void this.ask({ prefix, topK: s.topK, temperature: s.temperature, generation: this.generation, headsOff: headsLabel(this.headsOff?.current ?? []), requestedAt: performance.now() });
  }

  /** Asks the model for `key` (after the quiet period, unless the key is unchanged) and shows the newest answer. */
  private async ask(key: ProbeKey): Promise<void> {
    const asked = this.latest.request(key, (k, signal) => this.models.run((model) => probeNext(model, k, signal), signal, { background: true }));
    if (!asked) return;
    let result: ProbeResult;
    try {
      result = await asked;
    } catch (err) {
      if (!isCancelled(err)) this.showError(err);
      return;
    }
    this.show(key, result);
  }

  private show(key: ProbeKey, result: ProbeResult): void {
    this.last = { key, result };
    this.failures.clear();
    this.timings?.recordProbe(performance.now() - key.requestedAt);
    const top = result.next[0];
    this.item.text = top ? `$(sparkle) ${noIcons(visibleToken(top.token))} ${formatProb(top.prob)}` : '$(sparkle) —';
    this.item.tooltip = tooltip(key, result);
    this.item.accessibilityInformation = {
      label: top ? `Attention Lens: next token ${visibleToken(top.token)}, ${formatProb(top.prob)}; entropy ${result.entropy.toFixed(2)} nats` : 'Attention Lens: no prediction',
    };
    this.item.backgroundColor = undefined;
    const panel = AttentionPanel.current();
    if (panel) this.showIn(panel);
  }

  /** Shows the latest probe result in `panel` (e.g. one just opened). */
  showIn(panel: AttentionPanel): void {
    if (!this.enabled || !this.last) return;
    const { key, result } = this.last;
    panel.showProbe({
      nTokens: result.nTokens,
      entropy: result.entropy,
      temperature: key.temperature,
      next: result.next.map((n) => ({ token: n.token, prob: n.prob })),
      cached: result.cached,
    });
  }

  private showError(err: unknown): void {
    const message = describeFailure(err);
    this.item.text = '$(error) Attention Lens';
    this.item.tooltip = `Live probe failed: ${message}`;
    this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
    this.timings?.recordProbeError();
    this.failures.report(err); // once, not at every keystroke
  }
}

async function probeNext(model: LoadedModel, key: ProbeKey, signal: AbortSignal): Promise<ProbeResult> {
  if (model.info.kind !== 'decoder') {
    throw new AttentionLensError('unsupported-architecture', `model “${model.info.name}” is an encoder: it predicts masked tokens, not the next one, so the live probe needs a decoder (GPT-style) model. Turn the live probe off or choose another model.`);
  }
  return model.probe(key.prefix, { topK: key.topK, temperature: key.temperature, signal, useCache: true });
}

function tooltip(key: ProbeKey, r: ProbeResult): vscode.MarkdownString {
  // Token text must never become an icon (no theme icons).
  return new vscode.MarkdownString(probeTooltip({ ...r, temperature: key.temperature, headsOff: key.headsOff }), false);
}
