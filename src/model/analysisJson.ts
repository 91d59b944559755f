// The one JSON form of an analysis, written by the CLI (`analyze --json`) and by the panel's export:
//   {"model", "tokens": [{"id", "text", "start", "end", "logprob"}],
//    "attention": {"shape": [L, H, T, T], "data": [...]}, "next": [{"id", "token", "prob"}]}
// It is produced in pieces and never held as one string: at GPT-2-small size and 1,024 tokens the
// attention alone is 151 M numbers, ~1.8 GB of text, beyond V8's string limit. With `attentionFile`
// the attention is not inlined: {"shape", "dtype", "file"} names the .npy file written beside it.
import { attentionLayers } from './compactAttention';
import { fetchLayers, missingLayers } from './layerStore';
import type { NpyDtype } from './npy';
import type { AnalysisResult } from './types';

/** Floats per written piece of the attention data (~1 MB of text). */
const CHUNK = 65536;

/** What a caller adds (the CLI's --reach and --baselines): fields after each token's own, keys after "next". */
export interface JsonExtras {
  perToken?: (index: number) => Record<string, unknown>;
  /** Top-level keys as JSON text, each starting with a comma. */
  tail?: string;
  /** The attention went to this .npy file (the path as the person wrote it), with this element type. */
  attentionFile?: { path: string; dtype: NpyDtype };
}

/** The analysis as JSON, piece by piece; joined, the pieces are one JSON object (no trailing newline). All its layers must be kept (see writeAnalysisJson). */
export function* analysisJsonPieces(result: AnalysisResult, extras: JsonExtras = {}): Generator<string> {
  for (const piece of jsonPieces(result, extras)) {
    if (typeof piece === 'string') yield piece;
    else if (missingLayers(result, [piece.layer]).length > 0) throw new Error(`layer ${piece.layer} was dropped over the memory budget: write this analysis with writeAnalysisJson, which recomputes it`);
  }
}

/** The pieces, each layer announced before it is read (a dropped layer is recomputed then). */
function* jsonPieces(result: AnalysisResult, extras: JsonExtras): Generator<string | { layer: number }> {
  const tokens = result.tokens.map((t, i) => ({ id: t.id, text: t.text, start: t.start, end: t.end, logprob: t.logprob, ...extras.perToken?.(i) }));
  const { nLayers, nHeads, nTokens } = result.shape;
  yield JSON.stringify({ model: result.model.name, tokens }).slice(0, -1);
  const shape = `[${nLayers},${nHeads},${nTokens},${nTokens}]`;
  if (extras.attentionFile) {
    const f = extras.attentionFile;
    yield `,"attention":{"shape":${shape},"dtype":${JSON.stringify(f.dtype)},"file":${JSON.stringify(f.path)}}`;
  } else {
    yield `,"attention":{"shape":${shape},"data":[`;
    // Layer by layer ([H, T, T] each, row-major), whole or decoded from the compact form.
    const layers = result.attention.length > 0 || result.stored ? attentionLayers(result) : null;
    let first = true;
    for (let l = 0; layers && l < nLayers; l++) {
      yield { layer: l };
      const data = layers.layer(l); // read right after the announcement: nothing drops it in between
      for (let i = 0; i < data.length; i += CHUNK) {
        const piece = Array.from(data.subarray(i, i + CHUNK), (x) => (Number.isFinite(x) ? String(x) : '0')).join(',');
        yield first ? piece : ',' + piece;
        first = false;
      }
    }
    yield ']}';
  }
  yield `,"next":${JSON.stringify(result.next.map((n) => ({ id: n.id, token: n.token, prob: n.prob })))}${extras.tail ?? ''}}`;
}

/** Where pieces go; a returned promise (a full stream buffer) is awaited before the next piece. */
export type PieceSink = (piece: string) => void | Promise<void>;

/** Writes the analysis as JSON in pieces to `write`, waiting whenever it asks to (back-pressure) and while a dropped layer is recomputed. */
export async function writeAnalysisJson(result: AnalysisResult, write: PieceSink, extras: JsonExtras = {}): Promise<void> {
  for (const piece of jsonPieces(result, extras)) {
    if (typeof piece !== 'string') {
      if (missingLayers(result, [piece.layer]).length > 0) await fetchLayers(result, [piece.layer]); // dropped: recomputed, one at a time
      continue;
    }
    const wait = write(piece);
    if (wait) await wait;
  }
}

/** The same JSON as one string (small analyses only). */
export function analysisJson(result: AnalysisResult, extras: JsonExtras = {}): string {
  return [...analysisJsonPieces(result, extras)].join('');
}
