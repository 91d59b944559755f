// Owns the model the editor features share: resolves `attentionLens.model` to a folder, loads it
// lazily (with a progress notification) into a ModelSlot, reloads when the setting changes, and
// says so when a new folder fails while the previous model stays in use.
import * as vscode from 'vscode';
import * as os from 'node:os';
import { promises as fs } from 'node:fs';
import { loadModel, type LoadedModel } from '../model';
import { Disposable } from '../panel/disposable';
import { resolveModelSetting, type ModelSpec } from './modelPath';
import { ModelSlot } from './modelSlot';
import { reportFailure } from './messages';

export class ModelManager extends Disposable {
  private readonly changed = this.register(new vscode.EventEmitter<LoadedModel>());
  /** Fires when a (new) model is ready; listeners drop results computed by the old one. */
  readonly onDidChangeModel = this.changed.event;
  private readonly slot: ModelSlot<LoadedModel>;

  constructor(private readonly context: vscode.ExtensionContext, private readonly setting: () => string) {
    super();
    this.slot = new ModelSlot<LoadedModel>({
      load: (spec) => this.load(spec),
      loaded: (model) => this.changed.fire(model),
      keptPrevious: (err, spec, previous) =>
        reportFailure(err, `Could not load model “${spec.name}” (${spec.path}); still using “${previous.name}”.`),
    });
  }

  /** The folder the current setting names. */
  spec(): ModelSpec {
    return resolveModelSetting(this.setting(), {
      extensionPath: this.context.extensionPath,
      homeDir: os.homedir(),
      workspaceFolders: (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath),
    });
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
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Attention Lens: loading model “${spec.name}”`, cancellable: false },
      (progress) => loadModel(spec, { cacheDir, onProgress: (message: string) => progress.report({ message }) }),
    );
  }
}
