// The one JSON form of an analysis, written by the CLI (`analyze --json`) and by the panel's export:
//   {"model", "tokens": [{"id", "text", "start", "end", "logprob"}],
//    "attention": {"shape": [L, H, T, T], "data": [...]}, "next": [{"id", "token", "prob"}]}
// The attention goes out in slices straight from the typed array: no JS array of the whole tensor
// (JSON.stringify of millions of numbers is slow and memory-hungry).
import type { AnalysisResult } from './types';

/** Floats per written piece of the attention data. */
const CHUNK = 65536;

/** What a caller adds (the CLI's --reach and --baselines): fields after each token's own, keys after "next". */
export interface JsonExtras {
  perToken?: (index: number) => Record<string, unknown>;
  /** Top-level keys as JSON text, each starting with a comma. */
  tail?: string;
}

/** Writes the analysis as JSON in pieces to `write` (the caller may stream them). */
export function writeAnalysisJson(result: AnalysisResult, write: (piece: string) => void, extras: JsonExtras = {}): void {
  const tokens = result.tokens.map((t, i) => ({ id: t.id, text: t.text, start: t.start, end: t.end, logprob: t.logprob, ...extras.perToken?.(i) }));
  const { nLayers, nHeads, nTokens } = result.shape;
  write(JSON.stringify({ model: result.model.name, tokens }).slice(0, -1));
  write(`,"attention":{"shape":[${nLayers},${nHeads},${nTokens},${nTokens}],"data":[`);
  const data = result.attention; // [L, H, T, T], row-major
  for (let i = 0; i < data.length; i += CHUNK) {
    const piece = Array.from(data.subarray(i, i + CHUNK), (x) => (Number.isFinite(x) ? String(x) : '0')).join(',');
    write(i === 0 ? piece : ',' + piece);
  }
  write(`]},"next":${JSON.stringify(result.next.map((n) => ({ id: n.id, token: n.token, prob: n.prob })))}${extras.tail ?? ''}}`);
}

/** The same JSON as one string. */
export function analysisJson(result: AnalysisResult): string {
  const pieces: string[] = [];
  writeAnalysisJson(result, (p) => pieces.push(p));
  return pieces.join('');
}
