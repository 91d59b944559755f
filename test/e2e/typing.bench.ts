// Issue 6 bar, measured in a real VS Code: fast typing with the live probe on. Reports the extension
// host's event-loop delay (p99 ≤ 50 ms), its memory trend (flat: RSS floors, see floorTrend), the
// live probe's request-to-display latency and any error, from "Attention Lens: Show Diagnostics".
// Memory is judged in steady state: the allocator's high-water mark rises for the first minutes of
// typing (each new probe window size leaves its mark, then sizes repeat), so a warm-up phase is
// typed first and reported on its own, then the measured window.
// Not a test (timings depend on the machine):
// run `node --import tsx test/e2e/typing.bench.ts [measuredSeconds=120] [warmupSeconds=180]`.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { artifactsRoot, launchVSCode, repoRoot, testModel, waitFor } from './harness';

const SECONDS = Number(process.argv[2] ?? 120);
const WARMUP_SECONDS = Number(process.argv[3] ?? 180);
/** Memory counts as flat when the RSS floors rise less than this (MB per minute, MB in all). */
const FLOOR_SLOPE_MAX = 1;
const FLOOR_RISE_MAX = 5;
const TEXT = `Attention is a kernel smoother: each position takes a weighted average of the values at
earlier positions, with weights given by a softmax of query-key similarities. `;
const WORDS = 'the model reads every token before the cursor and predicts what comes next while you type along'.split(' ');

/** TEXT followed by this repository's README: some 2,000 tokens, more than the context of the models in use. */
function longDocument(): string {
  return TEXT + '\n' + readFileSync(path.join(repoRoot, 'README.md'), 'utf8').slice(0, 8000) + '\n';
}

async function main(): Promise<void> {
  const model = testModel();
  const vs = await launchVSCode({
    name: 'typing',
    settings: {
      'attentionLens.model': model.setting,
      'attentionLens.liveProbe.enabled': true,
      'editor.quickSuggestions': { other: false, comments: false, strings: false },
      'editor.wordBasedSuggestions': 'off',
    },
  });
  try {
    // Typing at the end of a document longer than the model's context, as in most real files: the
    // probe's window then moves along with the text from the start (a short document would reach
    // that regime, and its one-off memory high-water mark, only minutes in).
    writeFileSync(path.join(vs.workspace, 'typing.txt'), longDocument());
    await vs.openFile('typing.txt');
    await vs.page.keyboard.press('Control+End');
    // Wait for the first probe (model loaded), then start a fresh measurement window.
    const item = vs.page.locator('[id$="attentionLens.liveProbe"]').first();
    await vs.page.keyboard.type(' a', { delay: 50 });
    await waitFor(async () => /%/.test((await item.textContent().catch(() => '')) ?? ''), { message: 'the first live probe result', timeoutMs: 120_000 });
    await vs.readDiagnostics('start');
    /** Ends the extension's current diagnostics window and reads its report. */
    const diagnostics = <T>(label: string): Promise<T> => vs.readDiagnostics<T>(label);
    /** Back to the end of the document, after Show Diagnostics took the focus. */
    const refocus = async () => {
      await vs.page.locator('.editor-instance .monaco-editor .view-lines').first().click();
      await vs.page.keyboard.press('Control+End');
    };
    // Control on a shared machine: a window of the same kind with nobody typing.
    await new Promise((r) => setTimeout(r, Math.min(20, SECONDS) * 1000));
    const idle = await diagnostics<{ eventLoopDelayMs: unknown }>('idle window');
    await refocus();

    // Fast typing: up to ~15 characters a second, words with spaces, a Backspace now and then, new lines.
    let typed = 0;
    let word = 0;
    const typeFor = async (seconds: number) => {
      const end = Date.now() + seconds * 1000;
      for (; Date.now() < end; word++) {
        const w = WORDS[word % WORDS.length]!;
        await vs.page.keyboard.type(w + ' ', { delay: 50 + (word % 4) * 10 });
        typed += w.length + 1;
        if (word % 7 === 3) await vs.page.keyboard.press('Backspace');
        if (word % 15 === 14) await vs.page.keyboard.press('Enter');
      }
    };
    type WarmupReport = { windowSeconds: number; eventLoopDelayMs: unknown; liveProbe: unknown; memory: { samples: { rssMb: number }[] } };
    let warmupReport: WarmupReport | null = null;
    if (WARMUP_SECONDS > 0) {
      await typeFor(WARMUP_SECONDS);
      warmupReport = await diagnostics<WarmupReport>('warm-up');
      await refocus();
    }
    await typeFor(SECONDS);

    const report = await diagnostics<{
      windowSeconds: number;
      eventLoopDelayMs: { p50: number; p95: number; p99: number; max: number } | null;
      memory: {
        rssSlopeMbPerMin: number; heapSlopeMbPerMin: number; samples: { tMs: number; rssMb: number; heapUsedMb: number }[];
        rssFloor: { slopePerMin: number; firstFloor: number; lastFloor: number; windows: number } | null;
      };
      liveProbe: { delivered: number; errors: number; requestToDisplayMs: { p50: number | null; p95: number | null } };
    }>('measured window');
    const warmupRss = warmupReport?.memory.samples.map((s) => s.rssMb) ?? [];
    const warmup = warmupReport && {
      seconds: warmupReport.windowSeconds,
      rssMb: { first: warmupRss[0], last: warmupRss[warmupRss.length - 1], max: Math.max(...warmupRss) },
      eventLoopDelayMs: warmupReport.eventLoopDelayMs,
      liveProbe: warmupReport.liveProbe,
    };
    const errors = (await vs.notifications()).filter((t) => /Attention Lens/.test(t));
    const samples = report.memory.samples;
    const floor = report.memory.rssFloor;
    const summary = {
      model: model.setting,
      loadAverage: os.loadavg().map((v) => Math.round(v * 10) / 10),
      seconds: report.windowSeconds,
      warmup,
      charactersTyped: typed,
      eventLoopDelayMs: report.eventLoopDelayMs,
      idleEventLoopDelayMs: idle.eventLoopDelayMs,
      eventLoopBar: report.eventLoopDelayMs && report.eventLoopDelayMs.p99 <= 50 ? 'PASS (p99 ≤ 50 ms)' : 'FAIL (p99 > 50 ms)',
      rssMb: { first: samples[0]?.rssMb, last: samples[samples.length - 1]?.rssMb, slopePerMin: report.memory.rssSlopeMbPerMin },
      rssFloorMb: floor,
      // Flat: after the warm-up fifth, the floors (window minima) neither trend up nor end higher.
      memoryBar: floor && floor.slopePerMin <= FLOOR_SLOPE_MAX && floor.lastFloor - floor.firstFloor <= FLOOR_RISE_MAX
        ? `PASS (floor slope ≤ ${FLOOR_SLOPE_MAX} MB/min, rise ≤ ${FLOOR_RISE_MAX} MB)`
        : `FAIL (floor slope > ${FLOOR_SLOPE_MAX} MB/min or rise > ${FLOOR_RISE_MAX} MB)`,
      heapMb: { first: samples[0]?.heapUsedMb, last: samples[samples.length - 1]?.heapUsedMb, slopePerMin: report.memory.heapSlopeMbPerMin },
      liveProbe: report.liveProbe,
      notifications: errors,
    };
    const out = path.join(artifactsRoot, 'typing');
    mkdirSync(out, { recursive: true });
    writeFileSync(path.join(out, 'result.json'), JSON.stringify({ summary, report, warmupReport }, null, 2));
    console.log(JSON.stringify(summary, null, 2));
  } finally {
    await vs.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
