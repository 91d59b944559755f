// Token text shown in Markdown hovers/tooltips and status bar labels, kept literal. Pure, unit-tested.

/** Token text as literal Markdown (also safe inside a table cell). */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~&]/g, (c) => `\\${c}`);
}

/** Status bar text turns `$(name)` into an icon; keep token text literal. */
export function noIcons(text: string): string {
  return text.replace(/\$\(/g, '$\u2060(');
}
