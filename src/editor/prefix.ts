// Which text before the cursor the live probe and ghost text give the model. Pure, unit-tested.

/**
 * Document offset where the prefix starts for a cursor at `cursor`, given the model's context in
 * tokens. The start moves in steps of `contextTokens` characters, not with every keystroke, so
 * successive prefixes share their beginning and the model can reuse its cached past key values
 * while the person types. The prefix holds 2–3 × `contextTokens` characters (about ½–1 context
 * at 3–4 characters per token), or everything before the cursor when that is shorter.
 */
export function prefixStart(cursor: number, contextTokens: number): number {
  const step = Math.max(1, Math.floor(contextTokens));
  return Math.max(0, Math.floor((cursor - 2 * step) / step) * step);
}

/** Drops a dangling low surrogate at the start (the cut went through an emoji). */
export function trimBrokenStart(text: string): string {
  const first = text.charCodeAt(0);
  return first >= 0xdc00 && first <= 0xdfff ? text.slice(1) : text;
}
