// Token text made safe and visible for display. Shared by host and webview: no vscode/node imports.
// The result is always inserted with textContent (or canvas fillText), never parsed as HTML.

/** Visible stand-ins for whitespace. */
const WHITESPACE: Record<string, string> = { ' ': '␣', '\n': '⏎', '\r': '␍', '\t': '⇥' };

/**
 * Characters that would reorder or hide neighbouring text if shown raw: bidi embeddings,
 * overrides and isolates, directional marks, zero-width characters, other C0/C1 controls.
 */
const INVISIBLE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;

/** Makes whitespace and invisible/bidi control characters visible, e.g. U+202E → ⟨U+202E⟩. */
export function visibleToken(text: string): string {
  return text
    .replace(/[ \n\r\t]/g, (c) => WHITESPACE[c])
    .replace(INVISIBLE, (c) => `⟨U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}⟩`);
}

/** Only the invisible/bidi part: for text the model already made whitespace-visible. */
export function withoutInvisible(text: string): string {
  return text.replace(INVISIBLE, (c) => `⟨U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}⟩`);
}
