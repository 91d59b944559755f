// Splitting text at the tokenizer's added tokens (<|endoftext|>, [MASK], <bos>, Gemma's "\n\n"…),
// with the range of each one found.
//
// Same result as transformers.js 2.17 (`text.split` on one alternation regex, leftmost match,
// the first listed token winning at a position, `\s*` around lstrip/rstrip tokens), but through a
// trie: with thousands of added tokens (Gemma 3 has 6,415) the regex costs more than the model.

export interface AddedTokenInfo { content: string; id: number; special: boolean; lstrip: boolean; rstrip: boolean }

export interface Section {
  /** [start, end) in the text; for an added token, the range of its own text (not stripped spaces). */
  start: number;
  end: number;
  added: AddedTokenInfo | null;
}

interface Node { next: Map<number, Node>; order: number }

const newNode = (): Node => ({ next: new Map(), order: Infinity });
const isSpace = (c: number) => /\s/.test(String.fromCharCode(c));

export class AddedTokenSplitter {
  private readonly plain = newNode();
  private readonly lstrip = newNode();
  private readonly hasLstrip: boolean;

  constructor(private readonly tokens: AddedTokenInfo[]) {
    tokens.forEach((t, order) => {
      if (t.content.length === 0) return;
      let node = t.lstrip ? this.lstrip : this.plain;
      for (let i = 0; i < t.content.length; i++) {
        const c = t.content.charCodeAt(i);
        let child = node.next.get(c);
        if (!child) node.next.set(c, (child = newNode()));
        node = child;
      }
      node.order = Math.min(node.order, order);
    });
    this.hasLstrip = this.lstrip.next.size > 0;
  }

  get size(): number { return this.tokens.length; }

  /** Sections of `text` in order; text sections are non-empty. */
  split(text: string): Section[] {
    const out: Section[] = [];
    let last = 0;
    for (let p = 0; p < text.length; ) {
      const m = this.matchAt(text, p);
      if (!m) { p++; continue; }
      if (m.from > last) out.push({ start: last, end: m.from, added: null });
      // Spaces an lstrip token swallows are dropped; its range is its own text.
      const contentStart = m.to - m.token.content.length;
      out.push({ start: contentStart, end: m.to, added: m.token });
      let q = m.to;
      if (m.token.rstrip) while (q < text.length && isSpace(text.charCodeAt(q))) q++;
      last = p = q;
    }
    if (last < text.length) out.push({ start: last, end: text.length, added: null });
    return out;
  }

  /** The first-listed token matching at p (its match [from, to)), as the alternation regex would pick. */
  private matchAt(text: string, p: number): { from: number; to: number; token: AddedTokenInfo } | null {
    let best = Infinity;
    let bestTo = -1;
    let node: Node | undefined = this.plain;
    for (let q = p; q < text.length; q++) {
      node = node.next.get(text.charCodeAt(q));
      if (!node) break;
      if (node.order < best) { best = node.order; bestTo = q + 1; }
    }
    if (this.hasLstrip) {
      let wsEnd = p;
      while (wsEnd < text.length && isSpace(text.charCodeAt(wsEnd))) wsEnd++;
      // \s* is greedy: the latest start of the content wins for one token; order decides between tokens.
      for (let start = wsEnd; start >= p; start--) {
        let n: Node | undefined = this.lstrip;
        for (let q = start; q < text.length; q++) {
          n = n.next.get(text.charCodeAt(q));
          if (!n) break;
          if (n.order < best) { best = n.order; bestTo = q + 1; }
        }
      }
    }
    return bestTo < 0 ? null : { from: p, to: bestTo, token: this.tokens[best]! };
  }
}
