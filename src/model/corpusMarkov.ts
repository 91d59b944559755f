// Markov chains fitted on a model's training corpus, read from `<model>/markov/` (written by
// training/markov_export.py, whose docstring defines the file): interpolated Kneser–Ney of orders
// 1..K over the model's tokens, rare counts pruned with their mass kept in the back-off weight.
// The order-k model at token i, with h_m the last m tokens before it:
//   P_-1(w)     = 1 / V
//   P_m(w | h_m) = max(c(h_m, w) − D, 0) / c(h_m) + b(h_m) · P_{m−1}(w | h_{m−1}),   m = 0..k
// with raw counts at m = k and continuation counts below it; a context not in the file (or with
// fewer than m tokens before i) passes P_{m−1} through, and b(h) = 1 − Σ_kept max(c − D, 0) / c(h).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { AttentionLensError } from './errors';
import type { CorpusMarkov } from './types';

export const CORPUS_MARKOV_DIR = 'markov';
const FORMAT = 'attention-lens-markov';
const VERSION = 1;

type Counts = Uint16Array | Uint32Array;

/** One kind of counts at one context length: raw (the order-m model's own) or continuation. */
interface CountTable {
  total: Uint32Array; // [N_m] c(h)
  count: Counts; // [E_m]
  discount: number;
  /** b(h), [N_m]: the mass left for the shorter context; NaN until a walk first needs it. */
  backoff: Float64Array;
}

/** The contexts of m tokens (most recent token first in the trie), and what followed them. */
interface Level {
  nodes: number;
  token: Uint16Array | null; // [N_m] the context's oldest token (m ≥ 1)
  entryStart: Uint32Array; // [N_m + 1]
  entryToken: Uint16Array; // [E_m], sorted within a node
  childStart: Uint32Array | null; // [N_m + 1] children in level m + 1 (m < K)
  raw: CountTable | null; // m ≥ 1
  cont: CountTable | null; // m < K
}

interface Section { name: string; dtype: string; offset: number; length: number }
interface Header {
  format: string; version: number; vocabSize: number; maxOrder: number;
  levels: { contextLength: number; discountRaw: number | null; discountCont: number | null; nodes: number; entries: number }[];
  sections: Section[];
}

function invalid(file: string, why: string): AttentionLensError {
  return new AttentionLensError('corpus-markov-invalid', `The corpus Markov models in ${file} cannot be read: ${why}. Rebuild them with \`python3 -m training.pipeline --stage markov\`, or remove that folder.`);
}

/** First index in sorted[lo, hi) equal to x, or −1. */
function find(sorted: Uint16Array, lo: number, end: number, x: number): number {
  let hi = end;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < x) lo = mid + 1; else hi = mid;
  }
  return lo < end && sorted[lo] === x ? lo : -1;
}

export class CorpusMarkovModels {
  private constructor(readonly vocabSize: number, readonly maxOrder: number, private readonly levels: Level[]) {}

  /** Parses and checks a header and its binary file (`file` names it in messages). */
  static parse(headerJson: unknown, bytes: Uint8Array, file: string): CorpusMarkovModels {
    if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw invalid(file, 'the file is little-endian and this machine is not');
    const h = headerJson as Header;
    if (h?.format !== FORMAT || h.version !== VERSION) throw invalid(file, `expected format ${FORMAT} version ${VERSION}`);
    const V = h.vocabSize, K = h.maxOrder;
    if (!(Number.isInteger(V) && V > 0 && V <= 65536 && Number.isInteger(K) && K >= 1 && h.levels?.length === K + 1)) throw invalid(file, 'bad vocabSize, maxOrder or levels');
    const buf = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice(); // typed-array views need aligned offsets
    const byName = new Map((h.sections ?? []).map((s) => [s.name, s]));
    const view = <T extends 'uint16' | 'uint32'>(name: string, length: number, dtypes: T[]): T extends 'uint16' ? Uint16Array : Counts => {
      const s = byName.get(name);
      if (!s || !dtypes.includes(s.dtype as T) || s.length !== length) throw invalid(file, `section ${name} is missing or has the wrong type or length`);
      const width = s.dtype === 'uint16' ? 2 : 4;
      if (!(Number.isInteger(s.offset) && s.offset % 4 === 0 && s.offset + width * length <= buf.length)) throw invalid(file, `section ${name} lies outside the file`);
      return (width === 2 ? new Uint16Array(buf.buffer, buf.byteOffset + s.offset, length) : new Uint32Array(buf.buffer, buf.byteOffset + s.offset, length)) as never;
    };
    const levels: Level[] = h.levels.map((lh, m) => {
      const N = lh.nodes, E = lh.entries;
      const entryStart = view(`entry_start_${m}`, N + 1, ['uint32']) as Uint32Array;
      const entryToken = view(`entry_token_${m}`, E, ['uint16']);
      if (entryStart[N] !== E || entryStart.some((x, i) => i > 0 && x < entryStart[i - 1]!) || entryToken.some((w) => w >= V)) throw invalid(file, `level ${m}'s entries are inconsistent`);
      const table = (kind: 'raw' | 'cont', discount: number | null): CountTable => {
        if (typeof discount !== 'number' || !(discount >= 0 && discount <= 1)) throw invalid(file, `level ${m} lacks its ${kind} discount`);
        const total = view(`node_${kind}_total_${m}`, N, ['uint32']) as Uint32Array;
        const count = view(`entry_${kind}_${m}`, E, ['uint16', 'uint32']);
        return { total, count, discount, backoff: new Float64Array(N).fill(NaN) };
      };
      return {
        nodes: N,
        token: m >= 1 ? view(`node_token_${m}`, N, ['uint16']) : null,
        entryStart, entryToken,
        childStart: m < K ? view(`child_start_${m}`, N + 1, ['uint32']) as Uint32Array : null,
        raw: m >= 1 ? table('raw', lh.discountRaw) : null,
        cont: m < K ? table('cont', lh.discountCont) : null,
      };
    });
    if (levels[0]!.nodes !== 1) throw invalid(file, 'level 0 must hold the one empty context');
    levels.forEach((l, m) => {
      if (l.childStart && l.childStart[l.nodes] !== levels[m + 1]!.nodes) throw invalid(file, `level ${m}'s children do not add up`);
    });
    return new CorpusMarkovModels(V, K, levels);
  }

  /** The models in `<dir>/markov/`, or null when the folder has none. */
  static read(dir: string): CorpusMarkovModels | null {
    const folder = path.join(dir, CORPUS_MARKOV_DIR);
    const headerFile = path.join(folder, 'markov.json');
    if (!existsSync(headerFile)) return null;
    let header: unknown;
    let bytes: Uint8Array;
    try {
      header = JSON.parse(readFileSync(headerFile, 'utf8'));
      bytes = readFileSync(path.join(folder, 'markov.bin'));
    } catch (err) {
      throw invalid(folder, err instanceof Error ? err.message : String(err));
    }
    return CorpusMarkovModels.parse(header, bytes, folder);
  }

  /**
   * The trie nodes of ids[i]'s contexts, [m] for m = 0..depth: node index of the last m tokens
   * before i (the walk stops at the first context not in the file, or at K or i tokens).
   */
  private path(ids: readonly number[], i: number): number[] {
    const nodes = [0];
    for (let m = 1; m <= Math.min(this.maxOrder, i); m++) {
      const up = this.levels[m - 1]!, level = this.levels[m]!;
      const parent = nodes[m - 1]!;
      const at = find(level.token!, up.childStart![parent]!, up.childStart![parent + 1]!, ids[i - m]!);
      if (at < 0) break;
      nodes.push(at);
    }
    return nodes;
  }

  /** a(h, w) + b(h) · lower for node n of level m under one kind of counts. */
  private step(m: number, n: number, kind: 'raw' | 'cont', w: number, lower: number): number {
    const level = this.levels[m]!, t = level[kind]!;
    if (t.total[n] === 0) return lower;
    const lo = level.entryStart[n]!, hi = level.entryStart[n + 1]!;
    if (Number.isNaN(t.backoff[n])) {
      let kept = 0;
      for (let e = lo; e < hi; e++) kept += Math.max(t.count[e]! - t.discount, 0);
      t.backoff[n] = 1 - kept / t.total[n]!;
    }
    const e = find(level.entryToken, lo, hi, w);
    const a = e < 0 ? 0 : Math.max(t.count[e]! - t.discount, 0) / t.total[n]!;
    return a + t.backoff[n]! * lower;
  }

  /** P_k(w | the tokens before position i of ids), for w = ids[i] unless given. */
  probability(ids: readonly number[], i: number, k: number, w = ids[i]!): number {
    if (!(k >= 1 && k <= this.maxOrder)) throw new RangeError(`order ${k} is not in 1..${this.maxOrder}`);
    const nodes = this.path(ids, i);
    let p = 1 / this.vocabSize;
    for (let m = 0; m < Math.min(nodes.length, k + 1); m++) p = this.step(m, nodes[m]!, m === k ? 'raw' : 'cont', w, p);
    return p;
  }

  /** −log₂ P_k of every token given those before it, [k − 1][T] for k = 1..K, in one walk per token. */
  codeLengths(ids: readonly number[]): Float64Array[] {
    const out = Array.from({ length: this.maxOrder }, () => new Float64Array(ids.length)); // [K][T]
    for (let i = 0; i < ids.length; i++) {
      const nodes = this.path(ids, i);
      const w = ids[i]!;
      let cont = 1 / this.vocabSize; // P_{m−1} from continuation counts
      for (let k = 1; k <= this.maxOrder; k++) {
        if (k - 1 < nodes.length) cont = this.step(k - 1, nodes[k - 1]!, 'cont', w, cont);
        const p = k < nodes.length ? this.step(k, nodes[k]!, 'raw', w, cont) : cont;
        out[k - 1]![i] = -Math.log2(p);
      }
    }
    return out;
  }

  /** One CorpusMarkov per order, for the compression table. */
  models(): CorpusMarkov[] {
    return Array.from({ length: this.maxOrder }, (_, j) => ({ order: j + 1, codeLengths: (ids: readonly number[]) => this.codeLengths(ids)[j]! }));
  }
}

/**
 * Reads `<dir>/markov/` once, on first call: the corpus models for a model of `vocabSize` tokens
 * ([] when the folder has none). A file that cannot be read, or was fitted on another vocabulary,
 * throws AttentionLensError 'corpus-markov-invalid' every call.
 */
export function corpusMarkovLoader(dir: string, vocabSize: number): () => CorpusMarkov[] {
  let loaded: { models: CorpusMarkov[] } | { error: unknown } | null = null;
  return () => {
    if (!loaded) {
      try {
        const m = CorpusMarkovModels.read(dir);
        if (m && m.vocabSize !== vocabSize) throw invalid(path.join(dir, CORPUS_MARKOV_DIR), `they were fitted on a vocabulary of ${m.vocabSize} tokens and the model has ${vocabSize}`);
        loaded = { models: m ? m.models() : [] };
      } catch (error) {
        loaded = { error };
      }
    }
    if ('error' in loaded) throw loaded.error;
    return loaded.models;
  };
}
