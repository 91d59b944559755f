// Tiny model folders of each decoder family (test/model/fixtures/build_archs.py), built once per test process.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { folderBuiltOnce } from './python';

const here = path.dirname(fileURLToPath(import.meta.url));
const built = folderBuiltOnce(path.resolve(here, '../model/fixtures/build_archs.py'), 'attention-lens-archs-');

/** The families built: Llama with a Metaspace and with a byte-level tokenizer (both add a BOS), GPT-NeoX, OPT (adds </s> as BOS). */
export const ARCHS = ['llama_metaspace', 'llama_bytes', 'gpt_neox', 'opt'] as const;
export type Arch = (typeof ARCHS)[number];

/** Folder of one family's model (config, tokenizer, onnx/decoder_model{,_merged}.onnx, fidelity/). */
export function archModelDir(arch: Arch): string {
  return path.join(built(), arch);
}
