// Attention Lens: Show Diagnostics — writes the host's measurements since the last call (see
// HostDiagnostics) as JSON next to the extension's other files and opens it, so a person (or the
// typing benchmark) can read it.
import * as vscode from 'vscode';
import type { HostDiagnostics } from '../services/diagnostics';
import type { ModelManager } from '../services/modelManager';
import type { Settings } from '../services/settings';

export async function showDiagnostics(storage: vscode.Uri, diagnostics: HostDiagnostics, models: ModelManager, settings: Settings): Promise<vscode.Uri> {
  const model = models.peek()?.info;
  const report = diagnostics.snapshot({ model: model ? { name: model.name, path: model.path, contextLength: model.contextLength } : null, settings });
  await vscode.workspace.fs.createDirectory(storage);
  const file = vscode.Uri.joinPath(storage, 'diagnostics.json');
  await vscode.workspace.fs.writeFile(file, new TextEncoder().encode(JSON.stringify(report, null, 2) + '\n'));
  await vscode.window.showTextDocument(file, { preview: true, preserveFocus: true, viewColumn: vscode.ViewColumn.Beside });
  return file;
}
