// What the panel shows of context reach and the compression table: their two views, the latest
// messages for the analysis shown, and reach pushed into the token strip and kernel view.
import { post } from './state';
import { ReachView } from './reachView';
import { CompressionView } from './compressionView';
import type { Palette, Theme } from './theme';
import type { TokenStrip } from './tokens';
import type { KernelView } from './kernelView';
import type { HeadView } from './headView';
import type { AnalysisHeader, BaselinesMessage, ReachMessage } from '../src/common/protocol';

export interface ReachPanelEvents {
  onHover(index: number | null): void;
  /** A token was clicked: make it the query and show it in the editor. */
  onActivate(index: number): void;
}

export class ReachPanel {
  reach: ReachMessage | null = null;
  baselines: BaselinesMessage | null = null;
  private analysisId = 0;
  readonly reachView: ReachView;
  readonly compression: CompressionView;

  constructor(events: ReachPanelEvents, private readonly strip: TokenStrip, private readonly kernel: KernelView, private readonly headView: HeadView) {
    this.reachView = new ReachView({
      ...events,
      onCancel: () => post({ type: 'cancelReach', analysisId: this.analysisId }),
      onRequest: () => post({ type: 'requestReach', analysisId: this.analysisId }),
    });
    this.compression = new CompressionView(events);
  }

  /** A new analysis: nothing of the old one's reach or table stays. */
  reset(analysisId: number): void {
    this.analysisId = analysisId;
    this.reach = null;
    this.baselines = null;
    this.apply();
    this.headView.setCopies(null);
  }

  /** Keeps a message for the current analysis; false for a stale one. */
  receive(m: ReachMessage | BaselinesMessage): boolean {
    if (m.analysisId !== this.analysisId) return false;
    if (m.type === 'reach') { this.reach = m; this.apply(); } else { this.baselines = m; this.headView.setCopies(m.lz); }
    return true;
  }

  /** Reach into the strip and the kernel view (cleared while it is not computed); call after the strip is rebuilt. */
  apply(): void {
    const r = this.reach?.state === 'done' ? this.reach : null;
    this.strip.setReach(r?.reach ?? null, r?.full ?? null, r?.maxContext ?? 0);
    this.kernel.setReach(r?.reach ?? null, r?.maxContext ?? 0);
  }

  /** The token strip, with its reach bars once reach is here. */
  renderStrip(header: AnalysisHeader, labels: string[], palette: Palette): void {
    this.strip.render(header, labels, palette);
    this.apply();
  }

  /** Draws one of the two views; returns its root to show. */
  render(view: 'reach' | 'compression', labels: string[], palette: Palette, theme: Theme, causal: boolean): HTMLElement {
    if (view === 'reach') this.reachView.set(this.reach, labels, palette, theme);
    else this.compression.render(this.baselines, labels, causal, theme);
    return view === 'reach' ? this.reachView.root : this.compression.root;
  }
}
