// What the person is told when something goes wrong, in one place, so every feature says the same.
import * as vscode from 'vscode';
import { AttentionLensError, isCancelled } from '../model';

const OPEN_SETTINGS = 'Open Settings';

/** Error codes that mean "pick or fix the model folder": offer the setting. */
const MODEL_PROBLEMS = new Set([
  'model-folder-missing',
  'model-files-missing',
  'config-unreadable',
  'onnx-unreadable',
  'unsupported-architecture',
  'fused-attention',
  'no-attention',
  'bad-model-id',
  'download-failed',
  'download-blocked',
]);

/** The sentence shown for an error (panel, status bar tooltip, notification). */
export function describeFailure(err: unknown): string {
  if (isCancelled(err)) return 'Cancelled: a newer request replaced this one.';
  if (err instanceof AttentionLensError) return err.message;
  const message = err instanceof Error ? err.message : String(err);
  return `Unexpected error: ${message}`;
}

export function isModelProblem(err: unknown): boolean {
  return err instanceof AttentionLensError && MODEL_PROBLEMS.has(err.code);
}

/**
 * Tells the person about a failure. Cancellations only flash in the status bar (the newer request
 * is already on its way). Model problems get a button to the `attentionLens.model` setting.
 * Does not wait for the notification to be dismissed.
 */
export function reportFailure(err: unknown, context?: string): void {
  if (isCancelled(err)) {
    vscode.window.setStatusBarMessage('Attention Lens: cancelled, a newer request replaced it.', 3000);
    return;
  }
  const text = `Attention Lens: ${context ? context + ' ' : ''}${describeFailure(err)}`;
  if (isModelProblem(err)) {
    void vscode.window.showErrorMessage(text, OPEN_SETTINGS).then((choice) => {
      if (choice === OPEN_SETTINGS) void vscode.commands.executeCommand('workbench.action.openSettings', 'attentionLens.model');
    });
  } else if (err instanceof AttentionLensError && err.code === 'empty-input') {
    void vscode.window.showInformationMessage(text);
  } else {
    void vscode.window.showErrorMessage(text);
  }
}

/** A hint about what to do next (no active editor, empty selection): not an error. */
export function showHint(message: string): void {
  void vscode.window.showInformationMessage(`Attention Lens: ${message}`);
}

/**
 * For features that run in the background (live probe, surprisal): reports a failure once, not at
 * every keystroke or scroll, until a success (`clear()`) or a different failure.
 */
export class OnceReporter {
  private last: string | undefined;

  report(err: unknown, context?: string): void {
    if (isCancelled(err)) return;
    const message = describeFailure(err);
    if (message === this.last) return;
    this.last = message;
    reportFailure(err, context);
  }

  clear(): void {
    this.last = undefined;
  }
}
