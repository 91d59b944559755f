// Where the CLI's analysis goes: JSON to standard output, streamed with back-pressure (a large
// analysis's JSON is gigabytes and must never sit whole in memory), and with --attention-out the
// attention as a NumPy .npy file instead of inline numbers.
import { rm } from 'node:fs/promises';
import { AttentionLensError, attentionLayers, copyHeadRows, fetchLayers, missingLayers, NpyRowsWriter, writeAnalysisJson, writeNpy, type AnalysisResult, type AttentionRowsSink, type JsonExtras, type NpyDtype } from '../model';

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

/** The --attention-out file, open before the analysis so rows can stream into it (and so a path that cannot be written fails before any work). */
export interface OpenAttentionOut {
  rows: AttentionRowsSink;
  /** Whether the analysis streamed its rows here (a decoder with a cache does; other models leave the file to writeNpy). */
  readonly streamed: boolean;
  close(): Promise<void>;
  /** Closes and removes the file (the analysis failed). */
  discard(): Promise<void>;
}

export async function openAttentionOut(out: AttentionOut): Promise<OpenAttentionOut | string> {
  let writer: NpyRowsWriter;
  try {
    writer = await NpyRowsWriter.open(out.path, out.dtype);
  } catch (err) {
    return `cannot write ${out.path}: ${(err as Error).message}`;
  }
  return {
    rows: async (block, shape, S, K, q0, q1) => {
      try {
        await writer.writeRows(block, shape, S, K, q0, q1);
      } catch (err) {
        throw new AttentionLensError('runtime-failure', `cannot write ${out.path}: ${(err as Error).message}`);
      }
    },
    get streamed() { return writer.started; },
    close: () => writer.close(),
    discard: async () => {
      await writer.close().catch(() => undefined);
      await rm(out.path, { force: true }).catch(() => undefined);
    },
  };
}

/**
 * The whole attention gathered from the rows a decoder hands over block by block, for the inline
 * JSON: only this one float32 copy exists (the runtime's copy of each block is one block), where a
 * forward over the whole text would leave the runtime's copy of all of it besides.
 */
export class AttentionCollector {
  data: Float32Array | null = null;

  readonly rows: AttentionRowsSink = (block, shape, S, K, q0, q1) => {
    const { nLayers: L, nHeads: H, nTokens: T } = shape;
    this.data ??= new Float32Array(L * H * T * T); // [L, H, T, T]; zero above each diagonal
    for (let lh = 0; lh < L * H; lh++) copyHeadRows(block, S, K, lh, q0, q1, this.data, (lh * T + q0) * T, T);
  };
}

/** The .npy file first (so a write failure leaves standard output empty), then the JSON naming it. Returns an error message or null. */
export async function writeAnalysis(result: AnalysisResult, extras: JsonExtras, attentionOut: AttentionOut | undefined, open?: OpenAttentionOut): Promise<string | null> {
  if (attentionOut) {
    const { nLayers, nHeads, nTokens } = result.shape;
    try {
      if (open?.streamed) {
        await open.close();
      } else {
        await open?.close();
        const layers = attentionLayers(result);
        // [H, T, T] each; a layer dropped over the memory budget is recomputed first, then read at once.
        const pieces = Array.from({ length: nLayers }, (_, l) => async () => {
          if (missingLayers(result, [l]).length > 0) await fetchLayers(result, [l]);
          return layers.layer(l);
        });
        await writeNpy(attentionOut.path, pieces, [nLayers, nHeads, nTokens, nTokens], attentionOut.dtype); // [L, H, T, T]
      }
    } catch (err) {
      return `cannot write ${attentionOut.path}: ${(err as Error).message}`;
    }
  }
  await writeAnalysisJson(result, writeStdout, attentionOut ? { ...extras, attentionFile: attentionOut } : extras);
  await writeStdout('\n');
  return null;
}
