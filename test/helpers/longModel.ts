// A tiny Llama-family model whose context allows 2,048 tokens (test/model/fixtures/build_long.py), built once per test process.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { folderBuiltOnce } from './python';

const here = path.dirname(fileURLToPath(import.meta.url));
const built = folderBuiltOnce(path.resolve(here, '../model/fixtures/build_long.py'), 'attention-lens-long-');

/** Folder of the model (config with max_position_embeddings 2,048, byte-level tokenizer adding a BOS, onnx/). */
export function longModelDir(): string {
  return path.join(built(), 'llama_long');
}
