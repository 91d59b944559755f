// The view state that survives hiding the panel and reloading the window (acquireVsCodeApi state).
import type { ScaleName } from '../src/common/colour';
import type { HeadStatName } from '../src/common/stats';
import type { WebviewToHost } from '../src/common/protocol';

export type ViewName = 'overview' | 'heatmap' | 'headView' | 'kernel' | 'stats' | 'lens' | 'ablation' | 'qk' | 'reach' | 'compression';
export const VIEW_TITLES: Record<ViewName, string> = {
  overview: 'Model overview',
  heatmap: 'Heatmap',
  headView: 'Head view',
  kernel: 'Kernel of one query',
  stats: 'Head statistics',
  lens: 'Logit lens',
  ablation: 'Head ablation',
  qk: 'q·k of one cell',
  reach: 'Context reach',
  compression: 'Compression',
};

export interface ViewState {
  version: 1;
  view: ViewName;
  layer: number;
  /** A head index, 'mean' for the layer's mean over heads, or 'rollout' for the rollout over all layers. */
  head: number | 'mean' | 'rollout';
  /** Heatmap zoom: 1 = the whole matrix fits; pan is the first visible row/column (in cells). */
  zoom: number;
  panRow: number;
  panCol: number;
  /** Selected query row (heatmap, kernel view); null = the last token. */
  query: number | null;
  /** Key of the cell whose q·k breakdown is shown (a heatmap click sets it); null = the query itself. */
  key: number | null;
  dropSink: boolean;
  /** Weights times ‖v_k W_Oʰ‖, rows renormalised (instead of raw weights). */
  valueWeighted: boolean;
  log: boolean;
  scale: ScaleName;
  sortKey: HeadStatName | 'index';
  sortDescending: boolean;
  /** Heads hidden in the head view. */
  hiddenHeads: number[];
  /** The person picked a layer or head; until then each analysis opens on its most distinctive head. */
  headChosen: boolean;
}

export const DEFAULT_STATE: ViewState = {
  version: 1, view: 'heatmap', layer: 0, head: 0, zoom: 1, panRow: 0, panCol: 0, query: null, key: null,
  dropSink: false, valueWeighted: false, log: false, scale: 'theme', sortKey: 'index', sortDescending: false, hiddenHeads: [],
  headChosen: false,
};

interface VsCodeApi {
  postMessage(message: WebviewToHost): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const api: VsCodeApi = acquireVsCodeApi();

export function post(message: WebviewToHost): void {
  api.postMessage(message);
}

/** The saved state merged over defaults, so an older or damaged saved state never breaks the panel. */
export function loadState(): ViewState {
  const saved = api.getState();
  const s: ViewState = { ...DEFAULT_STATE };
  if (saved && typeof saved === 'object') {
    const o = saved as Partial<ViewState>;
    if (o.view && o.view in VIEW_TITLES) s.view = o.view;
    if (Number.isInteger(o.layer) && o.layer! >= 0) s.layer = o.layer!;
    if (o.head === 'mean' || o.head === 'rollout' || (Number.isInteger(o.head) && (o.head as number) >= 0)) s.head = o.head!;
    if (typeof o.zoom === 'number' && o.zoom >= 1 && o.zoom <= 512) s.zoom = o.zoom;
    if (typeof o.panRow === 'number' && o.panRow >= 0) s.panRow = o.panRow;
    if (typeof o.panCol === 'number' && o.panCol >= 0) s.panCol = o.panCol;
    if (o.query === null || (Number.isInteger(o.query) && o.query! >= 0)) s.query = o.query ?? null;
    if (o.key === null || (Number.isInteger(o.key) && o.key! >= 0)) s.key = o.key ?? null;
    if (typeof o.dropSink === 'boolean') s.dropSink = o.dropSink;
    if (typeof o.valueWeighted === 'boolean') s.valueWeighted = o.valueWeighted && !s.dropSink;
    if (typeof o.log === 'boolean') s.log = o.log;
    if (o.scale === 'theme' || o.scale === 'colorblind') s.scale = o.scale;
    if (typeof o.sortKey === 'string') s.sortKey = o.sortKey;
    if (typeof o.sortDescending === 'boolean') s.sortDescending = o.sortDescending;
    if (typeof o.headChosen === 'boolean') s.headChosen = o.headChosen;
    if (Array.isArray(o.hiddenHeads)) s.hiddenHeads = o.hiddenHeads.filter((h) => Number.isInteger(h));
  }
  return s;
}

export function saveState(s: ViewState): void {
  api.setState(s);
}
