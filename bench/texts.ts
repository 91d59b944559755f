// Real text of an exact token length, cut from this repository's own source files (code and
// prose the model may be shown in practice), never random ids.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { BenchModel } from './model-api';

const ROOTS = ['src', 'webview', 'training', 'bench', 'scripts'];
const EXTS = new Set(['.ts', '.py', '.mjs', '.md']);

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const full = path.join(dir, name);
      if (name.startsWith('.') || name === 'node_modules' || name === 'build' || name === 'results') return [];
      return statSync(full).isDirectory() ? listFiles(full) : EXTS.has(path.extname(name)) ? [full] : [];
    });
}

/** Every source file of the repository, in a fixed order, joined into one text. */
export function repoCorpus(repoRoot: string): string {
  const text = ROOTS.flatMap((r) => listFiles(path.join(repoRoot, r)))
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n');
  if (text.length < 10_000) throw new Error('too little source text in the repository to cut benchmark texts from');
  return text;
}

/**
 * A prefix of `corpus` that the model's tokenizer turns into exactly `n` tokens: the model's
 * own truncation says where n tokens end (truncated.shownChars).
 */
export async function textOfTokens(model: BenchModel, corpus: string, n: number): Promise<string> {
  let chars = Math.min(corpus.length, n * 8 + 1000);
  for (;;) {
    const probe = await model.analyze(corpus.slice(0, chars), { topK: 1, maxTokens: n, attention: false });
    if (probe.truncated) {
      const text = corpus.slice(0, probe.truncated.shownChars);
      const check = await model.analyze(text, { topK: 1, maxTokens: n + 8, attention: false });
      if (check.tokens.length !== n) throw new Error(`a ${n}-token cut re-tokenizes to ${check.tokens.length} tokens`);
      return text;
    }
    if (chars >= corpus.length) throw new Error(`the corpus has only ${probe.tokens.length} tokens, ${n} needed`);
    chars = Math.min(corpus.length, chars * 2);
  }
}

/** Cached per run: the corpus and each n-token text are cut once. */
export async function benchText(ctx: { opts: { repoRoot: string }; shared: { texts?: Map<number, string>; corpus?: string } }, model: BenchModel, n: number): Promise<string> {
  ctx.shared.corpus ??= repoCorpus(ctx.opts.repoRoot);
  ctx.shared.texts ??= new Map();
  let text = ctx.shared.texts.get(n);
  if (text === undefined) {
    text = await textOfTokens(model, ctx.shared.corpus, n);
    ctx.shared.texts.set(n, text);
  }
  return text;
}
