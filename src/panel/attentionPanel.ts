// The Attention Lens panel on the host side: one panel at a time beside the editor. It keeps the
// current AnalysisResult and answers the webview's requests with just the slice each view draws.
// What it needs from the commands (masked predictions) comes in through PanelHost, not imports.
import * as vscode from 'vscode';
import type { AnalysisResult, InternalsResult } from '../model';
import { assertNever, type HostToWebview, type WebviewToHost } from '../common/protocol';
import { Disposable } from '../base/disposable';
import { restrictedNotice } from '../services/trust';
import { newNonce, panelHtml } from './html';
import { sendAnalysis, type CurrentAnalysis } from './responder';
import { answerPanelRequest } from './layerAnswers';
import { saveExport } from './exports';
import { ReachJob } from './reachJob';
import type { AnalysisSource } from './analysisData';

/** An encoder's masked-token request: the analysed text, the token to mask, and the analysis's model folder. */
export interface MaskedRequest {
  text: string;
  index: number;
  /** A different model now in use would answer for another vocabulary. */
  modelPath: string;
}

export interface MaskedAnswer {
  original: string;
  next: { token: string; prob: number }[];
  entropy: number;
  error?: string;
}

/** What the panel is given by whoever opens it (extension.ts builds one). */
export interface PanelHost {
  extensionUri: vscode.Uri;
  /** Encoders: what token `index` would be if masked; failures come back as `error`, never thrown. */
  predictMasked(req: MaskedRequest): Promise<MaskedAnswer>;
  /** An internals view of the analysed text (value norms, rollout, logit lens, ablation) by the analysis's model. */
  internals?(req: InternalsPanelRequest): Promise<InternalsResult>;
  /** Switch a head off or on, or all back on, for the whole panel (the host re-runs the analysis). */
  headsOff?(m: Extract<WebviewToHost, { type: 'headsOff' }>): void;
}

import { InternalsJobs, type InternalsPanelRequest } from './internalsResponder';
export type { InternalsPanelRequest } from './internalsResponder';

type ProbeMessage = Extract<HostToWebview, { type: 'probe' }>;

/** What the panel shows, kept so a reloaded webview (hidden and shown again) gets it back. */
type Shown =
  | { kind: 'empty'; message: string }
  | { kind: 'loading'; message: string }
  | { kind: 'error'; message: string }
  | ({ kind: 'analysis' } & CurrentAnalysis);

let nextAnalysisId = 1;

export class AttentionPanel extends Disposable implements vscode.Disposable {
  static readonly viewType = 'attentionLens.panel';
  private static instance: AttentionPanel | undefined;

  private readonly hoverEmitter = this.register(new vscode.EventEmitter<{ index: number | null }>());
  private readonly revealEmitter = this.register(new vscode.EventEmitter<{ index: number }>());
  private readonly disposeEmitter = new vscode.EventEmitter<void>();
  readonly onDidHoverToken = this.hoverEmitter.event;
  readonly onDidRevealToken = this.revealEmitter.event;
  readonly onDidDispose = this.disposeEmitter.event;

  private ready = false;
  /** Internals views being computed, by analysis and view, so two requests share one computation. */
  private readonly internalsJobs = new InternalsJobs();
  private shown: Shown = { kind: 'empty', message: 'Select text in an editor and run “Attention Lens: Inspect Selection”.' };
  private probe: ProbeMessage | null = null;
  private query: number | null = null;
  /** Reach and the compression table of the analysis shown (null when none is). */
  private job: ReachJob | null = null;

  /** Reveal the existing panel or create one beside the active editor. */
  static show(host: PanelHost): AttentionPanel {
    const existing = AttentionPanel.instance;
    if (existing) {
      existing.panel.reveal(undefined, true); // keep its column, keep focus in the editor
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(
      AttentionPanel.viewType,
      'Attention Lens',
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      AttentionPanel.webviewOptions(host.extensionUri),
    );
    return new AttentionPanel(panel, host);
  }

  /** Registers the serializer; call once from activate(); returns its Disposable. */
  static registerSerializer(host: PanelHost): vscode.Disposable {
    return vscode.window.registerWebviewPanelSerializer(AttentionPanel.viewType, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel) {
        // The webview keeps its own view state (getState); the analysis itself lived in the old host.
        panel.webview.options = AttentionPanel.webviewOptions(host.extensionUri);
        AttentionPanel.instance?.dispose();
        const revived = new AttentionPanel(panel, host);
        revived.setShown({ kind: 'empty', message: 'The window was reloaded: select text and run “Attention Lens: Inspect Selection” again. Your layer, head and view choices are kept.' });
      },
    });
  }

  static current(): AttentionPanel | undefined {
    return AttentionPanel.instance;
  }

  private static webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
    return {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
    };
  }

  private constructor(private readonly panel: vscode.WebviewPanel, private readonly host: PanelHost) {
    super();
    AttentionPanel.instance = this;
    this.register(panel.onDidDispose(() => this.dispose()));
    this.register(panel.webview.onDidReceiveMessage((m: WebviewToHost) => {
      try {
        this.onMessage(m);
      } catch (e) {
        this.post({ type: 'error', message: `Attention Lens could not answer the panel: ${e instanceof Error ? e.message : String(e)}` });
      }
    }));
    this.register(vscode.workspace.onDidGrantWorkspaceTrust(() => this.post({ type: 'restricted', message: null })));
    this.register(panel.onDidChangeViewState(() => {
      // A hidden webview is destroyed (no retainContextWhenHidden); it says `ready` again when shown.
      if (!panel.visible) this.ready = false;
    }));
    this.render();
  }

  showLoading(message: string): void {
    this.setShown({ kind: 'loading', message });
    this.post({ type: 'status', state: 'loading', message });
  }

  /** `source.tokenText` (the loaded model's tokenText) names the top-k ids after every token, also those the text does not hold. */
  showAnalysis(result: AnalysisResult, source: AnalysisSource): number {
    const id = nextAnalysisId++;
    this.setShown({ kind: 'analysis', id, result, source, stats: null });
    this.job = new ReachJob(id, result, source.contextReach, (m) => this.post(m), source.corpusMarkov);
    this.query = null;
    this.panel.title = `Attention Lens: ${baseName(source.fileName)}`;
    this.sendAnalysis();
    return id;
  }

  /** The analysis shown, if any (to analyse its text again, or to label its heads). */
  shownAnalysis(): CurrentAnalysis | null { return this.shown.kind === 'analysis' ? this.shown : null; }

  showError(message: string): void {
    this.setShown({ kind: 'error', message });
    this.post({ type: 'error', message });
  }

  showProbe(p: { nTokens: number; entropy: number; temperature: number; next: { token: string; prob: number }[]; cached: boolean }): void {
    this.probe = { type: 'probe', nTokens: p.nTokens, entropy: p.entropy, temperature: p.temperature, next: p.next.map((n) => ({ token: n.token, prob: n.prob })), cached: p.cached };
    this.post(this.probe);
  }

  /** The editor cursor moved onto that token. */
  selectQuery(tokenIndex: number): void {
    if (this.shown.kind !== 'analysis') return;
    if (!Number.isInteger(tokenIndex) || tokenIndex < 0 || tokenIndex >= this.shown.result.shape.nTokens) return;
    this.query = tokenIndex;
    this.post({ type: 'selectQuery', analysisId: this.shown.id, query: tokenIndex });
  }

  override dispose(): void {
    if (this.isDisposed) return;
    if (AttentionPanel.instance === this) AttentionPanel.instance = undefined;
    this.setShown({ kind: 'empty', message: '' });
    super.dispose();
    this.panel.dispose();
    this.disposeEmitter.fire();
    this.disposeEmitter.dispose();
  }

  /** The panel is the last reader of the analysis it shows: one it stops showing gives its attention buffer back for the next analysis. */
  private setShown(next: Shown): void {
    const previous = this.shown;
    this.shown = next;
    if (previous.kind === 'analysis' && (next.kind !== 'analysis' || next.result !== previous.result)) {
      previous.result.release();
      this.job?.dispose(); // stops its reach: the model's queue goes to what is shown now
      this.job = null;
    }
  }

  /** A fresh document with a fresh nonce; the webview answers with `ready`. */
  private render(): void {
    this.ready = false;
    const webview = this.panel.webview;
    webview.html = panelHtml({
      cspSource: webview.cspSource,
      nonce: newNonce(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(this.host.extensionUri, 'dist', 'webview.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(this.host.extensionUri, 'media', 'panel.css')).toString(),
    });
  }

  private post(message: HostToWebview): void {
    if (!this.ready || this.isDisposed) return; // sent again in full on the next `ready`
    void this.panel.webview.postMessage(message);
  }

  private sendAnalysis(): void {
    const s = this.shown;
    if (s.kind !== 'analysis' || !this.ready) return;
    sendAnalysis(s, (m) => this.post(m), () => this.shown === s && this.ready && !this.isDisposed);
    if (this.query !== null) this.post({ type: 'selectQuery', analysisId: s.id, query: this.query });
    this.job?.headerSent(); // the compression table and reach follow the first view's data
  }

  /** Everything the webview should show, after it (re)loaded. */
  private sendAll(): void {
    const s = this.shown;
    switch (s.kind) {
      case 'empty': this.post({ type: 'empty', message: s.message }); break;
      case 'loading': this.post({ type: 'status', state: 'loading', message: s.message }); break;
      case 'error': this.post({ type: 'error', message: s.message }); break;
      case 'analysis': this.sendAnalysis(); break;
      default: assertNever(s);
    }
    if (this.probe) this.post(this.probe);
    const restricted = restrictedNotice();
    if (restricted) this.post({ type: 'restricted', message: restricted });
  }

  /** Encoders: asks the host what token `index` would be if masked. */
  private requestMasked(analysis: CurrentAnalysis, index: number): void {
    void this.host.predictMasked({ text: analysis.result.text, index, modelPath: analysis.result.model.path })
      .catch((err: unknown): MaskedAnswer => ({ original: '', next: [], entropy: NaN, error: err instanceof Error ? err.message : String(err) }))
      .then((answer) => this.post({ type: 'masked', analysisId: analysis.id, index, ...answer }));
  }

  private onMessage(m: WebviewToHost): void {
    const s = this.shown;
    const current = (id: number) => s.kind === 'analysis' && s.id === id ? s : null;
    const validToken = (id: number, index: unknown): index is number =>
      !!current(id) && Number.isInteger(index) && (index as number) >= 0 && (index as number) < (s as CurrentAnalysis).result.shape.nTokens;
    switch (m.type) {
      case 'ready':
        this.ready = true;
        this.sendAll();
        break;
      case 'requestAttention':
      case 'requestOverview':
      case 'requestInternals':
        void answerPanelRequest(m, s.kind === 'analysis' ? s : null, {
          jobs: this.internalsJobs, ask: this.host.internals?.bind(this.host), post: (x) => this.post(x), isShown: (a) => this.shown === a, dataSent: () => this.job?.dataSent(),
        });
        break;
      case 'hoverToken':
        if (m.index === null ? current(m.analysisId) : validToken(m.analysisId, m.index)) this.hoverEmitter.fire({ index: m.index });
        break;
      case 'revealToken':
        if (validToken(m.analysisId, m.index)) this.revealEmitter.fire({ index: m.index });
        break;
      case 'requestMasked': {
        const analysis = current(m.analysisId);
        if (analysis && validToken(m.analysisId, m.index)) this.requestMasked(analysis, m.index);
        break;
      }
      case 'cancelReach':
        if (current(m.analysisId)) this.job?.cancelReach();
        break;
      case 'requestReach':
        if (current(m.analysisId)) this.job?.startReach(true);
        break;
      case 'headsOff':
        this.host.headsOff?.(m);
        break;
      case 'export':
        void saveExport(m, s.kind === 'analysis' ? s : null).catch((e: unknown) => {
          void vscode.window.showErrorMessage(`Attention Lens: export failed: ${e instanceof Error ? e.message : String(e)}`);
        });
        break;
      default:
        assertNever(m);
    }
  }
}

function baseName(fileName: string): string {
  return fileName.split(/[\\/]/).pop() || fileName;
}
