// Owns the model the editor features share: resolves `attentionLens.model`, loads it lazily and
// once (with a progress notification), reloads when the setting changes, keeps the previous model
// when a new one fails, and runs model calls one at a time (they share the model's KV cache).
import * as vscode from 'vscode';
import * as os from 'node:os';
import { promises as fs } from 'node:fs';
import { loadModel, type LoadedModel } from '../model';
import { CancelledError } from '../model/errors';
import { Disposable } from '../panel/disposable';
import { resolveModelSetting, type ModelSpec } from './modelPath';
import { reportFailure } from './messages';

interface Loaded {
  spec: ModelSpec;
  model: LoadedModel;
}

export class ModelManager extends Disposable {
  private loaded: Loaded | undefined;
  private loading: { path: string; promise: Promise<LoadedModel> } | undefined;
  /** A folder that failed while an older model stayed in use: not retried until the setting changes or Reload Model. */
  private failedPath: string | undefined;
  /** Serialises model calls; each call waits for the previous one. */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly changed = this.register(new vscode.EventEmitter<LoadedModel>());
  /** Fires when a (new) model is ready; listeners drop results computed by the old one. */
  readonly onDidChangeModel = this.changed.event;

  constructor(private readonly context: vscode.ExtensionContext, private readonly setting: () => string) {
    super();
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
    return this.loaded?.model;
  }

  /** The model for the current setting, loading it (once) when needed. */
  get(): Promise<LoadedModel> {
    const spec = this.spec();
    if (this.loaded && (this.loaded.spec.path === spec.path || this.failedPath === spec.path)) return Promise.resolve(this.loaded.model);
    if (this.loading?.path === spec.path) return this.loading.promise;
    return this.startLoad(spec);
  }

  /**
   * Runs `fn` with the model, after every earlier call finished (calls share the model's cached
   * past key values). A call whose signal was aborted while it waited does not run.
   */
  run<T>(fn: (model: LoadedModel) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const turn = this.queue.then(async () => {
      if (signal?.aborted) throw new CancelledError();
      const model = await this.get();
      if (signal?.aborted) throw new CancelledError();
      return fn(model);
    });
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  /** The setting changed: load the new model now if one was in use (else stay lazy). */
  settingChanged(): void {
    this.failedPath = undefined;
    if (!this.loaded && !this.loading) return;
    this.get().catch(() => undefined); // failures were already reported by load()
  }

  /** Loads the setting's model again (e.g. after fixing its folder); the old one stays if that fails. */
  reload(): Promise<LoadedModel> {
    this.failedPath = undefined;
    return this.startLoad(this.spec());
  }

  override dispose(): void {
    const old = this.loaded;
    this.loaded = undefined;
    super.dispose();
    void old?.model.dispose();
  }

  private startLoad(spec: ModelSpec): Promise<LoadedModel> {
    const promise = this.load(spec);
    this.loading = { path: spec.path, promise };
    const clear = () => {
      if (this.loading?.promise === promise) this.loading = undefined;
    };
    promise.then(clear, clear);
    return promise;
  }

  /** Loads `spec`; on failure keeps (and returns) the model loaded before, if any, after saying so. */
  private async load(spec: ModelSpec): Promise<LoadedModel> {
    const cacheDir = vscode.Uri.joinPath(this.context.globalStorageUri, 'onnx-cache').fsPath;
    try {
      await fs.mkdir(cacheDir, { recursive: true });
      const model = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Attention Lens: loading model “${spec.name}”`, cancellable: false },
        (progress) => loadModel(spec, { cacheDir, onProgress: (message: string) => progress.report({ message }) }),
      );
      if (this.isDisposed) {
        void model.dispose();
        throw new CancelledError('The extension was shut down while the model loaded.');
      }
      const old = this.loaded;
      this.loaded = { spec, model };
      this.failedPath = undefined;
      if (old) this.disposeModelWhenIdle(old.model);
      this.changed.fire(model);
      return model;
    } catch (err) {
      const previous = this.loaded;
      if (!previous || err instanceof CancelledError) throw err;
      this.failedPath = spec.path;
      reportFailure(err, `Could not load model “${spec.name}” (${spec.path}); still using “${previous.spec.name}”.`);
      return previous.model;
    }
  }

  /** Disposes a replaced model once the calls queued before the switch are done. */
  private disposeModelWhenIdle(model: LoadedModel): void {
    const release = () => void model.dispose();
    this.queue.then(release, release);
  }
}
