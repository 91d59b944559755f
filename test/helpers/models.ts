// Models for tests: the bundled model when it exists, else the smoke model the training
// pipeline builds (built here on first use, so a clean clone works).
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const bundledDir = path.join(repoRoot, 'model');
export const smokeDir = path.join(repoRoot, 'training', 'build', 'smoke', 'model');

/**
 * One patched-model cache for all model tests: entries are named by the source file's hash and
 * written atomically, so sharing is safe and /tmp does not fill up run after run.
 */
export const testCacheDir = path.join(os.tmpdir(), 'attention-lens-test-cache');

function complete(dir: string): boolean {
  return ['config.json', 'tokenizer.json', 'onnx/decoder_model_merged.onnx', 'fidelity/index.json'].every((f) => existsSync(path.join(dir, f)));
}

/** A smoke build from before the pipeline's markov stage lacks markov/: built again. */
function completeSmoke(dir: string): boolean {
  return complete(dir) && existsSync(path.join(dir, 'markov', 'markov.json'));
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** The smoke model folder, built with `npm run train:smoke` if missing (one builder across parallel test files). */
export function smokeModelDir(): string {
  if (completeSmoke(smokeDir)) return smokeDir;
  const lock = path.join(repoRoot, 'training', 'build', '.smoke-build.lock');
  mkdirSync(path.dirname(lock), { recursive: true });
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    try {
      mkdirSync(lock); // atomic: whoever creates it builds
      break;
    } catch {
      if (completeSmoke(smokeDir)) return smokeDir;
      if (Date.now() - statSync(lock).mtimeMs > 15 * 60_000) rmSync(lock, { recursive: true, force: true }); // stale
      if (Date.now() > deadline) throw new Error('timed out waiting for another process to build the smoke model');
      sleep(2000);
    }
  }
  try {
    if (!completeSmoke(smokeDir)) {
      const result = spawnSync('npm', ['run', 'train:smoke'], { cwd: repoRoot, stdio: 'inherit', timeout: 15 * 60_000 });
      if (result.status !== 0 || !completeSmoke(smokeDir)) throw new Error(`npm run train:smoke failed (exit ${result.status ?? result.signal})`);
    }
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
  return smokeDir;
}

/**
 * The model tests run on: ATTENTION_LENS_TEST_MODEL when set, else the bundled one once it has
 * landed, else the smoke model.
 */
export function testModelDir(): string {
  const chosen = process.env.ATTENTION_LENS_TEST_MODEL;
  if (chosen) {
    if (!complete(chosen)) throw new Error(`ATTENTION_LENS_TEST_MODEL=${chosen} is not a complete model folder (config, tokenizer, onnx, fidelity)`);
    return path.resolve(chosen);
  }
  return complete(bundledDir) ? bundledDir : smokeModelDir();
}

export interface FidelitySample {
  name: string;
  text: string;
  ids: number[];
  logits: { file: string; shape: [number, number] };
  attention: { file: string; shape: [number, number, number, number] };
}

/** Reads `<model>/fidelity/`: reference logits [T, V] and attention [L, H, T, T] from the PyTorch model. */
export function fidelitySamples(dir: string): { tolerance: number; samples: FidelitySample[] } {
  const index = JSON.parse(readFileSync(path.join(dir, 'fidelity', 'index.json'), 'utf8')) as { tolerance?: number; samples: FidelitySample[] };
  return { tolerance: index.tolerance ?? 1e-4, samples: index.samples };
}

export function readFloats(dir: string, file: string): Float32Array {
  const bytes = Uint8Array.from(readFileSync(path.join(dir, 'fidelity', file))); // copy: aligned, little-endian
  return new Float32Array(bytes.buffer);
}

