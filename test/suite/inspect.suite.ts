// Runs inside the extension host with the real `vscode` API (desktop VS Code through
// `npm run test:electron`, or code-server): activation, commands, Inspect Selection on a
// selection (no error, the panel exists) and on an empty one (a clear message).
import assert from 'node:assert/strict';
import * as vscode from 'vscode';

const EXTENSION_ID = 'attention-lens.attention-lens';
const COMMANDS = ['attentionLens.inspectSelection', 'attentionLens.toggleLiveProbe', 'attentionLens.toggleSurprisal'];
const TEXT = 'The quick brown fox jumps over the lazy dog. The quick brown fox jumps over the lazy dog.';

interface InspectOutcome { ok: boolean; message?: string; analysisId?: number; nTokens?: number }

async function editorWith(text: string): Promise<vscode.TextEditor> {
  const document = await vscode.workspace.openTextDocument({ content: text, language: 'plaintext' });
  return vscode.window.showTextDocument(document, vscode.ViewColumn.One);
}

function panelTabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs)
    .filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('attentionLens.panel'));
}

function describeTabs(): string {
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs).map((t) => {
    const input = t.input as { viewType?: string } | undefined;
    return `${t.label} (${input?.constructor?.name ?? 'no input'}${input?.viewType ? ` ${input.viewType}` : ''})`;
  }).join(', ');
}

/** The tab model reaches the extension host a moment after the panel opens: poll for it. */
async function waitForPanelTabs(count: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (panelTabs().length !== count) {
    if (Date.now() > deadline) assert.fail(`expected ${count} Attention Lens panel tab(s); tabs: ${describeTabs()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('Attention Lens in the extension host', () => {
  before(async () => {
    // A model folder for machines without the bundled model (set by the test launcher).
    const model = process.env.ATTENTION_LENS_TEST_MODEL;
    if (model) await vscode.workspace.getConfiguration('attentionLens').update('model', model, vscode.ConfigurationTarget.Global);
  });

  it('activates and registers its commands', async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is installed`);
    await extension.activate();
    assert.ok(extension.isActive);
    const commands = await vscode.commands.getCommands(true);
    for (const c of COMMANDS) assert.ok(commands.includes(c), `${c} is registered`);
  });

  it('says what to do when nothing is selected', async () => {
    const editor = await editorWith(TEXT);
    editor.selection = new vscode.Selection(0, 3, 0, 3);
    const outcome = await vscode.commands.executeCommand<InspectOutcome>('attentionLens.inspectSelection');
    assert.equal(outcome.ok, false);
    assert.match(outcome.message ?? '', /nothing is selected/i);
  });

  it('inspects a selection without error and shows the panel', async () => {
    const editor = await editorWith(TEXT);
    editor.selection = new vscode.Selection(0, 0, 0, TEXT.length);
    const outcome = await vscode.commands.executeCommand<InspectOutcome>('attentionLens.inspectSelection');
    assert.equal(outcome.ok, true, outcome.message);
    assert.ok((outcome.nTokens ?? 0) >= 10, `${outcome.nTokens} tokens`);
    assert.equal(typeof outcome.analysisId, 'number');
    await waitForPanelTabs(1);
  });

  it('a second inspection reuses the one panel', async () => {
    const editor = await editorWith(TEXT);
    editor.selection = new vscode.Selection(0, 4, 0, 19);
    const outcome = await vscode.commands.executeCommand<InspectOutcome>('attentionLens.inspectSelection');
    assert.equal(outcome.ok, true, outcome.message);
    await waitForPanelTabs(1);
  });
});
