// Loading a model folder in the transformers.js layout, fully offline: config + tokenizer through
// transformers.js, the ONNX file patched to expose attention (cached by source hash), and our own
// onnxruntime-node session over the patched bytes.
import { existsSync, promises as fs, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { AttentionLensError } from './errors';
import { explainSessionError } from './compat';
import { Model } from './model';
import { OnnxSession, type PatchedGraph } from './onnxSession';
import { Internals } from './internals';
import { exposeAttention } from './surgery';
import { contentHash, rememberedHash, rememberHash } from './sourceHash';
import { Tokenization, type TextTokenizer } from './tokenize';
import { prepareTokenizerJson, tokenizerFromJson } from './tokenizerJson';
import { decideKind, modelDims, type ModelConfig } from './config';
import type { LoadedModel, LoadOptions, ModelSpec } from './types';

const SURGERY_VERSION = 11; // bump when surgery output changes, to invalidate cached patched files

/** transformers.js keeps its settings in one global: serialise loads so each sees its own folder. */
let loadQueue: Promise<unknown> = Promise.resolve();

export function loadModel(spec: ModelSpec, opts: LoadOptions = {}): Promise<LoadedModel> {
  return withTransformersEnv(() => load(spec, opts));
}

/** Runs `fn` alone with transformers.js's global env (loads and Hub downloads both set it). */
export function withTransformersEnv<T>(fn: () => Promise<T>): Promise<T> {
  const task = loadQueue.then(fn);
  loadQueue = task.catch(() => undefined);
  return task;
}

async function load(spec: ModelSpec, opts: LoadOptions): Promise<LoadedModel> {
  const progress = opts.onProgress ?? (() => undefined);
  const dir = path.resolve(spec.path);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new AttentionLensError('model-folder-missing', `Model folder not found: ${dir}. Check the attentionLens.model setting (use "bundled" or a folder with config.json, tokenizer.json and onnx/*.onnx).`);
  }
  const missing = ['config.json', 'tokenizer.json', 'tokenizer_config.json'].filter((f) => !existsSync(path.join(dir, f)));
  if (missing.length > 0) {
    throw new AttentionLensError('model-files-missing', `The model folder ${dir} lacks ${missing.join(', ')}. A transformers.js model folder needs config.json, tokenizer.json, tokenizer_config.json and onnx/*.onnx.`);
  }
  progress('Reading config and tokenizer…');
  const { config, tokenizer, tokenizerJson } = await readConfigAndTokenizer(dir);
  const kind = decideKind(config, dir);
  const onnxFile = chooseOnnxFile(dir, kind, opts.quantized ?? false);
  const label = path.relative(dir, onnxFile) || onnxFile;

  progress(`Preparing ${path.basename(onnxFile)} (exposing attention)…`);
  const dims = modelDims(config);
  // Without vocab_size in the config, the tokenizer's vocabulary is the best bound for top-k sizes.
  if (dims.vocab === 0) dims.vocab = Object.keys(tokenizer.model.vocab).length;
  let patched = await patchedModel(onnxFile, label, opts.cacheDir, kind, false);
  progress('Starting ONNX Runtime…');
  const options = sessionOptionsFor(patched);
  let onnx = new OnnxSession(await startSession(patched, options, label, kind), patched, dims, label);
  // A merged decoder whose branch with a past cannot start from an empty one: both branches after all.
  const bothBranches = patched.cachedBranchOnly === true && !(await runsFromEmptyPast(onnx));
  if (bothBranches) {
    patched = await patchedModel(onnxFile, label, opts.cacheDir, kind, true);
    onnx = new OnnxSession(await startSession(patched, options, label, kind), patched, dims, label);
  }
  const tokens = new Tokenization(tokenizer, tokenizerJson);
  const info = {
    name: spec.name,
    path: dir,
    kind,
    modelType: String(config.model_type ?? 'unknown'),
    nLayers: patched.nLayers,
    nHeads: dims.heads,
    contextLength: dims.context,
    vocabSize: dims.vocab,
  };
  const internals = new Internals({ file: onnxFile, label, dims: { ...dims, heads: dims.heads }, kind, sessionOptions: options, bothBranches });
  return new Model(info, tokens, onnx, eosIds(config), internals);
}

export async function startSession(patched: Patched, options: ort.InferenceSession.SessionOptions, label: string, kind: 'decoder' | 'encoder'): Promise<ort.InferenceSession> {
  let session: ort.InferenceSession;
  try {
    // Two calls because create() is overloaded (path | bytes) and takes no union of the two.
    session = typeof patched.source === 'string'
      ? await ort.InferenceSession.create(patched.source, options)
      : await ort.InferenceSession.create(patched.source, options);
  } catch (err) {
    throw explainSessionError(label, err);
  }
  if (kind === 'decoder' && !session.outputNames.includes('logits')) {
    throw new AttentionLensError('unsupported-architecture', `${label} has no "logits" output, so next-token probabilities cannot be computed. Use a causal-LM export (…ForCausalLM / …LMHeadModel).`);
  }
  return session;
}

/** Whether two tokens run from an empty past (the kept branch of a merged decoder must, for every first pass). */
async function runsFromEmptyPast(onnx: OnnxSession): Promise<boolean> {
  try {
    await onnx.forward([0, 0], null, 0, { logits: true });
    return true;
  } catch {
    return false;
  }
}

/** Model files from this size on run without the CPU arena (see sessionOptions). */
export const ARENA_MAX_MODEL_BYTES = 100 * 2 ** 20;

/** sessionOptions for a patched graph, by its size on disk or in memory. */
export function sessionOptionsFor(patched: Patched): ort.InferenceSession.SessionOptions {
  return sessionOptions(typeof patched.source === 'string' ? statSync(patched.source).size : patched.source.length);
}

export function sessionOptions(modelBytes: number): ort.InferenceSession.SessionOptions {
  // Intra-op threads: all cores up to 4 (beyond that small models gain nothing and the host suffers).
  const cores = Math.max(1, os.cpus().length);
  // The CPU arena serves each run's intermediates from memory already mapped (without it every
  // large tensor is a fresh mmap, page faults and zeroing included). Memory patterns stay off: they
  // plan one block per input shape seen, and the live probe runs a new shape at every keystroke
  // (measured over 4,000 probes: arena + patterns 60 MB higher and creeping; arena alone flat,
  // within 10 MB of no arena; probes 13 % and 512-token analyses ~3.5 ms faster than no arena).
  // A large model's arena keeps the high-water mark of its attention-sized intermediates instead:
  // GPT-2 small at 1,024 tokens peaked 0.7 GB higher with it (3.2 vs 2.5 GB), and the CLI writing
  // that analysis took 13.3 s at 2.8 GB with it against 7.3 s at 2.2 GB without (one shared machine).
  return {
    intraOpNumThreads: Math.min(4, cores), interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
    enableCpuMemArena: modelBytes < ARENA_MAX_MODEL_BYTES, enableMemPattern: false, logSeverityLevel: 3,
  };
}

async function readConfigAndTokenizer(dir: string): Promise<{ config: ModelConfig; tokenizer: TextTokenizer; tokenizerJson: Record<string, unknown> }> {
  let config: ModelConfig;
  try {
    config = JSON.parse(await fs.readFile(path.join(dir, 'config.json'), 'utf8')) as ModelConfig;
  } catch (err) {
    throw new AttentionLensError('config-unreadable', `config.json in ${dir} is not valid JSON (${(err as Error).message}). Re-export or re-download the model.`);
  }
  return { config, ...(await loadTokenizerFiles(dir)) };
}

/** The folder's tokenizer through transformers.js, offline. */
export async function loadTokenizer(dir: string): Promise<TextTokenizer> {
  return (await loadTokenizerFiles(dir)).tokenizer;
}

/** tokenizer.json (normalised for transformers.js 2.17) and tokenizer_config.json → the tokenizer and the JSON it was built from. */
export async function loadTokenizerFiles(dir: string): Promise<{ tokenizer: TextTokenizer; tokenizerJson: Record<string, unknown> }> {
  const read = async (name: string) => {
    const file = path.join(dir, name);
    try {
      return JSON.parse(await fs.readFile(file, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      throw new AttentionLensError('config-unreadable', `${file} is not valid JSON (${(err as Error).message}). Re-export or re-download the model.`);
    }
  };
  const tokenizerFile = path.join(dir, 'tokenizer.json');
  const tokenizerJson = prepareTokenizerJson(await read('tokenizer.json'), tokenizerFile);
  const tokenizerConfig = await read('tokenizer_config.json');
  try {
    return { tokenizer: await tokenizerFromJson(tokenizerJson, tokenizerConfig), tokenizerJson };
  } catch (err) {
    throw new AttentionLensError('config-unreadable', `The tokenizer in ${tokenizerFile} could not be loaded: ${(err as Error).message}`);
  }
}

/** Picks the ONNX file for the model kind; quantized when asked or when only that exists. */
export function chooseOnnxFile(dir: string, kind: 'decoder' | 'encoder', quantized: boolean): string {
  const names = onnxCandidates(kind, quantized);
  for (const name of names) {
    const file = path.join(dir, 'onnx', `${name}.onnx`);
    if (existsSync(file)) return file;
  }
  throw new AttentionLensError('model-files-missing', `No ONNX file for this ${kind} in ${path.join(dir, 'onnx')} (looked for ${names.map((n) => n + '.onnx').join(', ')}).`);
}

/** ONNX base names (in onnx/) to try for a model kind, best first; shared with Hub downloads. */
export function onnxCandidates(kind: 'decoder' | 'encoder', quantized: boolean): string[] {
  const bases = kind === 'decoder' ? ['decoder_model_merged', 'decoder_model', 'model'] : ['model', 'encoder_model'];
  return bases.flatMap((b) => (quantized ? [`${b}_quantized`, b] : [b, `${b}_quantized`]));
}

export interface Patched extends PatchedGraph { source: string | Uint8Array }

/** Surgery once per source file: the patched model and its metadata are cached under cacheDir by hash. */
export async function patchedModel(onnxFile: string, label: string, cacheDir: string | undefined, kind: 'decoder' | 'encoder', bothBranches: boolean): Promise<Patched> {
  const dir = cacheDir ?? path.join(os.tmpdir(), 'attention-lens-cache');
  const variant = `${kind}${bothBranches ? '-both' : ''}`;
  const entry = (hash: string) => path.join(dir, `patched-${hash}-${variant}-v${SURGERY_VERSION}`);
  const cached = async (base: string): Promise<Patched | null> => {
    try {
      const meta = JSON.parse(await fs.readFile(`${base}.json`, 'utf8')) as Omit<Patched, 'source'>;
      if (existsSync(`${base}.onnx`)) return { source: `${base}.onnx`, ...meta };
    } catch { /* not cached yet */ }
    return null;
  };
  // The file unchanged since its hash was remembered: the cached entry is found without reading it.
  const known = await rememberedHash(dir, onnxFile);
  const hit = known ? await cached(entry(known)) : null;
  if (hit) return hit;
  const bytes = await fs.readFile(onnxFile);
  const hash = contentHash(bytes);
  await rememberHash(dir, onnxFile, hash);
  const base = entry(hash);
  const found = await cached(base);
  if (found) return found;
  const result = exposeAttention(bytes, label, { scoreTokens: kind === 'decoder', bothBranches });
  const meta: PatchedGraph = { attentionOutputs: result.attentionOutputs, nLayers: result.nLayers, inputs: result.inputs, reductions: result.reductions, cachedBranchOnly: result.cachedBranchOnly };
  try {
    await fs.mkdir(dir, { recursive: true });
    // Write to temporary names then rename, so a crash never leaves a half-written cache entry.
    const tmp = `${base}.${process.pid}.${Date.now()}`;
    await fs.writeFile(`${tmp}.onnx`, result.bytes);
    await fs.rename(`${tmp}.onnx`, `${base}.onnx`);
    await fs.writeFile(`${tmp}.json`, JSON.stringify(meta));
    await fs.rename(`${tmp}.json`, `${base}.json`);
    await dropOlderVersions(dir, `patched-${hash}-${variant}-v`);
    return { source: `${base}.onnx`, ...meta };
  } catch {
    return { source: result.bytes, ...meta }; // cache not writable: run from memory, patch again next time
  }
}

/** Entries of the same source made by an earlier surgery version (a large model's is hundreds of MB); failures are ignored. */
async function dropOlderVersions(dir: string, prefix: string): Promise<void> {
  try {
    for (const name of await fs.readdir(dir)) {
      const v = name.startsWith(prefix) ? /^(\d+)\.(onnx|json)$/.exec(name.slice(prefix.length)) : null;
      if (v && Number(v[1]) !== SURGERY_VERSION) await fs.rm(path.join(dir, name), { force: true });
    }
  } catch { /* a cache we cannot list or clean only costs disk */ }
}

function eosIds(config: ModelConfig): number[] {
  const eos = config.eos_token_id;
  return Array.isArray(eos) ? eos : typeof eos === 'number' ? [eos] : [];
}
