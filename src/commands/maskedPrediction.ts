// The panel's masked-token request for encoders, answered with the shared model (given to the
// panel as PanelHost.predictMasked, so the panel needs no handle on the model).
import { AttentionLensError } from '../model';
import type { ModelManager } from '../services/modelManager';
import { describeFailure } from '../services/messages';
import type { MaskedAnswer, MaskedRequest } from '../panel/attentionPanel';

export async function predictMasked(models: ModelManager, req: MaskedRequest & { topK: number }): Promise<MaskedAnswer> {
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
