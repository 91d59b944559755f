// What each token is called in the views: the characters of the text in its range, as people
// read them. A character split over several tokens (byte pieces of 한 or 😀) is shown once, on
// its first token; the others are continuations, and every piece keeps its own bytes for a tooltip.
import { visibleToken } from '../common/tokenText';
import { SPACE_MARK, bytesLabel, isWholeUtf8, pieceBytes, type TokenizerFamily } from './tokenBytes';

export interface TokenLabels {
  /** Text to show per token ('' for a continuation). */
  display: string[];
  /** The token's bytes as ‹0xED 0x95› where they are part of a character, else null. */
  partial: (string | null)[];
  /** The token continues the character(s) shown on an earlier token. */
  continuation: boolean[];
}

/**
 * Labels from `text` and the ranges: tokens with a non-empty range show their slice of the text
 * (whitespace and bidi controls made visible); tokens with an empty range (BOS, [CLS], an inserted
 * ▁) show `pieceDisplay`.
 */
export function tokenLabels(
  text: string,
  tok: { pieces: string[]; starts: ArrayLike<number>; ends: ArrayLike<number> },
  family: TokenizerFamily,
  pieceDisplay: (i: number) => string,
): TokenLabels {
  const n = tok.pieces.length;
  const display: string[] = new Array(n);
  const partial: (string | null)[] = new Array(n).fill(null);
  const continuation: boolean[] = new Array(n).fill(false);
  for (let i = 0; i < n; i++) {
    const s = tok.starts[i]!;
    const e = tok.ends[i]!;
    if (s === e) { display[i] = pieceDisplay(i); continue; }
    const shared = (i > 0 && tok.starts[i - 1] === s && tok.ends[i - 1] === e) || (i + 1 < n && tok.starts[i + 1] === s && tok.ends[i + 1] === e);
    if (shared) {
      const bytes = pieceBytes(tok.pieces[i]!, family).map((b) => (b === SPACE_MARK ? 0x20 : b));
      partial[i] = isWholeUtf8(bytes) ? null : bytesLabel(bytes);
    }
    if (i > 0 && tok.starts[i - 1] === s && tok.ends[i - 1] === e) { continuation[i] = true; display[i] = ''; continue; }
    display[i] = visibleToken(text.slice(s, e));
  }
  return { display, partial, continuation };
}
