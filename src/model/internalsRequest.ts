// One internals request: tokenize as analyze() does, then compute each asked-for view; a view the
// graph cannot give is reported in `problems` while the others are still computed.
import { AttentionLensError, throwIfAborted } from './errors';
import type { Internals } from './internals';
import type { Tokenization } from './tokenize';
import { positiveInt, type InternalsRequest, type InternalsResult, type InternalsView, type ModelInfo } from './types';

export async function computeInternals(text: string, request: InternalsRequest, info: ModelInfo, tokens: Tokenization, internals: Internals): Promise<InternalsResult> {
  throwIfAborted(request.signal);
  const maxTokens = positiveInt(request.maxTokens, info.contextLength);
  const tok = tokens.tokenize(text, Math.min(maxTokens, info.contextLength), maxTokens <= info.contextLength ? 'maxTokens' : 'context');
  const ids = tok.ids;
  if (ids.length === 0) throw new AttentionLensError('empty-input', 'There is nothing to analyse: the text produced no tokens. Select some text first.');
  const result: InternalsResult = { ids, shape: { nLayers: info.nLayers, nHeads: internals.nHeads, nTokens: ids.length }, problems: {}, timings: {} };
  const view = async (name: InternalsView, compute: () => Promise<void>) => {
    throwIfAborted(request.signal);
    const t0 = performance.now();
    try {
      await compute();
      result.timings[name] = performance.now() - t0;
    } catch (err) {
      if (err instanceof AttentionLensError && err.code === 'internals-missing') result.problems[name] = err.message;
      else throw err;
    }
  };
  if (request.valueNorms) await view('valueNorms', async () => { result.valueNorms = await internals.valueNorms(ids); });
  if (request.rollout) await view('rollout', async () => { result.rollout = await internals.rollout(ids); });
  if (request.logitLens) await view('logitLens', async () => { result.logitLens = await internals.logitLens(ids, positiveInt(request.logitLens, 10)); });
  if (request.qk) await view('qk', async () => { result.qk = await internals.qk(ids); });
  if (request.ablation) await view('ablation', async () => { result.ablation = await internals.ablation(ids, request.signal); });
  return result;
}
