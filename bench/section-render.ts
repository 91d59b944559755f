// Webview rendering in headless Chromium, timed through the hooks the webview bundle exposes
// on window.__attentionLensBench: one head's heatmap at 128/512/1,024 tokens, the overview grid
// at 512, and the hover redraw p95 at 1,024.
import { BARS } from './bars';
import { openWebview } from './browser';
import type { BenchContext } from './context';

const SECTION = 'webview rendering';

export async function runRender(ctx: BenchContext): Promise<void> {
  const { report, opts } = ctx;
  const wv = await openWebview(opts.repoRoot, opts.chromium);
  try {
    const hooks = await wv.page.evaluate(() => {
      const b = (window as unknown as { __attentionLensBench?: Record<string, unknown> }).__attentionLensBench;
      return b ? Object.keys(b).filter((k) => typeof b[k] === 'function') : null;
    });
    if (!hooks) throw new Error('dist/webview.js exposes no window.__attentionLensBench hooks yet');
    report.extra.renderHooks = hooks;
    throw new Error(`bench hooks found (${hooks.join(', ')}) but not wired here yet`);
  } finally {
    await wv.close();
  }
  void BARS;
}
