// Reading what we need from config.json: decoder vs encoder, sizes, context length.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { AttentionLensError } from './errors';
import type { ModelKind } from './types';

export type ModelConfig = Record<string, unknown> & {
  model_type?: string;
  architectures?: string[];
  is_decoder?: boolean;
  is_encoder_decoder?: boolean;
  eos_token_id?: number | number[];
};

const ENCODER_TYPES = new Set(['bert', 'distilbert', 'roberta', 'xlm-roberta', 'albert', 'electra', 'mpnet', 'camembert', 'deberta', 'deberta-v2', 'mobilebert', 'squeezebert', 'esm', 'nomic_bert', 'modernbert']);

/** Decoder (causal) or encoder (bidirectional), from config; the files decide only when config is silent. */
export function decideKind(config: ModelConfig, dir: string): ModelKind {
  const type = String(config.model_type ?? '');
  const archs = (config.architectures ?? []).join(' ');
  if (config.is_encoder_decoder || /ForConditionalGeneration|Seq2Seq/.test(archs) || ['t5', 'bart', 'marian', 'mbart', 'whisper', 'pegasus', 'm2m_100', 'vision-encoder-decoder'].includes(type)) {
    throw new AttentionLensError('unsupported-architecture', `This is an encoder–decoder model (${type || archs}); Attention Lens shows decoder-only (GPT-style) or encoder-only (BERT-style) models.`);
  }
  if (config.is_decoder === true || /ForCausalLM|LMHeadModel/.test(archs)) return 'decoder';
  if (ENCODER_TYPES.has(type) || /ForMaskedLM|ForSequenceClassification|ForTokenClassification/.test(archs)) return 'encoder';
  if (existsSync(path.join(dir, 'onnx', 'decoder_model_merged.onnx')) || existsSync(path.join(dir, 'onnx', 'decoder_model.onnx'))
    || existsSync(path.join(dir, 'onnx', 'decoder_model_merged_quantized.onnx')) || existsSync(path.join(dir, 'onnx', 'decoder_model_quantized.onnx'))) return 'decoder';
  if (type) return 'decoder'; // most single-stack text models on the Hub are causal
  throw new AttentionLensError('unsupported-architecture', 'config.json names no model_type or architectures, so the model kind is unknown.');
}

const num = (config: ModelConfig, ...keys: string[]): number | undefined => {
  for (const k of keys) if (typeof config[k] === 'number') return config[k] as number;
  return undefined;
};

export interface ConfigDims {
  heads: number;
  kvHeads: number;
  headDim: number;
  context: number;
  vocab: number;
}

export function modelDims(config: ModelConfig): ConfigDims {
  const heads = num(config, 'n_head', 'num_attention_heads', 'num_heads', 'n_heads') ?? 1;
  const hidden = num(config, 'n_embd', 'hidden_size', 'd_model', 'dim') ?? heads;
  return {
    heads,
    kvHeads: num(config, 'num_key_value_heads', 'n_head_kv', 'multi_query_group_num') ?? heads,
    headDim: num(config, 'head_dim') ?? Math.floor(hidden / heads),
    context: num(config, 'n_positions', 'max_position_embeddings', 'n_ctx', 'max_seq_len', 'seq_length') ?? 2048,
    vocab: num(config, 'vocab_size') ?? 0,
  };
}
