// Attention Lens: activate() wires the commands, settings, panel and editor features together and
// holds no logic of its own. Everything is registered into context.subscriptions; the model loads
// lazily on first use, not here.
import * as vscode from 'vscode';
import { LatestWins } from './base/latestWins';
import { ModelManager } from './services/modelManager';
import { HostDiagnostics } from './services/diagnostics';
import { SECTION, readSettings, type Settings } from './services/settings';
import { AttentionPanel, type PanelHost } from './panel/attentionPanel';
import { SelectionSync } from './editor/selectionSync';
import { LiveProbe } from './editor/liveProbe';
import { Surprisal } from './editor/surprisal';
import { GhostText, ACCEPTED_COMMAND } from './editor/ghostText';
import { WRITABLE_DOCUMENTS } from './editor/documentSelector';
import { inspectSelection } from './commands/inspect';
import { chooseModel } from './commands/chooseModel';
import { predictMasked } from './commands/maskedPrediction';
import { computeInternalsFor } from './commands/internals';
import { reloadModel, toggleSetting } from './commands/settingCommands';
import { showDiagnostics } from './commands/showDiagnostics';
import { pickHeadsOff, rerunShownAnalysis, switchAllHeadsOn, toggleHeadOff, type HeadsOffDeps } from './commands/headsOff';
import { HeadsOff } from './services/headsOff';
import { HeadsOffStatus, PICK_HEADS_COMMAND } from './editor/headsOffStatus';

/** What activate() returns: handles for tests running inside the extension host. */
export interface AttentionLensApi {
  models: ModelManager;
  liveProbe: LiveProbe;
  surprisal: Surprisal;
  ghostText: GhostText;
  selectionSync: SelectionSync;
  headsOff: HeadsOff;
  headsOffStatus: HeadsOffStatus;
}

export function activate(context: vscode.ExtensionContext): AttentionLensApi {
  const settings = (): Settings => readSettings((key) => vscode.workspace.getConfiguration(SECTION).get(key));
  const subs = context.subscriptions;

  const models = new ModelManager(context, () => settings().model);
  const selectionSync = new SelectionSync();
  const diagnostics = new HostDiagnostics();
  // The heads switched off for the session: applied to the model in use, reset when another loads.
  const headsOff = new HeadsOff(models);
  subs.push(models.onDidChangeModel(() => headsOff.modelChanged()));
  const headsOffStatus = new HeadsOffStatus(headsOff);
  const liveProbe = new LiveProbe(models, settings, diagnostics, headsOff);
  const surprisal = new Surprisal(models, settings);
  const ghostText = new GhostText(models, settings);
  const panelHost: PanelHost = {
    extensionUri: context.extensionUri,
    predictMasked: (req) => predictMasked(models, { ...req, topK: settings().topK }),
    internals: (req) => computeInternalsFor(models, req),
    headsOff: (m) => void (m.action === 'allOn' ? switchAllHeadsOn(headsOffDeps) : toggleHeadOff(headsOffDeps, m)),
  };
  // Disposed in reverse order: features first, the model last.
  subs.push(diagnostics, models, selectionSync, headsOffStatus, liveProbe, surprisal);
  subs.push(AttentionPanel.registerSerializer(panelHost));
  subs.push(vscode.languages.registerInlineCompletionItemProvider(WRITABLE_DOCUMENTS, ghostText));

  const inspections = new LatestWins();
  const headsOffDeps: HeadsOffDeps = { headsOff, models, settings, latest: inspections };
  // A switch re-runs what the panel shows and the surprisal colours; the live probe asks again by itself.
  subs.push(headsOff.onDidChange((c) => {
    if (c.reason !== 'switched') return;
    void rerunShownAnalysis(headsOffDeps);
    surprisal.settingsChanged();
  }));
  subs.push(
    vscode.commands.registerCommand('attentionLens.inspectSelection', () =>
      inspectSelection({ panelHost, models, sync: selectionSync, settings, latest: inspections, timings: diagnostics })),
    vscode.commands.registerCommand('attentionLens.showPanel', () => liveProbe.showIn(AttentionPanel.show(panelHost))),
    vscode.commands.registerCommand('attentionLens.toggleLiveProbe', () => toggleSetting('liveProbe.enabled', liveProbe.isEnabled)),
    vscode.commands.registerCommand('attentionLens.toggleSurprisal', () => toggleSetting('surprisal.enabled', surprisal.isEnabled)),
    // Writes the setting; the configuration listener below loads the new model.
    vscode.commands.registerCommand('attentionLens.chooseModel', () => chooseModel(context)),
    vscode.commands.registerCommand('attentionLens.reloadModel', () => reloadModel(models)),
    vscode.commands.registerCommand(ACCEPTED_COMMAND, () => ghostText.onAccepted()),
    vscode.commands.registerCommand(PICK_HEADS_COMMAND, () => pickHeadsOff(headsOffDeps)),
    vscode.commands.registerCommand('attentionLens.switchAllHeadsOn', () => switchAllHeadsOn(headsOffDeps)),
    vscode.commands.registerCommand('attentionLens.toggleHeadOff', (arg: unknown) => toggleHeadOff(headsOffDeps, arg)),
    vscode.commands.registerCommand('attentionLens.showDiagnostics', () => showDiagnostics(context.globalStorageUri, diagnostics, models, settings())),
  );

  subs.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration(SECTION)) return;
      const s = settings();
      const changed = (key: string) => e.affectsConfiguration(`${SECTION}.${key}`);
      if (changed('model')) models.settingChanged();
      // Same model, another file or host: load it again, but only if one is in use (else stay lazy).
      else if (models.peek() && (changed('quantized') || changed('remoteHost'))) models.reload().catch(() => undefined);
      if (changed('liveProbe.enabled')) liveProbe.setEnabled(s.liveProbe.enabled);
      if (changed('temperature') || changed('topK')) liveProbe.settingsChanged();
      if (changed('surprisal.enabled')) surprisal.setEnabled(s.surprisal.enabled);
      if (changed('surprisal.mode')) surprisal.modeChanged();
      if (changed('maxTokens') || changed('topK')) surprisal.settingsChanged();
    }),
  );

  const initial = settings();
  liveProbe.setEnabled(initial.liveProbe.enabled);
  surprisal.setEnabled(initial.surprisal.enabled);
  return { models, liveProbe, surprisal, ghostText, selectionSync, headsOff, headsOffStatus };
}

export function deactivate(): void {
  // Everything is in context.subscriptions.
}
