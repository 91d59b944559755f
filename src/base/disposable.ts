// A small base for objects that own disposables (the panel, the model service, editor features).
// No vscode import: vscode.Disposable and anything else with dispose() fit, so every layer may use it.

/** Anything that can be disposed (vscode.Disposable is one). */
export interface DisposableLike {
  dispose(): unknown;
}

export abstract class Disposable implements DisposableLike {
  private disposables: DisposableLike[] = [];
  protected isDisposed = false;

  /** Keeps `d` until this object is disposed (disposes it at once if that already happened). */
  protected register<T extends DisposableLike>(d: T): T {
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
