// What every benchmark section gets: options, the report, the model folder and its dimensions.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { dimsFromConfig, type ModelDims } from './flops';
import type { Report } from './report';

export interface BenchOptions {
  repoRoot: string;
  modelDir: string;
  /** Fewer repeats, for checking that the harness works. */
  quick: boolean;
  /** Run the shared model on this thread instead of the model worker thread. */
  inThread: boolean;
  /** Also run the opt-in scale section (`--scale`). */
  scale: boolean;
  /** Run only these sections (by name); empty = all. */
  only: string[];
  python: string;
  chromium: string;
  outDir: string;
}

export interface BenchContext {
  opts: BenchOptions;
  report: Report;
  /** config.json of the model, and the matmul dimensions read from it. */
  config: Record<string, unknown>;
  dims: ModelDims;
  /** Token counts the latency sections use: 32, 128, 512 and the model's maximum, capped at its context. */
  sizes: number[];
  /** Sizes asked for that the model's context cannot hold (reported, not hidden). */
  skippedSizes: number[];
  /** Shared between sections: filled by the FLOP/matmul section, read by the analysis section. */
  shared: {
    peakGflops?: number;
    flopsAt?: Map<number, number>;
    /** median analysis ms by token count (from the analysis section). */
    analyzeMedianMs?: Map<number, number>;
    /** Texts of exact token lengths, cut once and reused (see texts.ts). */
    texts?: Map<number, string>;
    corpus?: string;
  };
}

export const REQUESTED_SIZES = [32, 128, 512];

export function readModelConfig(modelDir: string): Record<string, unknown> {
  const file = path.join(modelDir, 'config.json');
  if (!existsSync(file)) throw new Error(`no config.json in ${modelDir}: pass --model DIR with a transformers.js-format model folder`);
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
}

export function makeContext(opts: BenchOptions, report: Report): BenchContext {
  const config = readModelConfig(opts.modelDir);
  const dims = dimsFromConfig(config);
  const ctxLen = dims.contextLength || Math.max(...REQUESTED_SIZES);
  const wanted = [...new Set([...REQUESTED_SIZES, ctxLen])].sort((a, b) => a - b);
  return {
    opts,
    report,
    config,
    dims,
    sizes: wanted.filter((n) => n <= ctxLen),
    skippedSizes: wanted.filter((n) => n > ctxLen),
    shared: {},
  };
}

/** A section's work at a size, or a clear "not measured" when the model cannot hold it. */
export function sizeNote(ctx: BenchContext, n: number): string | null {
  return ctx.sizes.includes(n) ? null : `model context is ${ctx.dims.contextLength} tokens`;
}
