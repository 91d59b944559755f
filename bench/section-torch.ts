// The same forward pass (logits + every attention map) in the PyTorch reference model from
// training/ (`python3 -m training.reference --bench`), run from the analysis section so that
// both sides are timed back to back.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { BenchContext } from './context';

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
