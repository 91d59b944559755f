// The model's own answer for a text, through the command-line tool (`dist/cli.js analyze --json`):
// the reference the end-to-end tests compare the panel with.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from './harness';
import { allHeadStats, mostDistinctiveHead } from '../../src/common/stats';

export interface CliToken { id: number; text: string; start: number; end: number; logprob: number | null }
export interface CliAnalysis {
  model: string;
  tokens: CliToken[];
  /** shape [L, H, T, T], data row-major. */
  attention: { shape: [number, number, number, number]; data: number[] };
  next: { id: number; token: string; prob: number }[];
}

export function cliAnalyze(modelPath: string, text: string, topK = 10): CliAnalysis {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'attention-lens-cli-'));
  try {
    const file = path.join(dir, 'input.txt');
    writeFileSync(file, text);
    const out = execFileSync(process.execPath, [path.join(repoRoot, 'dist', 'cli.js'), 'analyze', '--model', modelPath, '--text-file', file, '--top-k', String(topK), '--json'], {
      encoding: 'utf8', maxBuffer: 512 * 1024 * 1024,
    });
    return JSON.parse(out) as CliAnalysis;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One head's [T, T] matrix out of the CLI's [L, H, T, T] attention. */
export function headMatrix(a: CliAnalysis, layer: number, head: number): Float32Array {
  const [, H, T] = a.attention.shape;
  const start = ((layer * H + head) * T) * T; // [L, H, Q, K]
  return Float32Array.from(a.attention.data.slice(start, start + T * T));
}

/** The head the panel opens on for this analysis (its most distinctive, by the shared statistics). */
export function openingHead(a: CliAnalysis): { layer: number; head: number } {
  const [L, H, T] = a.attention.shape;
  const stats = allHeadStats(Float32Array.from(a.attention.data), L, H, T, a.tokens.map((t) => t.id), true);
  return mostDistinctiveHead(stats, L, H, T, true)!;
}
