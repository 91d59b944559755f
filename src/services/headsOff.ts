// The heads a person switched off for the whole panel (analysis, live probe, ghost text): the one
// owner of that set for the session (never persisted). It applies the set to the model in use
// through the model's queue, then tells its listeners (status bar, probe, panel re-run). A newly
// loaded model starts with every head on. No vscode import: unit-tested with fakes.
import type { HeadRef, LoadedModel } from '../model';

/** What the state needs of the model service: one call with the model, in its queue. */
export interface HeadsOffModels {
  run<T>(fn: (model: LoadedModel) => Promise<T>): Promise<T>;
}

export interface HeadsOffChange {
  heads: readonly HeadRef[];
  /** Why it changed: the person switched heads, or a new model was loaded (all heads on again). */
  reason: 'switched' | 'modelChanged';
}

/** "L1.H0, L2.H3" */
export function headsLabel(heads: readonly HeadRef[]): string {
  return heads.map((x) => `L${x.layer}.H${x.head}`).join(', ');
}

/** "1 head off", "2 heads off" */
export function headsCount(n: number): string {
  return `${n} head${n === 1 ? '' : 's'} off`;
}

/** Sorted by layer, then head, each once. */
function normalised(heads: readonly HeadRef[]): HeadRef[] {
  const seen = new Set<string>();
  const out: HeadRef[] = [];
  for (const x of heads) {
    const key = `${x.layer}.${x.head}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ layer: x.layer, head: x.head });
  }
  return out.sort((a, b) => a.layer - b.layer || a.head - b.head);
}

export class HeadsOff {
  private heads: HeadRef[] = [];
  private readonly listeners = new Set<(change: HeadsOffChange) => void>();
  /** Changes apply one after another, each on the set the one before left (two quick toggles both count). */
  private pending: Promise<unknown> = Promise.resolve();

  constructor(private readonly models: HeadsOffModels) {}

  /** The heads now off (a copy), sorted by layer, then head. */
  get current(): HeadRef[] {
    return this.heads.map((x) => ({ ...x }));
  }

  isOff(layer: number, head: number): boolean {
    return this.heads.some((x) => x.layer === layer && x.head === head);
  }

  onDidChange(listener: (change: HeadsOffChange) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => void this.listeners.delete(listener) };
  }

  /**
   * Switches exactly `heads` off (every other head on) in the model in use. A head the model does
   * not have rejects with the model's message, and the set stays as it was.
   */
  set(heads: readonly HeadRef[]): Promise<HeadRef[]> {
    return this.queue(() => normalised(heads));
  }

  /** Switches one head off, or back on if it is off. */
  toggle(layer: number, head: number): Promise<HeadRef[]> {
    return this.queue(() => this.isOff(layer, head)
      ? this.heads.filter((x) => !(x.layer === layer && x.head === head))
      : normalised([...this.heads, { layer, head }]));
  }

  allOn(): Promise<HeadRef[]> {
    return this.queue(() => []);
  }

  /** A new model is in use: it runs with every head on (its heads are not the old model's). */
  modelChanged(): void {
    if (this.heads.length === 0) return;
    this.heads = [];
    this.fire('modelChanged');
  }

  private queue(next: () => HeadRef[]): Promise<HeadRef[]> {
    const run = this.pending.then(async () => {
      const heads = next();
      const same = heads.length === this.heads.length && heads.every((x, i) => x.layer === this.heads[i]!.layer && x.head === this.heads[i]!.head);
      await this.models.run((model) => model.setHeadsOff(heads));
      if (same) return this.current;
      this.heads = heads;
      this.fire('switched');
      return this.current;
    });
    this.pending = run.catch(() => undefined);
    return run;
  }

  private fire(reason: HeadsOffChange['reason']): void {
    const change = { heads: this.current, reason };
    for (const l of [...this.listeners]) l(change);
  }
}
