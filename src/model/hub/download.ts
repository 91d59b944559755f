// Downloads a Hub model folder (config, tokenizer, one ONNX file) through transformers.js's own Hub
// fetching, into `<root>/<owner>/<name>/<revision>/`. Files land in a staging folder first and
// move in only when every file arrived, so a cancelled or failed download leaves nothing behind.
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { decideKind, type ModelConfig } from '../config';
import { AttentionLensError, CancelledError } from '../errors';
import { onnxCandidates, withTransformersEnv } from '../load';
import { formatHubId, hubRepo, type HubId } from './id';

export const DEFAULT_REMOTE_HOST = 'https://huggingface.co/';
const REQUIRED = ['config.json', 'tokenizer.json', 'tokenizer_config.json'];
const MARKER = '.attention-lens.json';

export interface DownloadProgress {
  /** Path inside the repository, e.g. `onnx/decoder_model_merged.onnx`. */
  file: string;
  loaded: number;
  /** Bytes expected (0 while unknown). */
  total: number;
}

export interface DownloadOptions {
  /** Where downloaded models live (e.g. the extension's global storage + `/hub`). */
  root: string;
  /** Hub host; default https://huggingface.co/. Files come from `{host}{owner}/{name}/resolve/{revision}/{file}`. */
  remoteHost?: string;
  /** Prefer the `_quantized` ONNX variant (the other one is the fallback). */
  quantized: boolean;
  /** False: use only what is already downloaded (untrusted workspaces). Default true. */
  allowDownload?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: DownloadProgress) => void;
}

interface Marker {
  /** ONNX file chosen per preference, relative to the folder. */
  onnx: { quantized?: string; full?: string };
}

/** The local folder of a Hub model (whether or not it is downloaded). */
export function hubFolder(root: string, id: HubId): string {
  return path.join(root, id.owner, id.name, encodeURIComponent(id.revision));
}

/** The folder when the model (with an ONNX file for this preference) is fully downloaded. */
export function cachedHubFolder(root: string, id: HubId, quantized: boolean): string | undefined {
  const dir = hubFolder(root, id);
  const onnx = readMarker(dir)?.onnx[quantized ? 'quantized' : 'full'];
  if (!onnx || ![...REQUIRED, onnx].every((f) => existsSync(path.join(dir, f)))) return undefined;
  return dir;
}

/** Forgets a downloaded model (e.g. a damaged one), so the next load downloads it afresh. */
export async function removeHubFolder(root: string, id: HubId): Promise<void> {
  await fs.rm(hubFolder(root, id), { recursive: true, force: true });
}

/** The model's folder, downloading what is missing; `downloaded` lists the files fetched now. */
export async function ensureHubModel(id: HubId, opts: DownloadOptions): Promise<{ dir: string; downloaded: string[] }> {
  const cached = cachedHubFolder(opts.root, id, opts.quantized);
  if (cached) return { dir: cached, downloaded: [] };
  if (opts.allowDownload === false) {
    // No downloads: the other precision, if that one is here, beats nothing.
    const other = cachedHubFolder(opts.root, id, !opts.quantized);
    if (other) return { dir: other, downloaded: [] };
    throw new AttentionLensError('download-blocked', `${formatHubId(id)} is not downloaded yet, and this workspace is not trusted, so nothing is downloaded. Trust the workspace, or choose the bundled model or a local folder.`);
  }
  if (opts.signal?.aborted) throw new CancelledError('Download cancelled.');
  return withTransformersEnv(() => download(id, opts));
}

async function download(id: HubId, opts: DownloadOptions): Promise<{ dir: string; downloaded: string[] }> {
  const host = normaliseHost(opts.remoteHost ?? DEFAULT_REMOTE_HOST);
  const dir = hubFolder(opts.root, id);
  const stagingRoot = path.join(opts.root, '.partial');
  await fs.mkdir(stagingRoot, { recursive: true });
  const staging = path.join(stagingRoot, randomBytes(6).toString('hex'));
  const restoreEnv = await configureEnv(host);
  const fetched: string[] = [];
  const fetchInto = async (file: string) => {
    const bytes = await fetchHubFile(id, file, host, opts);
    await fs.mkdir(path.dirname(path.join(staging, file)), { recursive: true });
    await fs.writeFile(path.join(staging, file), bytes);
    fetched.push(file);
  };
  try {
    for (const file of REQUIRED) if (!existsSync(path.join(dir, file))) await fetchInto(file);
    const configFile = existsSync(path.join(staging, 'config.json')) ? path.join(staging, 'config.json') : path.join(dir, 'config.json');
    let config: ModelConfig;
    try {
      config = JSON.parse(readFileSync(configFile, 'utf8')) as ModelConfig;
    } catch (err) {
      throw new AttentionLensError('config-unreadable', `The config.json downloaded for ${formatHubId(id)} is not valid JSON (${(err as Error).message}); nothing was kept. Try again, or check the id.`);
    }
    // Before the big download: encoder–decoder and unknown kinds fail here.
    const kind = decideKind(config, staging);
    const onnx = await fetchFirstOnnx(id, kind, host, opts, fetchInto);
    // Every file arrived: move them in, then record the choice (the marker makes the folder count).
    for (const file of fetched) {
      await fs.mkdir(path.dirname(path.join(dir, file)), { recursive: true });
      await fs.rename(path.join(staging, file), path.join(dir, file));
    }
    const marker = readMarker(dir) ?? { onnx: {} };
    marker.onnx[opts.quantized ? 'quantized' : 'full'] = onnx;
    await fs.writeFile(path.join(dir, MARKER), JSON.stringify(marker));
    return { dir, downloaded: fetched };
  } finally {
    restoreEnv();
    await fs.rm(staging, { recursive: true, force: true });
  }
}

/** Tries the ONNX files for the kind in preference order; a 404 moves on, any other failure stops. */
async function fetchFirstOnnx(id: HubId, kind: 'decoder' | 'encoder', host: string, opts: DownloadOptions, fetchInto: (file: string) => Promise<void>): Promise<string> {
  const dir = hubFolder(opts.root, id);
  const names = onnxCandidates(kind, opts.quantized).map((n) => `onnx/${n}.onnx`);
  for (const file of names) {
    if (existsSync(path.join(dir, file))) return file;
    try {
      await fetchInto(file);
      return file;
    } catch (err) {
      if (!(err instanceof AttentionLensError && err.code === 'model-files-missing')) throw err;
    }
  }
  throw new AttentionLensError('model-files-missing', `${formatHubId(id)} on ${host} has no ONNX file for a ${kind} (looked for ${names.join(', ')}). Choose a repository converted for transformers.js (it has an onnx/ folder).`);
}

/** One file's bytes via transformers.js; progress per chunk; abort stops it at the next chunk. */
async function fetchHubFile(id: HubId, file: string, host: string, opts: DownloadOptions): Promise<Uint8Array> {
  const { getModelFile } = await import('@xenova/transformers/src/utils/hub.js');
  const { signal, onProgress } = opts;
  if (signal?.aborted) throw new CancelledError('Download cancelled.');
  const task = getModelFile(hubRepo(id), file, true, {
    revision: id.revision,
    progress_callback: (p) => {
      // Throwing here ends transformers.js's read loop: the body stops being read.
      if (signal?.aborted) throw new CancelledError('Download cancelled.');
      if (p.status === 'download') onProgress?.({ file, loaded: 0, total: 0 });
      else if (p.status === 'progress') onProgress?.({ file, loaded: p.loaded ?? 0, total: p.total ?? 0 });
    },
  });
  task.catch(() => undefined); // it may settle after an abort already answered
  try {
    return await abortable(task, signal);
  } catch (err) {
    throw describeFailure(err, id, file, host);
  }
}

function abortable<T>(task: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return task;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new CancelledError('Download cancelled.'));
    signal.addEventListener('abort', onAbort, { once: true });
    task.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function describeFailure(err: unknown, id: HubId, file: string, host: string): Error {
  if (err instanceof CancelledError || err instanceof AttentionLensError) return err;
  const message = (err as Error)?.message ?? String(err);
  if (message.startsWith('Could not locate file')) {
    return new AttentionLensError('model-files-missing', `${formatHubId(id)} on ${host} has no ${file}. Check the id and revision; Attention Lens needs a repository in the transformers.js layout (config.json, tokenizer.json, onnx/*.onnx).`);
  }
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  const why = cause ? `${message} (${cause.code ?? cause.message ?? 'no details'})` : message;
  const hint = /^(Unauthorized|Forbidden)/.test(message)
    ? 'The repository may be private or gated: accept its terms on the Hub and start VS Code with an HF_TOKEN environment variable.'
    : 'Try again when the connection works.';
  return new AttentionLensError('download-failed', `Downloading ${file} of ${formatHubId(id)} from ${host} failed: ${why}. Nothing was kept. ${hint}`);
}

/** Points transformers.js at the host, remote only, no cache of its own; returns the undo. */
async function configureEnv(host: string): Promise<() => void> {
  const { env } = await import('@xenova/transformers');
  const saved = { remoteHost: env.remoteHost, allowRemoteModels: env.allowRemoteModels, allowLocalModels: env.allowLocalModels, useFSCache: env.useFSCache, useBrowserCache: env.useBrowserCache };
  env.remoteHost = host;
  env.allowRemoteModels = true;
  env.allowLocalModels = false; // never read files from env.localModelPath for a Hub id
  env.useFSCache = false; // we keep the files ourselves, moved in only when complete
  env.useBrowserCache = false;
  return () => Object.assign(env, saved);
}

function normaliseHost(host: string): string {
  const trimmed = host.trim();
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw new AttentionLensError('bad-model-id', `The Hub host "${host}" is not a URL (expected e.g. https://huggingface.co/).`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new AttentionLensError('bad-model-id', `The Hub host "${host}" must be an http(s) URL.`);
  return trimmed.endsWith('/') ? trimmed : `${trimmed}/`;
}

function readMarker(dir: string): Marker | undefined {
  try {
    const m = JSON.parse(readFileSync(path.join(dir, MARKER), 'utf8')) as Marker;
    return m && typeof m.onnx === 'object' ? m : undefined;
  } catch {
    return undefined;
  }
}
