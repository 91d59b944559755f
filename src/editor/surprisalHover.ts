// What the surprisal hover says about one token: its probability, rank and the top-5 alternatives,
// at temperature 1 (straight from the analysis) or at another temperature (recomputed exactly by
// probing the model on the text before the token). No vscode import, so it is unit-tested.
import type { AnalysisResult, ProbeResult } from '../model';
import { visibleToken } from '../common/tokenText';
import { escapeMarkdown } from './markdown';
import { LEVEL_NAMES, formatProb, surprisalLevel, type SurprisalMode } from './surprisalLevels';

export const ALTERNATIVES = 5;

export interface TokenView {
  display: string;
  prob: number;
  rank: number;
  vocabSize: number;
  temperature: number;
  alternatives: { token: string; prob: number; actual: boolean }[];
  /** Said under the numbers, e.g. why the temperature could not be applied. */
  note?: string;
}

/** Token `index` as the analysis saw it (temperature 1); undefined when it has no probability. */
export function untemperedAt(result: AnalysisResult, index: number, tokenText: (id: number) => string): TokenView | undefined {
  const tok = result.tokens[index];
  if (!tok || tok.logprob === null || tok.rank === null || index === 0) return undefined;
  const k = result.topK.k;
  const row = (index - 1) * k; // the distribution that predicted token i is the one after token i-1: [T, k]
  const alternatives: TokenView['alternatives'] = [];
  for (let j = 0; j < Math.min(k, ALTERNATIVES); j++) {
    const id = result.topK.ids[row + j]!;
    alternatives.push({ token: tokenText(id), prob: result.topK.probs[row + j]!, actual: id === tok.id });
  }
  return { display: tokenLabel(tok), prob: Math.exp(tok.logprob), rank: tok.rank, vocabSize: result.model.vocabSize, temperature: 1, alternatives };
}

/** A continuation of a split character shows its bytes (its characters are on the token before). */
const tokenLabel = (tok: { display: string; partial?: string | null; text: string }) => tok.display || tok.partial || tok.text;

export type Probe = (prefix: string, opts: { topK: number; temperature: number }) => Promise<ProbeResult>;

/**
 * Token `index` at `temperature`. Temperature keeps the order of the distribution, so the token
 * is still at its rank: probing the text before it for the top max(5, rank) tokens gives its exact
 * tempered probability. Undefined when the probe does not see the same token there (the text
 * before a token can tokenize differently on its own, e.g. when one character was split).
 */
export async function temperedAt(result: AnalysisResult, index: number, temperature: number, probe: Probe): Promise<TokenView | undefined> {
  const tok = result.tokens[index];
  if (!tok || tok.rank === null || tok.logprob === null) return undefined; // a first token has a probability only after a BOS
  const r = await probe(result.text.slice(0, tok.start), { topK: Math.max(ALTERNATIVES, tok.rank), temperature });
  const hit = r.next[tok.rank - 1];
  if (!hit || hit.id !== tok.id) return undefined;
  return {
    display: tokenLabel(tok),
    prob: hit.prob,
    rank: tok.rank,
    vocabSize: result.model.vocabSize,
    temperature,
    alternatives: r.next.slice(0, ALTERNATIVES).map((n) => ({ token: n.token, prob: n.prob, actual: n.id === tok.id })),
  };
}

/** The hover's Markdown (token text escaped: it is shown literally). */
export function hoverMarkdown(v: TokenView, mode: SurprisalMode): string {
  const level = surprisalLevel(mode, { rank: v.rank, logprob: Math.log(v.prob) });
  const bits = -Math.log2(v.prob);
  const lines = [
    `**Attention Lens** — token ${escapeMarkdown(v.display)}`,
    '',
    `Probability **${formatProb(v.prob)}** (surprisal ${bits.toFixed(2)} bits), rank **${v.rank}** of ${v.vocabSize}` +
      (level === null ? '' : ` — ${LEVEL_NAMES[mode][level]}`) +
      (v.temperature === 1 ? '' : `, temperature ${v.temperature}`),
    '',
    '| top alternatives | probability |',
    '|:--|--:|',
    ...v.alternatives.map((a) => `| ${escapeMarkdown(visibleToken(a.token))}${a.actual ? ' ✓' : ''} | ${formatProb(a.prob)} |`),
  ];
  if (v.note) lines.push('', `_${escapeMarkdown(v.note)}_`);
  return lines.join('\n');
}
