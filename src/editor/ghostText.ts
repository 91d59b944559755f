// "What it would write": a short greedy continuation at the cursor, offered as inline ghost text.
// Off by default; inserted only when the person accepts it (Tab), attributed to Attention Lens.
import * as vscode from 'vscode';
import type { ModelManager } from '../services/modelManager';
import type { Settings } from '../services/settings';
import { describeFailure } from '../services/messages';
import { prefixStart, trimBrokenStart } from './prefix';

export const ACCEPTED_COMMAND = 'attentionLens.ghostTextAccepted';
export const SUGGESTION_TITLE = 'Attention Lens suggestion';

export class GhostText implements vscode.InlineCompletionItemProvider {
  /** The last suggestion offered and how many were accepted (for tests and the status message). */
  lastOffered: string | undefined;
  accepted = 0;

  constructor(private readonly models: ModelManager, private readonly settings: () => Settings) {}

  async provideInlineCompletionItems(
    document: vscode.TextDocument,
    position: vscode.Position,
    _context: vscode.InlineCompletionContext,
    token: vscode.CancellationToken,
  ): Promise<vscode.InlineCompletionList | undefined> {
    const s = this.settings();
    if (!s.ghostText.enabled || document.uri.scheme === 'output') return undefined;
    const controller = new AbortController();
    const cancel = token.onCancellationRequested(() => controller.abort());
    try {
      const cursor = document.offsetAt(position);
      const text = await this.models.run(async (model) => {
        const start = prefixStart(cursor, model.info.contextLength);
        const prefix = trimBrokenStart(document.getText(new vscode.Range(document.positionAt(start), position)));
        if (prefix.trim() === '' || model.info.kind !== 'decoder') return ''; // encoders do not continue text
        return model.continueGreedy(prefix, s.ghostText.maxTokens, controller.signal);
      }, controller.signal, { background: true });
      if (token.isCancellationRequested || text === '') return undefined;
      this.lastOffered = text;
      vscode.window.setStatusBarMessage(`${SUGGESTION_TITLE}: Tab to accept, Esc to dismiss`, 4000);
      const item = new vscode.InlineCompletionItem(text, new vscode.Range(position, position), { command: ACCEPTED_COMMAND, title: SUGGESTION_TITLE });
      return new vscode.InlineCompletionList([item]);
    } catch (err) {
      // Typing on cancels suggestions all the time; real failures go to the status bar, not a popup per keystroke.
      if (!controller.signal.aborted) vscode.window.setStatusBarMessage(`Attention Lens: no suggestion (${describeFailure(err)})`, 5000);
      return undefined;
    } finally {
      cancel.dispose();
    }
  }

  /** Runs after the person accepted a suggestion (the item's command). */
  onAccepted(): void {
    this.accepted++;
  }
}
