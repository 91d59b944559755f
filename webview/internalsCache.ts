// The internals views' data for the current analysis (rollout, logit lens, ablation), asked of the
// host once each when a view first needs it, and the reasons a model could not give one.
import type { HostToWebview, InternalsViewName, WebviewToHost } from '../src/common/protocol';

type LensMessage = Extract<HostToWebview, { type: 'logitLens' }>;
type AblationMessage = Extract<HostToWebview, { type: 'ablation' }>;
export type InternalsMessage = Extract<HostToWebview, { type: 'rollout' | 'logitLens' | 'ablation' | 'internalsError' }>;

export class InternalsCache {
  private analysisId = -1;
  rollout: Float32Array | null = null; // [T, T]
  lens: LensMessage | null = null;
  ablation: AblationMessage | null = null;
  readonly problems: Partial<Record<InternalsViewName, string>> = {};
  private readonly asked = new Set<InternalsViewName>();

  constructor(private readonly post: (m: WebviewToHost) => void) {}

  /** A new analysis: everything computed for the old one is dropped. */
  reset(analysisId: number): void {
    this.analysisId = analysisId;
    this.rollout = null;
    this.lens = null;
    this.ablation = null;
    this.asked.clear();
    for (const k of Object.keys(this.problems) as InternalsViewName[]) delete this.problems[k];
  }

  /** Takes a host answer; false when it belongs to another analysis. */
  receive(m: InternalsMessage): boolean {
    if (m.analysisId !== this.analysisId) return false;
    switch (m.type) {
      case 'rollout': this.rollout = m.data; break;
      case 'logitLens': this.lens = m; break;
      case 'ablation': this.ablation = m; break;
      case 'internalsError': this.problems[m.view] = m.message; break;
    }
    return true;
  }

  /** Asks the host for a view once (the answer re-renders the panel). */
  request(view: 'rollout' | 'logitLens' | 'ablation'): void {
    if (this.asked.has(view) || this.problems[view] !== undefined) return;
    this.asked.add(view);
    this.post({ type: 'requestInternals', analysisId: this.analysisId, view });
  }
}
