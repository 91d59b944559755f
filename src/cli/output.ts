// Where the CLI's analysis goes: JSON to standard output, streamed with back-pressure (a large
// analysis's JSON is gigabytes and must never sit whole in memory), and with --attention-out the
// attention as a NumPy .npy file instead of inline numbers.
import { attentionLayers, fetchLayers, missingLayers, writeAnalysisJson, writeNpy, type AnalysisResult, type JsonExtras, type NpyDtype } from '../model';

export interface AttentionOut { path: string; dtype: NpyDtype }

/** Writes to standard output; when its buffer is full, resolves once it drained. */
export function writeStdout(piece: string): void | Promise<void> {
  if (process.stdout.write(piece)) return;
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      process.stdout.off('drain', done);
      process.stdout.off('error', done);
      if (err) reject(err);
      else resolve();
    };
    process.stdout.once('drain', done);
    process.stdout.once('error', done);
  });
}

/** The .npy file first (so a write failure leaves standard output empty), then the JSON naming it. Returns an error message or null. */
export async function writeAnalysis(result: AnalysisResult, extras: JsonExtras, attentionOut: AttentionOut | undefined): Promise<string | null> {
  if (attentionOut) {
    const { nLayers, nHeads, nTokens } = result.shape;
    try {
      const layers = attentionLayers(result);
      // [H, T, T] each; a layer dropped over the memory budget is recomputed first, then read at once.
      const pieces = Array.from({ length: nLayers }, (_, l) => async () => {
        if (missingLayers(result, [l]).length > 0) await fetchLayers(result, [l]);
        return layers.layer(l);
      });
      await writeNpy(attentionOut.path, pieces, [nLayers, nHeads, nTokens, nTokens], attentionOut.dtype); // [L, H, T, T]
    } catch (err) {
      return `cannot write ${attentionOut.path}: ${(err as Error).message}`;
    }
  }
  await writeAnalysisJson(result, writeStdout, attentionOut ? { ...extras, attentionFile: attentionOut } : extras);
  await writeStdout('\n');
  return null;
}
