// The internals views' data for the current analysis (rollout, logit lens, ablation), asked of the
// host once each when a view first needs it, and the reasons a model could not give one.
import type { HostToWebview, InternalsViewName, WebviewToHost } from '../src/common/protocol';

type LensMessage = Extract<HostToWebview, { type: 'logitLens' }>;
type AblationMessage = Extract<HostToWebview, { type: 'ablation' }>;
type QkMessage = Extract<HostToWebview, { type: 'qk' }>;
export type InternalsMessage = Extract<HostToWebview, { type: 'rollout' | 'logitLens' | 'ablation' | 'qk' | 'internalsError' | 'headStats' }>;

export class InternalsCache {
  private analysisId = -1;
  rollout: Float32Array | null = null; // [T, T]
  lens: LensMessage | null = null;
  ablation: AblationMessage | null = null;
  /** Head statistics on value-weighted attention [L, H, S]. */
  weightedStats: Float32Array | null = null;
  /** q·k breakdowns by head, `${layer}.${head}`. */
  private readonly qk = new Map<string, QkMessage>();
  private readonly qkAsked = new Set<string>();
  readonly problems: Partial<Record<InternalsViewName, string>> = {};
  private readonly asked = new Set<InternalsViewName>();

  constructor(private readonly post: (m: WebviewToHost) => void) {}

  /** A new analysis: everything computed for the old one is dropped. */
  reset(analysisId: number): void {
    this.analysisId = analysisId;
    this.rollout = null;
    this.lens = null;
    this.ablation = null;
    this.weightedStats = null;
    this.asked.clear();
    this.qk.clear();
    this.qkAsked.clear();
    for (const k of Object.keys(this.problems) as InternalsViewName[]) delete this.problems[k];
  }

  /** Takes a host answer; false when it belongs to another analysis. */
  receive(m: InternalsMessage): boolean {
    if (m.analysisId !== this.analysisId) return false;
    switch (m.type) {
      case 'rollout': this.rollout = m.data; break;
      case 'logitLens': this.lens = m; break;
      case 'ablation': this.ablation = m; break;
      case 'qk': this.qk.set(`${m.layer}.${m.head}`, m); break;
      case 'headStats': this.weightedStats = m.data; break;
      case 'internalsError': this.problems[m.view] = m.message; break;
    }
    return true;
  }

  qkOf(layer: number, head: number): QkMessage | null {
    return this.qk.get(`${layer}.${head}`) ?? null;
  }

  /** Asks the host for one head's q·k breakdown once. */
  requestQk(layer: number, head: number): void {
    const key = `${layer}.${head}`;
    if (this.qkAsked.has(key) || this.problems.qk !== undefined) return;
    this.qkAsked.add(key);
    this.post({ type: 'requestInternals', analysisId: this.analysisId, view: 'qk', layer, head });
  }

  /** Asks the host for a view once (the answer re-renders the panel). */
  request(view: 'rollout' | 'logitLens' | 'ablation' | 'valueNorms'): void {
    if (this.asked.has(view) || this.problems[view] !== undefined) return;
    this.asked.add(view);
    this.post({ type: 'requestInternals', analysisId: this.analysisId, view });
  }
}
