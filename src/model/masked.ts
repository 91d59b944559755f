// Masked-token predictions for encoders (BERT family): replace one token by the mask token and
// read the model's distribution at that position.
import { AttentionLensError, throwIfAborted } from './errors';
import { rowDistribution } from './distribution';
import type { OnnxSession } from './onnxSession';
import type { Tokenization } from './tokenize';
import type { MaskedPrediction, ModelInfo } from './types';

export async function predictMaskedToken(
  text: string,
  tokenIndex: number,
  topK: number,
  info: ModelInfo,
  tokens: Tokenization,
  onnx: OnnxSession,
  signal?: AbortSignal,
): Promise<MaskedPrediction> {
  if (info.kind !== 'encoder') {
    throw new AttentionLensError('unsupported-architecture', `${info.name} is a causal model: use next-token predictions instead of masked-token ones.`);
  }
  const maskId = tokens.maskId;
  if (maskId === null) {
    throw new AttentionLensError('unsupported-architecture', `${info.name}'s tokenizer defines no mask token, so masked-token predictions are unavailable.`);
  }
  const tok = tokens.tokenize(text, info.contextLength, 'context');
  if (!Number.isInteger(tokenIndex) || tokenIndex < 0 || tokenIndex >= tok.ids.length) {
    throw new AttentionLensError('empty-input', `Token ${tokenIndex} does not exist: the text has ${tok.ids.length} tokens.`);
  }
  const ids = tok.ids.slice();
  const original = ids[tokenIndex]!;
  ids[tokenIndex] = maskId;
  throwIfAborted(signal);
  const out = await onnx.forward(ids, null, 0, { logits: true });
  throwIfAborted(signal);
  if (!out.logits) {
    throw new AttentionLensError('unsupported-architecture', `${info.name} has no language-model head (no "logits" output), so it cannot predict masked tokens.`);
  }
  const V = out.vocab;
  const dist = rowDistribution(out.logits, tokenIndex * V, V, Math.max(1, Math.floor(topK))); // row of [T, V]
  return {
    tokenIndex,
    original: { id: original, token: tokens.text(original) },
    next: Array.from(dist.ids, (id, i) => ({ id, token: tokens.text(id), prob: dist.probs[i]! })),
    entropy: dist.entropy,
  };
}
