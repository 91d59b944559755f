// Attention Lens: activate() wires the commands, settings, panel and editor features. Everything
// is registered into context.subscriptions; the model loads lazily on first use, not here.
import * as vscode from 'vscode';
import { AttentionPanel } from './panel/attentionPanel';
import { ModelManager } from './editor/modelManager';
import { SelectionSync } from './editor/selectionSync';
import { LiveProbe } from './editor/liveProbe';
import { Surprisal } from './editor/surprisal';
import { GhostText, ACCEPTED_COMMAND } from './editor/ghostText';
import { inspectSelection } from './editor/inspect';
import { LatestWinsRunner } from './model';
import { readSettings, type Settings } from './editor/settings';
import { reportFailure } from './editor/messages';
import { HostDiagnostics, showDiagnostics } from './editor/diagnostics';
import { chooseModel } from './editor/chooseModel';
import { PREDICT_MASKED_COMMAND, predictMasked, type MaskedRequest } from './editor/maskedPrediction';
import { WRITABLE_DOCUMENTS } from './editor/documentSelector';

const SECTION = 'attentionLens';

/** What activate() returns: handles for tests running inside the extension host. */
export interface AttentionLensApi {
  models: ModelManager;
  liveProbe: LiveProbe;
  surprisal: Surprisal;
  ghostText: GhostText;
  selectionSync: SelectionSync;
}

export function activate(context: vscode.ExtensionContext): AttentionLensApi {
  const settings = (): Settings => readSettings((key) => vscode.workspace.getConfiguration(SECTION).get(key));
  const subs = context.subscriptions;

  const models = new ModelManager(context, () => settings().model);
  const selectionSync = new SelectionSync();
  const diagnostics = new HostDiagnostics();
  const liveProbe = new LiveProbe(models, settings, diagnostics);
  const surprisal = new Surprisal(models, settings);
  const ghostText = new GhostText(models, settings);
  // Disposed in reverse order: features first, the model last.
  subs.push(diagnostics, models, selectionSync, liveProbe, surprisal);
  subs.push(AttentionPanel.registerSerializer(context.extensionUri));
  subs.push(vscode.languages.registerInlineCompletionItemProvider(WRITABLE_DOCUMENTS, ghostText));

  // Inspect requests go through the model layer's latest-wins runner: a newer one cancels the stale one.
  const inspectRunner = new LatestWinsRunner();
  const runLatest = <T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> => inspectRunner.run(fn);
  const toggle = async (key: 'liveProbe.enabled' | 'surprisal.enabled', current: boolean): Promise<boolean> => {
    // The setting is the one source of truth; the configuration listener below applies it. Write
    // where it is set now, so a workspace value does not hide the change.
    const config = vscode.workspace.getConfiguration(SECTION);
    const where = config.inspect(key);
    const target =
      where?.workspaceFolderValue !== undefined ? vscode.ConfigurationTarget.WorkspaceFolder
      : where?.workspaceValue !== undefined ? vscode.ConfigurationTarget.Workspace
      : vscode.ConfigurationTarget.Global;
    await config.update(key, !current, target);
    return !current;
  };
  subs.push(
    vscode.commands.registerCommand('attentionLens.inspectSelection', () =>
      inspectSelection({ extensionUri: context.extensionUri, models, sync: selectionSync, settings, runLatest, timings: diagnostics }),
    ),
    vscode.commands.registerCommand('attentionLens.showPanel', () => {
      liveProbe.showIn(AttentionPanel.show(context.extensionUri));
    }),
    vscode.commands.registerCommand('attentionLens.toggleLiveProbe', () => toggle('liveProbe.enabled', liveProbe.isEnabled)),
    vscode.commands.registerCommand('attentionLens.toggleSurprisal', () => toggle('surprisal.enabled', surprisal.isEnabled)),
    // Writes the setting; the configuration listener below loads the new model.
    vscode.commands.registerCommand('attentionLens.chooseModel', () => chooseModel(context)),
    // Internal (not in the palette): the panel's masked-token requests for encoders.
    vscode.commands.registerCommand(PREDICT_MASKED_COMMAND, (req: Omit<MaskedRequest, 'topK'>) => predictMasked(models, { ...req, topK: settings().topK })),
    vscode.commands.registerCommand('attentionLens.reloadModel', async () => {
      try {
        const model = await models.reload();
        vscode.window.setStatusBarMessage(`Attention Lens: using model “${model.info.name}” (${model.info.path}).`, 5000);
      } catch (err) {
        reportFailure(err);
      }
    }),
    vscode.commands.registerCommand(ACCEPTED_COMMAND, () => ghostText.onAccepted()),
    vscode.commands.registerCommand('attentionLens.showDiagnostics', () => {
      const model = models.peek()?.info;
      const report = diagnostics.snapshot({ model: model ? { name: model.name, path: model.path, contextLength: model.contextLength } : null, settings: settings() });
      return showDiagnostics(context.globalStorageUri, report);
    }),
  );

  subs.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration(SECTION)) return;
      const s = settings();
      if (e.affectsConfiguration(`${SECTION}.model`)) models.settingChanged();
      // Same model, another file or host: load it again, but only if one is in use (else stay lazy).
      else if (models.peek() && (e.affectsConfiguration(`${SECTION}.quantized`) || e.affectsConfiguration(`${SECTION}.remoteHost`))) models.reload().catch(() => undefined);
      if (e.affectsConfiguration(`${SECTION}.liveProbe.enabled`)) liveProbe.setEnabled(s.liveProbe.enabled);
      if (e.affectsConfiguration(`${SECTION}.temperature`) || e.affectsConfiguration(`${SECTION}.topK`)) liveProbe.settingsChanged();
      if (e.affectsConfiguration(`${SECTION}.surprisal.enabled`)) surprisal.setEnabled(s.surprisal.enabled);
      if (e.affectsConfiguration(`${SECTION}.surprisal.mode`)) surprisal.modeChanged();
      if (e.affectsConfiguration(`${SECTION}.maxTokens`) || e.affectsConfiguration(`${SECTION}.topK`)) surprisal.settingsChanged();
    }),
  );

  const initial = settings();
  liveProbe.setEnabled(initial.liveProbe.enabled);
  surprisal.setEnabled(initial.surprisal.enabled);
  return { models, liveProbe, surprisal, ghostText, selectionSync };
}

export function deactivate(): void {
  // Everything is in context.subscriptions.
}
