// Where each analysed token lives in the document, kept right while the document is edited.
// Pure offsets (UTF-16 code units, as the editor counts them); no vscode import, so it is unit-tested.

/** One change as the editor reports it: offsets into the document BEFORE the change. */
export interface TextChange {
  rangeOffset: number;
  rangeLength: number;
  text: string;
}

export interface TokenSpan {
  start: number;
  end: number;
}

/**
 * Token ranges of one analysis, as document offsets. `baseOffset` is the document offset of the
 * analysed text's first character; token offsets are relative to it. An edit that touches a token
 * marks it stale (its range is dropped, never guessed); edits before a token shift it.
 */
export class TokenMap {
  /** Absolute document offsets per token; null once an edit touched the token. */
  private spans: (TokenSpan | null)[];

  constructor(baseOffset: number, tokens: readonly TokenSpan[]) {
    this.spans = tokens.map((t) => ({ start: baseOffset + t.start, end: baseOffset + t.end }));
  }

  /** Document offsets of token `index`, or null when it is stale or out of range. */
  range(index: number): TokenSpan | null {
    return this.spans[index] ?? null;
  }

  /** True while at least one token still maps to the document. */
  get alive(): boolean {
    return this.spans.some((s) => s !== null);
  }

  /**
   * The token under a cursor at document offset `offset`: the one holding the character right after
   * the cursor (start <= offset < end), or the last token when the cursor sits just after it.
   * Empty (special) and stale tokens are never returned; -1 when no token covers the offset.
   * A linear scan: at most a few thousand tokens, once per cursor move.
   */
  tokenAt(offset: number): number {
    let lastNonEmpty = -1;
    for (let i = 0; i < this.spans.length; i++) {
      const s = this.spans[i];
      if (!s || s.end === s.start) continue;
      if (s.start <= offset && offset < s.end) return i;
      lastNonEmpty = i;
    }
    if (lastNonEmpty >= 0 && this.spans[lastNonEmpty]!.end === offset) return lastNonEmpty;
    return -1;
  }

  /** Applies one editor change event (changes use pre-event offsets and do not overlap). */
  applyChanges(changes: readonly TextChange[]): void {
    if (changes.length === 0) return;
    this.spans = this.spans.map((span) => {
      if (!span) return null;
      let shift = 0;
      for (const c of changes) {
        const cStart = c.rangeOffset;
        const cEnd = c.rangeOffset + c.rangeLength;
        if (cEnd <= span.start) shift += c.text.length - c.rangeLength; // before (or inserted right at its start)
        else if (cStart >= span.end) continue; // after (or inserted right at its end)
        else return null; // the edit touched this token: its analysis no longer describes the text
      }
      return { start: span.start + shift, end: span.end + shift };
    });
  }
}
