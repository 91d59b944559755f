// Models named by a Hugging Face id: download what is missing (once, cached; progress,
// cancellable), then loadModel on the cached folder. A damaged download (unreadable
// config/tokenizer/ONNX) is removed, so the next try downloads afresh.
import { AttentionLensError } from '../errors';
import { loadModel } from '../load';
import { ensureHubModel, removeHubFolder, type DownloadOptions, type DownloadProgress } from './download';
import { formatHubId, type HubId } from './id';
import type { LoadedModel } from '../types';

export interface HubLoadOptions extends DownloadOptions {
  /** Where patched ONNX files are cached (see LoadOptions.cacheDir). */
  cacheDir?: string;
  /** Human-readable steps after the download (see LoadOptions.onProgress). */
  onMessage?: (message: string) => void;
  /** How the downloaded folder is loaded (default loadModel; the extension passes loadModelInWorker). */
  load?: typeof loadModel;
}

/** Errors that mean the downloaded files themselves are bad (not the model's design). */
const DAMAGED = new Set(['config-unreadable', 'onnx-unreadable', 'model-files-missing']);

export async function loadHubModel(id: HubId, opts: HubLoadOptions): Promise<LoadedModel> {
  const { dir } = await ensureHubModel(id, opts);
  try {
    return await (opts.load ?? loadModel)({ name: formatHubId(id), path: dir }, { cacheDir: opts.cacheDir, quantized: opts.quantized, onProgress: opts.onMessage });
  } catch (err) {
    if (err instanceof AttentionLensError && DAMAGED.has(err.code)) {
      await removeHubFolder(opts.root, id);
      throw new AttentionLensError(err.code, `${err.message} The downloaded copy of ${formatHubId(id)} looks damaged and was removed; loading it again downloads it afresh.`);
    }
    if (err instanceof AttentionLensError && (err.code === 'fused-attention' || err.code === 'no-attention')) {
      const other = opts.quantized ? 'full' : 'quantized';
      throw new AttentionLensError(err.code, `${err.message} (${formatHubId(id)}: the ${opts.quantized ? 'quantized' : 'full-precision'} file was used; its ${other === 'full' ? 'full-precision' : 'quantized'} file, if the repository has one, may be exported without fusion: set attentionLens.quantized to "${other}" to try it.)`);
    }
    throw err;
  }
}

/** "onnx/model.onnx 1.2 of 4.8 MB" — what a progress notification shows. */
export function describeProgress(p: DownloadProgress): string {
  const big = Math.max(p.loaded, p.total) >= 1e6;
  const amount = (n: number) => (big ? (n / 1e6).toFixed(1) : (n / 1e3).toFixed(1));
  const unit = big ? 'MB' : 'kB';
  if (p.total > 0) return `${p.file} ${amount(p.loaded)} of ${amount(p.total)} ${unit}`;
  return p.loaded > 0 ? `${p.file} ${amount(p.loaded)} ${unit}` : `${p.file}…`;
}
