// The CLI's internals keys: each flag adds one key to the analysis JSON and changes nothing else.
//   --value-norms   "valueNorms": {"shape": [L, H, T], "data": …}      ‖v_j W_Oʰ‖ per key and head
//   --rollout       "rollout":    {"shape": [T, T], "data": …}         Π_l (½ Ā_l + ½ I)
//   --logit-lens K  "logitLens":  {"shape": [L, T, K], "ids": …, "probs": …}
//   --ablation      "ablation":   {"shape": [L, H, T], "data": …, "top1Changed": …}  Δ ln p of each token, null where undefined
import type { InternalsRequest, InternalsResult } from '../model/index';

export interface InternalsFlags { valueNorms: boolean; rollout: boolean; logitLens: number; ablation: boolean }

export const NO_INTERNALS: InternalsFlags = { valueNorms: false, rollout: false, logitLens: 0, ablation: false };

export function wantsInternals(f: InternalsFlags): boolean {
  return f.valueNorms || f.rollout || f.logitLens > 0 || f.ablation;
}

export function internalsRequest(f: InternalsFlags, maxTokens: number): InternalsRequest {
  return { valueNorms: f.valueNorms, rollout: f.rollout, logitLens: f.logitLens || undefined, ablation: f.ablation, maxTokens };
}

/** Numbers joined by hand in chunks (JSON.stringify of millions of numbers is slow); NaN → null. */
function numbers(data: ArrayLike<number>): string {
  const parts: string[] = [];
  for (let i = 0; i < data.length; i += 65536) {
    parts.push(Array.from({ length: Math.min(65536, data.length - i) }, (_, j) => {
      const x = data[i + j]!;
      return Number.isFinite(x) ? String(x) : 'null';
    }).join(','));
  }
  return `[${parts.join(',')}]`;
}

/** `"key":{…}` entries for the views computed, in flag order. */
export function internalsJson(r: InternalsResult): string[] {
  const { nLayers: L, nHeads: H, nTokens: T } = r.shape;
  const out: string[] = [];
  if (r.valueNorms) out.push(`"valueNorms":{"shape":[${L},${H},${T}],"data":${numbers(r.valueNorms)}}`);
  if (r.rollout) out.push(`"rollout":{"shape":[${T},${T}],"data":${numbers(r.rollout)}}`);
  if (r.logitLens) out.push(`"logitLens":{"shape":[${L},${T},${r.logitLens.k}],"ids":${numbers(r.logitLens.ids)},"probs":${numbers(r.logitLens.probs)}}`);
  if (r.ablation) out.push(`"ablation":{"shape":[${L},${H},${T}],"data":${numbers(r.ablation.delta)},"top1Changed":${numbers(r.ablation.top1Changed)}}`);
  return out;
}
