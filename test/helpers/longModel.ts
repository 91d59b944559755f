// A tiny Llama-family model whose context allows 2,048 tokens (test/model/fixtures/build_long.py), built once per test process.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const script = path.resolve(here, '../model/fixtures/build_long.py');
let built: string | undefined;

/** Folder of the model (config with max_position_embeddings 2,048, byte-level tokenizer adding a BOS, onnx/). */
export function longModelDir(): string {
  if (!built) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'attention-lens-long-'));
    const env = { ...process.env };
    delete env.OPENBLAS_CORETYPE;
    delete env.OPENBLAS_L2_SIZE;
    execFileSync('/usr/bin/python3', ['-W', 'ignore', script, dir], { env, stdio: 'pipe' }); // a failure's stderr is in the error
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    built = dir;
  }
  return path.join(built, 'llama_long');
}
