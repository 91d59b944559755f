// The same forward pass (logits + every attention map) in the PyTorch reference model from
// training/, timed in this run, and the ratio of our whole analysis to it.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { BARS } from './bars';
import type { BenchContext } from './context';

const SECTION = 'PyTorch reference';
const run = promisify(execFile);

/** Reads the median ms from the reference's --bench output: a JSON line, or text like "median 12.3 ms". */
export function parseTorchBench(stdout: string): { medianMs: number; raw: unknown } {
  const lines = stdout.trim().split('\n').reverse();
  for (const line of lines) {
    try {
      const j = JSON.parse(line) as Record<string, unknown>;
      for (const k of ['median_ms', 'medianMs', 'ms', 'median']) if (typeof j[k] === 'number') return { medianMs: j[k] as number, raw: j };
    } catch {
      /* not JSON */
    }
  }
  const m =
    /median_ms\s*[:=]?\s*([0-9]+(?:\.[0-9]+)?)/i.exec(stdout) ??
    /median[^0-9]*([0-9]+(?:\.[0-9]+)?)\s*ms/i.exec(stdout) ??
    /([0-9]+(?:\.[0-9]+)?)\s*ms/.exec(stdout);
  if (!m) throw new Error(`cannot read a time from the reference's output: ${stdout.slice(0, 200)}`);
  return { medianMs: Number(m[1]), raw: stdout.trim() };
}

export async function torchMedianMs(ctx: BenchContext, tokens: number, repeats: number): Promise<{ medianMs: number; raw: unknown }> {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE; // as ENVIRONMENT.md says: these two slow OpenBLAS down here
  delete env.OPENBLAS_L2_SIZE;
  const args = ['-m', 'training.reference', '--model-dir', ctx.opts.modelDir, '--bench', '--tokens', String(tokens), '--repeats', String(repeats)];
  try {
    const { stdout } = await run(ctx.opts.python, args, { cwd: ctx.opts.repoRoot, env, timeout: 180_000, maxBuffer: 1 << 20 });
    return parseTorchBench(stdout);
  } catch (err) {
    const e = err as { stderr?: string; message?: string };
    const tail = (e.stderr ?? '').trim().split('\n').slice(-1)[0];
    throw new Error(`training.reference --bench failed: ${tail || e.message}`);
  }
}

export async function runTorch(ctx: BenchContext): Promise<void> {
  const { report } = ctx;
  const ours = ctx.shared.analyzeMedianMs;
  for (const n of ctx.sizes.filter((s) => s >= 128)) {
    const t = await torchMedianMs(ctx, n, ctx.opts.quick ? 3 : 10);
    report.extra[`torch_${n}`] = t.raw;
    report.add({ section: SECTION, name: `PyTorch forward with attentions, ${n} tokens (median)`, value: t.medianMs, unit: 'ms', key: `torch_ms_${n}` });
    const mine = ours?.get(n);
    if (mine === undefined) {
      report.add({ section: SECTION, name: `ours / PyTorch, ${n} tokens`, value: null, unit: '×', key: `torch_ratio_${n}`, note: 'our analysis was not measured in this run' });
      continue;
    }
    report.add({
      section: SECTION,
      name: `ours (whole analysis) / PyTorch, ${n} tokens`,
      value: mine / t.medianMs,
      unit: '×',
      key: `torch_ratio_${n}`,
      ...(n === 512 ? { bar: BARS.torchRatio512 } : {}),
      note: `${mine.toFixed(1)} ms vs ${t.medianMs.toFixed(1)} ms`,
    });
  }
}
