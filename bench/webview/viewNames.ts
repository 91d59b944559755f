// The views the benchmark times (bench/webview/views.ts), importable without a DOM.
export const VIEW_NAMES = ['heatmap', 'heatmapZoomed', 'heatmapPan', 'valueWeighted', 'rollout', 'overview', 'headView', 'headViewHover', 'kernel', 'stats', 'reach', 'compression', 'lens', 'ablation', 'qk', 'tokenStrip'] as const;
export type ViewName = (typeof VIEW_NAMES)[number];
