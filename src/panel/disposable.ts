// A small base for objects that own disposables (the panel, its listeners).
import * as vscode from 'vscode';

export abstract class Disposable implements vscode.Disposable {
  private disposables: vscode.Disposable[] = [];
  protected isDisposed = false;

  /** Keeps `d` until this object is disposed (disposes it at once if that already happened). */
  protected register<T extends vscode.Disposable>(d: T): T {
    if (this.isDisposed) d.dispose();
    else this.disposables.push(d);
    return d;
  }

  dispose(): void {
    if (this.isDisposed) return;
    this.isDisposed = true;
    // Dispose in reverse order of registration, and keep going if one throws.
    for (const d of this.disposables.reverse()) {
      try { d.dispose(); } catch (e) { console.error('Attention Lens: dispose failed', e); }
    }
    this.disposables = [];
  }
}
