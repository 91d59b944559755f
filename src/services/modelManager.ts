// Owns the model the editor features share: resolves `attentionLens.model` to a folder or a Hub id,
// loads it lazily (with a progress notification; Hub downloads show files and bytes and can be
// cancelled) into a ModelSlot, reloads when the setting changes, and says so when a new model
// fails while the previous one stays in use. In an untrusted workspace only user settings count
// and nothing is downloaded.
import * as vscode from 'vscode';
import * as os from 'node:os';
import { promises as fs } from 'node:fs';
import {
  AttentionLensError, CancelledError, DEFAULT_REMOTE_HOST, describeProgress, isDirectory, loadHubModel, loadModelInWorker, resolveModelSetting,
  type DownloadProgress, type LoadedModel, type ModelSpec,
} from '../model';
import { Disposable } from '../base/disposable';
import { restrictedSetting } from './trust';
import { rememberModel } from './recentModels';
import { ModelSlot } from './modelSlot';
import { reportFailure } from './messages';

export class ModelManager extends Disposable {
  private readonly changed = this.register(new vscode.EventEmitter<LoadedModel>());
  /** Fires when a (new) model is ready; listeners drop results computed by the old one. */
  readonly onDidChangeModel = this.changed.event;
  private readonly slot: ModelSlot<LoadedModel>;

  constructor(private readonly context: vscode.ExtensionContext, private readonly setting: () => string) {
    super();
    this.register(vscode.workspace.onDidGrantWorkspaceTrust(() => this.settingChanged()));
    this.slot = new ModelSlot<LoadedModel>({
      load: (spec) => this.load(spec),
      loaded: (model) => this.changed.fire(model),
      keptPrevious: (err, spec, previous) =>
        reportFailure(err, `Could not load model “${spec.name}” (${spec.path}); still using “${previous.name}”.`),
    });
  }

  /** The folder the current setting names. */
  spec(): ModelSpec {
    return resolveModelSetting(this.modelSetting(), {
      extensionPath: this.context.extensionPath,
      homeDir: os.homedir(),
      workspaceFolders: (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath),
      isDirectory,
    });
  }

  /** `attentionLens.model` as it counts here: workspace values only in a trusted workspace. */
  private modelSetting(): string {
    if (vscode.workspace.isTrusted) return this.setting();
    const value = restrictedSetting('model');
    return typeof value === 'string' ? value : 'bundled';
  }

  /** The model in use, if one is loaded; never starts a load. */
  peek(): LoadedModel | undefined {
    return this.slot.peek();
  }

  /** Runs `fn` with the model (loading it first if needed), one call at a time; see ModelSlot.run. */
  run<T>(fn: (model: LoadedModel) => Promise<T>, signal?: AbortSignal, opts: { background?: boolean } = {}): Promise<T> {
    return this.slot.run(() => this.spec(), fn, signal, opts);
  }

  /** The setting changed: load the new model now if one was in use (else stay lazy). */
  settingChanged(): void {
    // A failure with no previous model surfaces at the next use; one with a previous model was reported.
    this.slot.settingChanged(this.spec())?.catch(() => undefined);
  }

  /** Loads the setting's model again (e.g. after fixing its folder); the old one stays if that fails. */
  reload(): Promise<LoadedModel> {
    return this.slot.reload(this.spec());
  }

  override dispose(): void {
    this.slot.dispose();
    super.dispose();
  }

  private async load(spec: ModelSpec): Promise<LoadedModel> {
    const cacheDir = vscode.Uri.joinPath(this.context.globalStorageUri, 'onnx-cache').fsPath;
    await fs.mkdir(cacheDir, { recursive: true });
    const quantized = restrictedSetting('quantized');
    const model = spec.hub
      ? await this.loadFromHub(spec, cacheDir, quantized !== 'full') // auto: quantized downloads are ~4× smaller
      : await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Attention Lens: loading model “${spec.name}”`, cancellable: false },
        // In the model worker thread: a run never stops the extension host's event loop.
        (progress) => loadModelInWorker(spec, { cacheDir, quantized: quantized === 'quantized', onProgress: (message: string) => progress.report({ message }) }),
      );
    void rememberModel(this.context.globalState, spec.hub ? spec.name : this.modelSetting());
    return model;
  }

  private loadFromHub(spec: ModelSpec, cacheDir: string, quantized: boolean): Thenable<LoadedModel> {
    const hub = spec.hub!;
    const host = restrictedSetting('remoteHost');
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Attention Lens: loading “${spec.name}”`, cancellable: true },
      async (progress, token) => {
        const controller = new AbortController();
        const cancel = token.onCancellationRequested(() => controller.abort());
        let shown = { file: '', at: 0, percent: 0 };
        const onProgress = (p: DownloadProgress) => {
          // The ONNX file is nearly all the bytes: it drives the bar. At most ~10 reports a second.
          const now = Date.now();
          const percent = p.file.endsWith('.onnx') && p.total > 0 ? (100 * p.loaded) / p.total : shown.file === p.file ? shown.percent : 0;
          if (p.file === shown.file && now - shown.at < 100 && p.loaded < p.total) return;
          const increment = p.file === shown.file ? percent - shown.percent : percent;
          shown = { file: p.file, at: now, percent };
          progress.report({ message: `downloading ${describeProgress(p)}`, increment: Math.max(0, increment) });
        };
        try {
          return await loadHubModel(hub, {
            root: vscode.Uri.joinPath(this.context.globalStorageUri, 'hub').fsPath,
            cacheDir,
            remoteHost: typeof host === 'string' && host.trim() !== '' ? host : DEFAULT_REMOTE_HOST,
            quantized,
            allowDownload: vscode.workspace.isTrusted,
            signal: controller.signal,
            onProgress,
            onMessage: (message) => progress.report({ message }),
            load: loadModelInWorker,
          });
        } catch (err) {
          // A cancelled download counts as a failure (keeps the previous model, no background retries).
          if (err instanceof CancelledError) throw new AttentionLensError('download-failed', `The download of “${spec.name}” was cancelled; nothing was kept. Run “Attention Lens: Reload Model” to download it again.`);
          throw err;
        } finally {
          cancel.dispose();
        }
      },
    );
  }
}
