// Host→webview bytes per message for each view, built by the same functions the panel uses
// (src/panel/analysisData.ts, src/common/slices.ts, src/common/stats.ts) on a real 512-token
// analysis; with the host time to build each message.
import path from 'node:path';
import type { HostToWebview } from '../src/common/protocol';
import { overviewBytes, sliceAttention } from '../src/common/slices';
import { allHeadStats } from '../src/common/stats';
import { attentionSize } from '../src/common/tensor';
import { toHeader } from '../src/panel/analysisData';
import type { BenchContext } from './context';
import { sharedModel } from './model-api';
import { now } from './stats';
import { benchText } from './texts';

const SECTION = 'host→webview bytes';
/** Thumbnail side the overview asks for (THUMBNAIL in webview/app.ts). */
export const OVERVIEW_REQUEST_SIZE = 48;

/**
 * Bytes a message costs on the wire: typed arrays count their byteLength (they cross as binary),
 * everything else its JSON text.
 */
export function messageBytes(message: HostToWebview): number {
  let binary = 0;
  const json = JSON.stringify(message, (_k, v: unknown) => {
    if (ArrayBuffer.isView(v)) {
      binary += v.byteLength;
      return null;
    }
    return v;
  });
  return binary + Buffer.byteLength(json, 'utf8');
}

export async function runBytes(ctx: BenchContext): Promise<void> {
  const { report, opts } = ctx;
  const model = await sharedModel(opts.modelDir, path.join(opts.repoRoot, 'bench/.cache'));
  const n = Math.max(...ctx.sizes.filter((s) => s <= 512));
  const result = await model.analyze(await benchText(ctx, model, n), { topK: 10, maxTokens: n });
  const shape = result.shape;
  const options = { dropSink: false };
  const timed = <T>(f: () => T): [T, number] => {
    const t0 = now();
    const v = f();
    return [v, now() - t0];
  };
  const [header, headerMs] = timed(() => toHeader(result, 1, { fileName: 'bench.ts', tokenText: (id) => model.tokenText(id) }));
  const [head, headMs] = timed(() => sliceAttention(result.attention, shape, { kind: 'head', layer: 0, head: 0 }, options));
  const [mean, meanMs] = timed(() => sliceAttention(result.attention, shape, { kind: 'layerMean', layer: 0 }, options));
  const [heads, headsMs] = timed(() => sliceAttention(result.attention, shape, { kind: 'layerHeads', layer: 0 }, options));
  const [lines, linesMs] = timed(() => sliceAttention(result.attention, shape, { kind: 'layerLines', layer: 0 }, options));
  const [ov, ovMs] = timed(() => overviewBytes(result.attention, shape, OVERVIEW_REQUEST_SIZE, options, 'linear'));
  const ids = result.tokens.map((t) => t.id);
  const [stats, statsMs] = timed(() => allHeadStats(result.attention, shape.nLayers, shape.nHeads, shape.nTokens, ids, result.model.kind === 'decoder'));

  const msgs: [string, string, HostToWebview, number][] = [
    ['analysis header (tokens, top-k, vocab)', 'analysis', { type: 'analysis', header }, headerMs],
    ['one head [Q, K]', 'head', { type: 'attention', analysisId: 1, requestId: 1, selector: { kind: 'head', layer: 0, head: 0 }, options, data: head }, headMs],
    ['layer mean [Q, K]', 'layer_mean', { type: 'attention', analysisId: 1, requestId: 2, selector: { kind: 'layerMean', layer: 0 }, options, data: mean }, meanMs],
    ['one layer [H, Q, K]', 'layer_heads', { type: 'attention', analysisId: 1, requestId: 3, selector: { kind: 'layerHeads', layer: 0 }, options, data: heads }, headsMs],
    ['head view: one layer\'s lines (weights ≥ 0.01)', 'layer_lines', { type: 'attention', analysisId: 1, requestId: 5, selector: { kind: 'layerLines', layer: 0 }, options, data: lines }, linesMs],
    [`overview [L, H + 1, ${ov.size}, ${ov.size}] bytes`, 'overview', { type: 'overview', analysisId: 1, requestId: 4, size: ov.size, options, encoding: 'linear', data: ov.data }, ovMs],
    ['head statistics [L, H, stats]', 'stats', { type: 'headStats', analysisId: 1, data: stats }, statsMs],
  ];
  // The live probe's message, as the extension fills it from a ProbeResult (top-10).
  const probe = await model.probe(await benchText(ctx, model, n), { topK: 10 });
  msgs.push(['live probe (top-10, entropy)', 'probe', { type: 'probe', nTokens: probe.nTokens, entropy: probe.entropy, temperature: 1, next: probe.next.map((t) => ({ token: t.token, prob: t.prob })), cached: probe.cached }, 0]);
  const whole = attentionSize(shape) * 4;
  for (const [name, key, msg, ms] of msgs) {
    const bytes = messageBytes(msg);
    report.add({
      section: SECTION,
      name: `${name}, ${n} tokens`,
      value: bytes / 1024,
      unit: 'KiB',
      key: `bytes_kib_${key}_${n}`,
      note: `${((bytes / whole) * 100).toFixed(2)}% of the whole tensor` + (key === 'probe' ? '' : `; built in ${ms.toFixed(1)} ms on the host`),
    });
  }
  report.add({ section: SECTION, name: `(whole [L, H, Q, K] tensor, never sent), ${n} tokens`, value: whole / 1024, unit: 'KiB', key: `bytes_kib_whole_${n}` });
}
