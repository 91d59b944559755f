// The panel's masked-token request for encoders, answered with the shared model. Registered as the
// internal command `attentionLens.predictMasked` so the panel needs no handle on the model.
import { AttentionLensError } from '../model/errors';
import type { ModelManager } from './modelManager';
import { describeFailure } from './messages';

export const PREDICT_MASKED_COMMAND = 'attentionLens.predictMasked';

export interface MaskedRequest {
  /** The analysed text and the token to mask in it. */
  text: string;
  index: number;
  /** The analysis's model folder: a different model now in use would answer for another vocabulary. */
  modelPath: string;
  topK: number;
}

export interface MaskedAnswer {
  original: string;
  next: { token: string; prob: number }[];
  entropy: number;
  error?: string;
}

export async function predictMasked(models: ModelManager, req: MaskedRequest): Promise<MaskedAnswer> {
  try {
    return await models.run(async (model) => {
      if (model.info.path !== req.modelPath) throw new AttentionLensError('runtime-failure', `The model changed to “${model.info.name}” since this analysis; run Inspect Selection again.`);
      if (model.info.kind !== 'encoder') throw new AttentionLensError('runtime-failure', `“${model.info.name}” is a decoder: its next-token probabilities are shown instead.`);
      const p = await model.predictMasked(req.text, req.index, req.topK);
      return { original: p.original.token, next: p.next.map((n) => ({ token: n.token, prob: n.prob })), entropy: p.entropy };
    });
  } catch (err) {
    return { original: '', next: [], entropy: NaN, error: describeFailure(err) };
  }
}
