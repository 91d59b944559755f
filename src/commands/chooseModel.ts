// Attention Lens: Choose Model — a quick pick of the bundled model, recently used models, a few
// Hub ids known to export plain attention, "Open folder…" and "Enter id…". Writes the user setting.
import * as vscode from 'vscode';
import { formatHubId, parseHubId } from '../model';
import { recentModels } from '../services/recentModels';

/** Hub repositories in the transformers.js layout whose exports keep attention as MatMul + Softmax. */
export const KNOWN_MODELS: ReadonlyArray<{ id: string; detail: string }> = [
  { id: 'Xenova/distilgpt2', detail: 'DistilGPT-2: 6 layers, 12 heads, decoder (next-token probabilities)' },
  { id: 'Xenova/gpt2', detail: 'GPT-2 small: 12 layers, 12 heads, decoder' },
  { id: 'Xenova/bert-base-uncased', detail: 'BERT base: 12 layers, 12 heads, encoder (masked-token predictions)' },
  { id: 'Xenova/distilbert-base-uncased', detail: 'DistilBERT: 6 layers, 12 heads, encoder' },
];

interface Choice extends vscode.QuickPickItem {
  value?: string;
  action?: 'folder' | 'id';
}

function choices(current: string, recent: string[]): Choice[] {
  const mark = (value: string) => (value === current ? '$(check) current' : undefined);
  const items: Choice[] = [{ label: '$(package) Bundled model', description: mark('bundled'), detail: 'Shipped with the extension; works offline.', value: 'bundled' }];
  const known = new Set(KNOWN_MODELS.map((m) => m.id));
  const recentOthers = recent.filter((r) => r !== 'bundled' && !known.has(r));
  if (recentOthers.length > 0) {
    items.push({ label: 'Recently used', kind: vscode.QuickPickItemKind.Separator });
    for (const r of recentOthers) items.push({ label: `$(history) ${r}`, description: mark(r), value: r });
  }
  items.push({ label: 'Hugging Face models (downloaded once, then cached)', kind: vscode.QuickPickItemKind.Separator });
  for (const m of KNOWN_MODELS) items.push({ label: `$(cloud-download) ${m.id}`, description: mark(m.id) ?? (recent.includes(m.id) ? 'recently used' : undefined), detail: m.detail, value: m.id });
  items.push({ label: '', kind: vscode.QuickPickItemKind.Separator });
  items.push({ label: '$(folder-opened) Open folder…', detail: 'A transformers.js model folder: config.json, tokenizer.json, onnx/*.onnx', action: 'folder' });
  items.push({ label: '$(edit) Enter id…', detail: 'Any Hugging Face id in the transformers.js layout, e.g. owner/name or owner/name@revision', action: 'id' });
  return items;
}

/** Shows the pick; writes `attentionLens.model` (user settings) and returns the value, or undefined. */
export async function chooseModel(context: vscode.ExtensionContext): Promise<string | undefined> {
  const config = vscode.workspace.getConfiguration('attentionLens');
  const scopes = config.inspect<string>('model');
  const current = (scopes?.globalValue ?? scopes?.defaultValue ?? 'bundled').trim();
  const picked = await vscode.window.showQuickPick(choices(current, recentModels(context.globalState)), {
    title: 'Attention Lens: Choose Model',
    placeHolder: 'The model to inspect',
    matchOnDetail: true,
  });
  if (!picked) return undefined;
  let value = picked.value;
  if (picked.action === 'folder') {
    const uris = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: 'Use this model folder' });
    value = uris?.[0]?.fsPath;
  } else if (picked.action === 'id') {
    const typed = await vscode.window.showInputBox({
      title: 'Attention Lens: Hugging Face model id',
      prompt: 'owner/name, optionally @revision (branch, tag or commit)',
      placeHolder: 'Xenova/gpt2',
      validateInput: (text) => (text.trim() === '' || parseHubId(text) ? undefined : 'Expected owner/name or owner/name@revision, e.g. Xenova/gpt2.'),
    });
    const id = typed ? parseHubId(typed) : undefined;
    value = id ? formatHubId(id) : undefined;
  }
  if (!value) return undefined;
  await config.update('model', value, vscode.ConfigurationTarget.Global);
  if (vscode.workspace.isTrusted && (scopes?.workspaceValue !== undefined || scopes?.workspaceFolderValue !== undefined)) {
    void vscode.window.showWarningMessage(`Attention Lens: saved “${value}” in your user settings, but this workspace sets attentionLens.model (“${scopes?.workspaceFolderValue ?? scopes?.workspaceValue}”), which takes precedence here.`);
  }
  return value;
}
