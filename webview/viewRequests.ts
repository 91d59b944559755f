// What the panel asks the host for, from the view state: the matrix a head choice names, the
// weights options, and an export.
import type { AttentionRequestOptions, MatrixSelector, WebviewToHost } from '../src/common/protocol';
import type { ViewState } from './state';

/** The chosen head, or the layer's mean (the rollout is no one layer's: its exports fall back to the mean). */
export function matrixSelector(s: ViewState): MatrixSelector {
  return typeof s.head === 'number' ? { kind: 'head', layer: s.layer, head: s.head } : { kind: 'layerMean', layer: s.layer };
}

/** Request options; valueWeighted only when chosen (one weights choice at a time). */
export function requestOptions(s: ViewState): AttentionRequestOptions {
  return s.valueWeighted && !s.dropSink ? { dropSink: false, valueWeighted: true } : { dropSink: s.dropSink };
}

/** The export message for `format` (PNG needs the current view's canvas; null when there is none). */
export function exportMessage(format: 'png' | 'json' | 'csv', analysisId: number, s: ViewState, canvas: HTMLCanvasElement | null): WebviewToHost | null {
  if (format !== 'png') return { type: 'export', format, analysisId, selector: format === 'csv' ? matrixSelector(s) : null };
  if (!canvas) return null;
  const what = s.view === 'overview' ? 'overview' : s.head === 'rollout' && s.view === 'heatmap' ? 'rollout' : `L${s.layer}-${s.view === 'headView' ? 'heads' : typeof s.head === 'number' ? `H${s.head}` : 'mean'}`;
  return { type: 'export', format: 'png', dataUrl: canvas.toDataURL('image/png'), suggestedName: `attention-${what}.png` };
}
