// Commands that change or re-apply settings: Toggle Live Probe / Toggle Surprisal and Reload Model.
import * as vscode from 'vscode';
import type { ModelManager } from '../services/modelManager';
import { reportFailure } from '../services/messages';
import { SECTION } from '../services/settings';

/**
 * Flips a boolean setting. The setting is the one source of truth; the configuration listener in
 * extension.ts applies it. Written where it is set now, so a workspace value does not hide the change.
 */
export async function toggleSetting(key: 'liveProbe.enabled' | 'surprisal.enabled', current: boolean): Promise<boolean> {
  const config = vscode.workspace.getConfiguration(SECTION);
  const where = config.inspect(key);
  const target =
    where?.workspaceFolderValue !== undefined ? vscode.ConfigurationTarget.WorkspaceFolder
    : where?.workspaceValue !== undefined ? vscode.ConfigurationTarget.Workspace
    : vscode.ConfigurationTarget.Global;
  await config.update(key, !current, target);
  return !current;
}

/** Loads the setting's model again (e.g. after fixing its folder) and says which one is in use. */
export async function reloadModel(models: ModelManager): Promise<void> {
  try {
    const model = await models.reload();
    vscode.window.setStatusBarMessage(`Attention Lens: using model “${model.info.name}” (${model.info.path}).`, 5000);
  } catch (err) {
    reportFailure(err);
  }
}
