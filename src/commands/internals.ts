// The panel's internals requests (value norms, rollout, logit lens, ablation), answered with the
// shared model; handed to the panel through PanelHost (as the masked-token requests are).
import { AttentionLensError } from '../model';
import type { InternalsResult, InternalsView } from '../model';
import type { ModelManager } from '../services/modelManager';

export interface InternalsCommandRequest {
  text: string;
  /** The analysis's model folder and token ids: the answer must be for the same model and tokens. */
  modelPath: string;
  ids: number[];
  view: InternalsView;
  lensK: number;
}

export async function computeInternalsFor(models: ModelManager, req: InternalsCommandRequest): Promise<InternalsResult> {
  return models.run(async (model) => {
    if (model.info.path !== req.modelPath) throw new AttentionLensError('runtime-failure', `The model changed to “${model.info.name}” since this analysis; run Inspect Selection again.`);
    const r = await model.internals(req.text, {
      maxTokens: req.ids.length,
      valueNorms: req.view === 'valueNorms', rollout: req.view === 'rollout', ablation: req.view === 'ablation', qk: req.view === 'qk',
      logitLens: req.view === 'logitLens' ? req.lensK : undefined,
    });
    if (r.ids.length !== req.ids.length || r.ids.some((id, i) => id !== req.ids[i])) {
      throw new AttentionLensError('runtime-failure', 'The text tokenized differently from the analysis; run Inspect Selection again.');
    }
    return r;
  });
}
