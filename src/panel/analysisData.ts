// Turns an AnalysisResult into what the panel sends and exports. Pure: no vscode import,
// so the webview tests' fake host and the unit tests use the same code as the real panel.
import type { AnalysisHeader, MatrixSelector } from '../common/protocol';
import type { AnalysisResult, CorpusMarkov } from '../model';
import { attentionLayers } from '../common/attentionLayers';
import { layerCodeBytes } from '../common/attentionCodes';
import type { ReachFn } from './reachJob';
import { sliceAttention } from '../common/slices';
import { visibleToken } from '../common/tokenText';

export interface AnalysisSource {
  fileName: string;
  /** Decodes a vocabulary id for the top-k lists (the model's tokenText): they name ids the text does not hold. */
  tokenText: (id: number) => string;
  /** Runs context reach on the model that made the analysis; without it the reach view says it is unavailable. */
  contextReach?: ReachFn;
  /** The model's corpus-fitted Markov chains for the compression table (none without it). */
  corpusMarkov?: () => CorpusMarkov[];
}

/** The small part of an analysis the webview gets first (everything but attention). */
export function toHeader(result: AnalysisResult, analysisId: number, source: AnalysisSource): AnalysisHeader {
  const vocab: Record<number, string> = {};
  // The vocabulary entry, not this occurrence's text (a continuation has none of its own).
  for (const t of result.tokens) vocab[t.id] = visibleToken(t.text);
  for (const n of result.next) vocab[n.id] = visibleToken(n.token);
  for (const id of result.topK.ids) {
    if (vocab[id] !== undefined) continue;
    let text: string | undefined;
    try { text = source.tokenText(id); } catch { text = undefined; }
    vocab[id] = text !== undefined ? visibleToken(text) : `#${id}`;
  }
  return {
    analysisId,
    model: {
      name: result.model.name,
      kind: result.model.kind,
      nLayers: result.model.nLayers,
      nHeads: result.model.nHeads,
      contextLength: result.model.contextLength,
    },
    tokens: result.tokens.map((t) => ({ display: t.display, partial: t.partial ?? null, continuation: t.continuation ?? false, start: t.start, end: t.end, logprob: t.logprob, rank: t.rank, special: t.special })),
    shape: { ...result.shape },
    // Copies: a view into a larger buffer would otherwise ship the whole buffer.
    topK: { k: result.topK.k, ids: result.topK.ids.slice(), probs: result.topK.probs.slice(), vocab },
    truncated: result.truncated ? { reason: result.truncated.reason, totalTokens: result.truncated.totalTokens, shownTokens: result.truncated.shownTokens, totalIsLowerBound: result.truncated.totalIsLowerBound } : null,
    source: { fileName: source.fileName },
    ...(result.headsOff?.length ? { headsOff: result.headsOff.map((x) => ({ ...x })) } : {}),
    ...(result.stored ? { attentionNote: compactNote(result) } : {}),
  };
}

/** What the panel says about attention kept compact, and about layers dropped beyond the budget. */
export function compactNote(result: AnalysisResult): string {
  const { nLayers, nHeads, nTokens } = result.shape;
  const mb = (nLayers * nHeads * nTokens * nTokens * 4) / 2 ** 20;
  // Every kept layer's codes take the same bytes (all causal triangles, or all whole): measure one.
  const layerBytes = result.stored?.find((x) => x !== null && x.length > 0)?.length ?? layerCodeBytes(nHeads, nTokens, false);
  const layerMB = layerBytes / 2 ** 20;
  const triangles = nTokens > 1 && layerBytes === layerCodeBytes(nHeads, nTokens, true) ? ', the causal zeros above each diagonal left out' : '';
  const kept = result.keptLayers;
  if (kept === undefined) return `Attention kept compact (24 bits per weight${triangles}, ${Math.round(layerMB * nLayers)} MB instead of ${Math.round(mb)} MB: over the attentionLens.attentionMemoryMB setting); head statistics come from the exact values.`;
  return `Attention over the attentionLens.attentionMemoryMB setting: ${kept} of ${nLayers} layers kept compact at a time (24 bits per weight${triangles}, ${layerMB < 10 ? layerMB.toFixed(1) : Math.round(layerMB)} MB a layer; ${Math.round(mb)} MB as float32); the others are recomputed when a view shows them. Head statistics come from the exact values of every layer.`;
}

/** One CSV field: quoted, quotes doubled; a leading =+-@ is neutralised so spreadsheets never run it. */
export function csvField(text: string): string {
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return `"${safe.replace(/"/g, '""')}"`;
}

/** One head (or layer mean) as CSV: a header row of key tokens, then one row per query token. */
export function headCsv(result: AnalysisResult, selector: MatrixSelector): string {
  const T = result.shape.nTokens;
  const m = sliceAttention(attentionLayers(result), result.shape, selector, { dropSink: false }); // [Q, K]
  const labels = result.tokens.map((t, i) => csvField(`${i}:${t.display || t.partial || t.text}`));
  const lines = [[csvField('query \\ key'), ...labels].join(',')];
  for (let q = 0; q < T; q++) {
    const row = [labels[q]];
    for (let k = 0; k < T; k++) row.push(String(m[q * T + k])); // [Q, K]
    lines.push(row.join(','));
  }
  return lines.join('\n') + '\n';
}

/** A file name without characters file systems refuse. */
export function safeFileName(name: string): string {
  return name.replace(/[\\/:*?"<>|\u0000-\u001f]+/g, '_').slice(0, 120) || 'attention';
}
