// Command line over the same model code as the extension:
//   node dist/cli.js analyze --model <bundled|DIR|owner/name[@rev]> [--text-file F | stdin] [--top-k K] [--max-tokens N] --json
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  AttentionLensError, compressionBaselines, DEFAULT_REACH_CONTEXT, describeProgress, isDirectory, loadHubModel, loadModel, resolveModelSetting, type LoadedModel,
} from '../model';
import { cappedFlagNotes, decodeInput } from './notes';
import { internalsJson, internalsRequest, NO_INTERNALS, wantsInternals, type InternalsFlags } from './internalsJson';
import { corpusMarkovOrNote, jsonExtras, type Extras } from './extras';
import { AttentionCollector, openAttentionOut, writeAnalysis, type AttentionOut } from './output';

const USAGE = `Usage: attention-lens analyze --model <bundled|DIR> [--text-file FILE] [--top-k K] [--max-tokens N] [--reach [K]] [--baselines]
                [--value-norms] [--rollout] [--logit-lens K] [--ablation]
                [--attention-out FILE.npy [--attention-dtype float32|float16]] --json

Runs the model on the text (from FILE, or standard input) and prints one JSON object:
  {"model", "tokens": [{"id", "text", "start", "end", "logprob"}],
   "attention": {"shape": [L, H, T, T], "data": [...]}, "next": [{"id", "token", "prob"}]}
start/end are UTF-16 offsets into the text; logprob is ln p(token | earlier tokens), null for the
first token and for encoder models; next is the top-k after the last token.

Options:
  --model bundled|DIR   the bundled model, or a transformers.js model folder; or a Hugging Face
                        id owner/name[@revision] (hf:owner/name when a folder has that name),
                        downloaded once into the cache folder
  --text-file FILE      read the text from FILE (UTF-8) instead of standard input
  --top-k K             number of next-token candidates (default 10)
  --max-tokens N        analyse at most N tokens (default 512; also capped by the model's context)
  --reach [K]           context reach (causal models only): each token gets "logprobByContext",
                        ln p(token | only the k tokens before it) for k in the top-level
                        "reachContexts" [1..K] (null where fewer tokens precede it), and "reach",
                        the smallest k within 0.1 nat of the full context (null if none); K
                        defaults to ${DEFAULT_REACH_CONTEXT}
  --baselines           adds "baselines": {"bytes", "bitsPerByte": {"model", "deflate", "brotli",
                        "markov1".."markov4", "corpusMarkov1".."corpusMarkovN"}}: the analysed
                        text's UTF-8 bytes coded by the model, raw deflate level 9, brotli quality
                        11, adaptive order-k Markov models on the model's tokens, and order-k
                        models fitted on its training corpus when its folder has markov/ (the
                        bundled model does) ("model" only for causal models)
  --cache-dir DIR       where to cache the attention-exposing ONNX file and Hub downloads
                        (default for downloads: ~/.cache/attention-lens)
  --remote-host URL     the Hub to download from (default https://huggingface.co/)
  --value-norms         add "valueNorms": {"shape": [L, H, T], "data"}: ‖v_j W_O^h‖ per layer, head, key
  --rollout             add "rollout": {"shape": [T, T], "data"}: attention rollout, prod of (A/2 + I/2)
  --logit-lens K        add "logitLens": {"shape": [L, T, K], "ids", "probs"}: each layer's top-K
  --ablation            add "ablation": {"shape": [L, H, T], "data", "top1Changed"}: change of each
                        token's log-probability with head (l, h) zeroed (null for the first token)
  --attention-out FILE  write the attention to FILE as a NumPy .npy array [L, H, T, T] instead of
                        inlining it (a decoder's block by block, never whole in memory);
                        "attention" is then {"shape", "dtype", "file"}
  --attention-dtype T   float32 (default) or float16, the element type of that file
  --json                print JSON (the only output format)
  -h, --help            show this help`;

class UsageError extends Error {}

interface Args { model: string; textFile?: string; topK: number; maxTokens: number; cacheDir?: string; remoteHost?: string; reach?: number; baselines?: boolean; internals: InternalsFlags; attentionOut?: AttentionOut }

export function parseArgs(argv: string[]): Args | 'help' {
  if (argv.includes('--help') || argv.includes('-h') || argv.length === 0) return 'help';
  const [command, ...rest] = argv;
  if (command !== 'analyze') throw new UsageError(`Unknown command "${command}". The only command is "analyze".`);
  const args: Args = { model: '', topK: 10, maxTokens: 512, internals: { ...NO_INTERNALS } };
  let json = false;
  let dtype: string | undefined;
  const positiveInt = (flag: string, value: string | undefined) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} needs a positive integer, got "${value ?? ''}".`);
    return n;
  };
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i]!;
    const value = () => {
      const v = rest[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value.`);
      return v;
    };
    switch (flag) {
      case '--model': args.model = value(); break;
      case '--text-file': args.textFile = value(); break;
      case '--top-k': args.topK = positiveInt(flag, value()); break;
      case '--max-tokens': args.maxTokens = positiveInt(flag, value()); break;
      case '--cache-dir': args.cacheDir = value(); break;
      case '--remote-host': args.remoteHost = value(); break;
      case '--json': json = true; break;
      case '--value-norms': args.internals.valueNorms = true; break;
      case '--rollout': args.internals.rollout = true; break;
      case '--logit-lens': args.internals.logitLens = positiveInt(flag, value()); break;
      case '--ablation': args.internals.ablation = true; break;
      case '--reach': args.reach = /^\d+$/.test(rest[i + 1] ?? '') ? positiveInt(flag, rest[++i]) : DEFAULT_REACH_CONTEXT; break;
      case '--baselines': args.baselines = true; break;
      case '--attention-out': args.attentionOut = { path: value(), dtype: 'float32' }; break;
      case '--attention-dtype': dtype = value(); break;
      default: throw new UsageError(`Unknown option "${flag}".`);
    }
  }
  if (!args.model) throw new UsageError('--model is required (bundled, or a model folder).');
  if (!json) throw new UsageError('--json is required (JSON is the only output format).');
  if (dtype !== undefined) {
    if (dtype !== 'float32' && dtype !== 'float16') throw new UsageError(`--attention-dtype is float32 or float16, got "${dtype}".`);
    if (!args.attentionOut) throw new UsageError('--attention-dtype needs --attention-out FILE.');
    args.attentionOut.dtype = dtype;
  }
  return args;
}

/** The repository or extension root: dist/cli.js lives in <root>/dist. */
function rootDir(): string {
  const here = typeof __dirname === 'string' ? __dirname : process.cwd();
  for (let dir = here; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return path.dirname(here);
  }
}

function readInput(file: string | undefined): string {
  const { text, note } = decodeInput(readFileSync(file ?? 0), file ?? 'standard input');
  if (note) process.stderr.write(`attention-lens: ${note}\n`);
  return text;
}

async function main(argv: string[]): Promise<number> {
  let args: Args | 'help';
  try {
    args = parseArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) { process.stderr.write(`attention-lens: ${err.message}\n\n${USAGE}\n`); return 2; }
    throw err;
  }
  if (args === 'help') { process.stdout.write(USAGE + '\n'); return 0; }
  // The same resolution as the extension's setting, the working folder standing for the workspace.
  const spec = resolveModelSetting(args.model, { extensionPath: rootDir(), homeDir: os.homedir(), workspaceFolders: [process.cwd()], isDirectory });
  let text: string;
  try {
    text = readInput(args.textFile);
  } catch (err) {
    process.stderr.write(`attention-lens: cannot read ${args.textFile ?? 'standard input'}: ${(err as Error).message}\n`);
    return 1;
  }
  if (text.length === 0) { process.stderr.write('attention-lens: the text is empty; give some text to analyse.\n'); return 1; }
  try {
    const model: LoadedModel = spec.hub
      ? await loadHubModel(spec.hub, {
        root: path.join(args.cacheDir ?? path.join(os.homedir(), '.cache', 'attention-lens'), 'hub'),
        cacheDir: args.cacheDir,
        remoteHost: args.remoteHost,
        quantized: true, // a quarter of the bytes; the extension's setting can choose full precision
        onProgress: (p) => { if (p.loaded === p.total || p.loaded === 0) process.stderr.write(`attention-lens: downloading ${describeProgress(p)}\n`); },
      })
      : await loadModel(spec, { cacheDir: args.cacheDir });
    for (const note of cappedFlagNotes(args, model.info)) process.stderr.write(`attention-lens: ${note}\n`);
    // A decoder's attention goes to the .npy as it is computed, block by block (never whole in memory).
    const npy = args.attentionOut ? await openAttentionOut(args.attentionOut) : null;
    if (typeof npy === 'string') {
      process.stderr.write(`attention-lens: ${npy}\n`);
      await model.dispose();
      return 1;
    }
    const inline = npy ? null : new AttentionCollector();
    let result;
    try {
      result = await model.analyze(text, { topK: args.topK, maxTokens: args.maxTokens, attentionRows: npy ? npy.rows : inline!.rows });
    } catch (err) {
      await npy?.discard();
      throw err;
    }
    if (inline?.data) result.attention = inline.data; // the rows came block by block
    let internalKeys: string[] = [];
    if (wantsInternals(args.internals)) {
      const internals = await model.internals(text, internalsRequest(args.internals, args.maxTokens));
      const problems = Object.values(internals.problems);
      if (problems.length > 0) {
        for (const p of problems) process.stderr.write(`attention-lens: ${p}\n`);
        await model.dispose();
        return 1;
      }
      internalKeys = internalsJson(internals);
    }
    const extras: Extras = {};
    if (args.reach !== undefined) extras.reach = await model.contextReach(result.tokens.map((t) => t.id), { maxContext: args.reach });
    if (args.baselines) extras.baselines = compressionBaselines(result, corpusMarkovOrNote(model));
    const json = jsonExtras(extras);
    json.tail = (json.tail ?? '') + internalKeys.map((e) => ',' + e).join('');
    const failed = await writeAnalysis(result, json, args.attentionOut, npy ?? undefined);
    if (failed) {
      process.stderr.write(`attention-lens: ${failed}\n`);
      await model.dispose();
      return 1;
    }
    if (result.truncated) {
      const t = result.truncated;
      process.stderr.write(`attention-lens: analysed the first ${t.shownTokens} of ${t.totalIsLowerBound ? 'more than ' : ''}${t.totalTokens} tokens (characters 0–${t.shownChars}).\n`);
    }
    await model.dispose();
    return 0;
  } catch (err) {
    const message = err instanceof AttentionLensError ? err.message : `unexpected error: ${(err as Error).stack ?? String(err)}`;
    process.stderr.write(`attention-lens: ${message}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write(`attention-lens: ${(err as Error).stack ?? String(err)}\n`); process.exitCode = 1; },
);
