// Tiny model folders of each decoder family (test/model/fixtures/build_archs.py), built once per test process.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const script = path.resolve(here, '../model/fixtures/build_archs.py');
let built: string | undefined;

/** The families built: Llama with a Metaspace and with a byte-level tokenizer (both add a BOS), GPT-NeoX, OPT (adds </s> as BOS). */
export const ARCHS = ['llama_metaspace', 'llama_bytes', 'gpt_neox', 'opt'] as const;
export type Arch = (typeof ARCHS)[number];

/** Folder of one family's model (config, tokenizer, onnx/decoder_model{,_merged}.onnx, fidelity/). */
export function archModelDir(arch: Arch): string {
  if (!built) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'attention-lens-archs-'));
    const env = { ...process.env };
    delete env.OPENBLAS_CORETYPE;
    delete env.OPENBLAS_L2_SIZE;
    execFileSync('/usr/bin/python3', ['-W', 'ignore', script, dir], { env, stdio: 'pipe' }); // a failure's stderr is in the error
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    built = dir;
  }
  return path.join(built, arch);
}
