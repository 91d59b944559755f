// Layers of an analysis dropped over the memory budget (AnalysisResult.keptLayers), brought back
// when read: the missing ones are recomputed by the model that made the analysis (result.recompute,
// in the model's queue), coded into `result.stored`, and the least recently used other layers are
// dropped again so that no more than `keptLayers` stay. Overlapping requests for a layer share one
// recompute. Readers call fetchLayers, then read attentionLayers(result) synchronously right after
// (before anything else can run and drop the layer again); an analysis whose layers are all kept
// never waits here.
import type { AnalysisResult } from './types';

/** What a fetch waited for: the layers recomputed for it (also those another reader had started) and how long it took. */
export interface LayerFetch {
  recomputed: number[];
  ms: number;
}

interface Residency {
  /** The layers held, least recently used first. */
  order: number[];
  /** Recomputes under way, by layer. */
  pending: Map<number, Promise<void>>;
}

const residency = new WeakMap<object, Residency>();

function residencyOf(result: AnalysisResult): Residency | null {
  const stored = result.stored;
  if (!stored || result.keptLayers === undefined) return null;
  let r = residency.get(stored);
  if (!r) residency.set(stored, (r = { order: stored.flatMap((x, l) => (x ? [l] : [])), pending: new Map() }));
  return r;
}

/** The layers of `layers` that are dropped now (a fetch must recompute them before they are read). */
export function missingLayers(result: AnalysisResult, layers: readonly number[]): number[] {
  const stored = result.stored;
  if (!stored || result.keptLayers === undefined) return [];
  return layers.filter((l) => stored[l] === null);
}

/** Marks `layers` as just read (they are dropped last). */
export function touchLayers(result: AnalysisResult, layers: readonly number[]): void {
  const r = residencyOf(result);
  if (!r) return;
  for (const l of layers) {
    const at = r.order.indexOf(l);
    if (at < 0) continue;
    r.order.splice(at, 1);
    r.order.push(l);
  }
}

/**
 * Makes `layers` readable through attentionLayers(result): those dropped are recomputed (at most
 * `keptLayers` at a time are asked for together). Rejects when the recompute fails or the analysis
 * was released meanwhile (its layers belong to nobody any more).
 */
export async function fetchLayers(result: AnalysisResult, layers: readonly number[]): Promise<LayerFetch> {
  const t0 = performance.now();
  const recomputed = new Set<number>();
  const wanted = [...new Set(layers)];
  if (wanted.length > (result.keptLayers ?? Infinity)) throw new RangeError(`${wanted.length} layers cannot be held at once: the memory budget holds ${result.keptLayers}`);
  // A layer recomputed for this call can be dropped again by another reader's recompute before this
  // one's last layer arrives: ask again until every wanted layer is there at once.
  for (let missing = missingLayers(result, wanted); missing.length > 0; missing = missingLayers(result, wanted)) {
    const r = residencyOf(result)!;
    const stored = result.stored!;
    const start = missing.filter((l) => !r.pending.has(l));
    if (start.length > 0) {
      if (!result.recompute) throw new Error('this analysis cannot recompute the layers it dropped');
      const codes = result.recompute(start);
      start.forEach((l, i) => r.pending.set(l, codes.then((c) => keep(result, stored, r, l, c[i]!, wanted))));
      void codes.finally(() => { for (const l of start) r.pending.delete(l); }).catch(() => undefined);
    }
    await Promise.all(missing.map((l) => r.pending.get(l)));
    for (const l of missing) recomputed.add(l);
  }
  touchLayers(result, wanted);
  return { recomputed: [...recomputed].sort((a, b) => a - b), ms: performance.now() - t0 };
}

/** Holds a recomputed layer's codes, dropping the least recently used others beyond the budget (not those this request reads). */
function keep(result: AnalysisResult, stored: NonNullable<AnalysisResult['stored']>, r: Residency, l: number, codes: Uint8Array, wanted: readonly number[]): void {
  if (result.stored !== stored) throw new Error('the analysis was replaced while its layer was recomputed');
  stored[l] = codes;
  r.order = r.order.filter((x) => x !== l);
  r.order.push(l);
  const limit = result.keptLayers ?? stored.length;
  const spare = new Set([l, ...wanted]);
  while (r.order.length > limit) {
    const victim = r.order.find((x) => !spare.has(x)) ?? r.order.find((x) => x !== l);
    if (victim === undefined) break;
    stored[victim] = null;
    r.order.splice(r.order.indexOf(victim), 1);
  }
}
