// The CLI's optional additions to the analysis JSON: context reach (--reach [K]) and the
// compression table (--baselines). Without the flags the output is exactly as before.
import type { Baselines, ContextReach, CorpusMarkov, JsonExtras, LoadedModel } from '../model';

export interface Extras {
  reach?: ContextReach;
  baselines?: Baselines;
}

/** Each token's reach (null when no k ≤ K is within 0.1 nat of the full context) and log-prob by context length (null where it has fewer tokens before it). */
export function reachFields(reach: ContextReach, t: number): { reach: number | null; logprobByContext: (number | null)[] } {
  const K = reach.maxContext;
  const row = Array.from(reach.logProbs.subarray(t * K, (t + 1) * K), (x) => (Number.isFinite(x) ? x : null)); // [T, K] row t
  return { reach: reach.reach[t]! > 0 ? reach.reach[t]! : null, logprobByContext: row };
}

/** The model's corpus-fitted chains; an unreadable file is reported on stderr and the table goes on without them. */
export function corpusMarkovOrNote(model: Pick<LoadedModel, 'corpusMarkov'>, warn: (line: string) => unknown = (line) => process.stderr.write(line)): CorpusMarkov[] {
  try {
    return model.corpusMarkov();
  } catch (err) {
    warn(`attention-lens: ${err instanceof Error ? err.message : String(err)}\n`);
    return [];
  }
}

/** The top-level keys the flags add, as JSON text to append inside the object (empty without flags). */
export function extraKeys(extras: Extras): string {
  let out = '';
  if (extras.reach) out += `,"reachContexts":${JSON.stringify(Array.from({ length: extras.reach.maxContext }, (_, i) => i + 1))}`;
  if (extras.baselines) out += `,"baselines":${JSON.stringify({ bytes: extras.baselines.bytes, bitsPerByte: extras.baselines.bitsPerByte })}`;
  return out;
}

/** The additions in the form the one JSON writer takes. */
export function jsonExtras(extras: Extras): JsonExtras {
  const reach = extras.reach;
  return { perToken: reach ? (i) => reachFields(reach, i) : undefined, tail: extraKeys(extras) };
}
