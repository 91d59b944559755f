// Builds the tiny test graphs (test/model/fixtures/build_graphs.py) once per test process.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pythonEnv } from './python';

const here = path.dirname(fileURLToPath(import.meta.url));
const script = path.resolve(here, '../model/fixtures/build_graphs.py');
const internalsScript = path.resolve(here, '../model/fixtures/internals_reference.py');
const bertScript = path.resolve(here, '../model/fixtures/build_bert.py');
let built: string | undefined;

/** Folder holding internals_reference.json, bert_encoder.onnx, bert_reference.json and flat_decoder.onnx, flat_decoder_opset12.onnx, merged_decoder.onnx, encoder.onnx, quantized_decoder.onnx, fused_attention.onnx, no_attention.onnx, reference.json. */
export function testGraphsDir(): string {
  if (built) return built;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'attention-lens-graphs-'));
  const env = pythonEnv();
  execFileSync('/usr/bin/python3', [script, dir], { env, stdio: 'inherit' });
  execFileSync('/usr/bin/python3', [internalsScript, dir], { env, stdio: 'inherit' });
  execFileSync('/usr/bin/python3', [bertScript, dir], { env, stdio: 'inherit' });
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  built = dir;
  return dir;
}

export function readGraph(name: string): Uint8Array {
  return readFileSync(path.join(testGraphsDir(), name));
}

export interface GraphReference {
  ids: number[];
  token_type_ids: number[];
  layers: number;
  heads: number;
  vocab: number;
  /** Encoder outputs with every token type 0 (what the model layer feeds). */
  encoder_zero_types: { attention: number[]; logits: number[] };
  /** Encoder logits with token 2 replaced by the last id (the test tokenizer's mask token). */
  encoder_masked_2: { logits: number[] };
  decoder: { attention: number[]; logits: number[] };
  encoder: { attention: number[]; logits: number[] };
}

export function graphReference(): GraphReference {
  return JSON.parse(readFileSync(path.join(testGraphsDir(), 'reference.json'), 'utf8')) as GraphReference;
}

/** PyTorch's internals views of the test graphs' model (internals_reference.py), float64 flattened. */
export interface InternalsViews {
  valueNorms: number[]; // [L, H, T]
  rollout: number[]; // [T, T]
  lens: number[]; // [L, T, V] log-probabilities
  ablation: number[]; // [L, H, T], 0 for the first token
  ablationTop1: number[]; // [L, H, T]
  top1: number[]; // [T]
  qkQueries: number[]; // [L, H, T, D]
  qkKeys: number[]; // [L, H, T, D]
  qkScale: number[]; // [L]
  qkScores: number[]; // [L, H, T, T], the softmax's input
}

export function internalsReference(): { decoder: InternalsViews; encoder: InternalsViews } {
  return JSON.parse(readFileSync(path.join(testGraphsDir(), 'internals_reference.json'), 'utf8')) as { decoder: InternalsViews; encoder: InternalsViews };
}

/** The torch-exported BERT-architecture encoder's ids and internals (build_bert.py), float64 flattened. */
export interface BertReference {
  ids: number[];
  layers: number;
  heads: number;
  vocab: number;
  valueNorms: number[]; // [L, H, T]
  rollout: number[]; // [T, T]
  lens: number[]; // [L, T, V] log-probabilities
  logits: number[]; // [T, V]
}

export function bertReference(): BertReference {
  return JSON.parse(readFileSync(path.join(testGraphsDir(), 'bert_reference.json'), 'utf8')) as BertReference;
}
