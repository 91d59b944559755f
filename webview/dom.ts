// Tiny DOM helpers. Text always goes in through textContent, never as HTML.

type Attrs = Record<string, string | number | boolean | undefined>;

/** Creates an element with attributes (set with setAttribute) and optional text content. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs, text?: string): HTMLElementTagNameMap[K];
export function el(tag: string, attrs?: Attrs, text?: string): HTMLElement;
export function el(tag: string, attrs: Attrs = {}, text?: string): HTMLElement {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    node.setAttribute(name, value === true ? '' : String(value));
  }
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Removes every child. */
export function clear(node: Element): void {
  while (node.firstChild) node.removeChild(node.firstChild);
}

/** Formats a probability/weight compactly. */
export function fmt(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return '–';
  if (x !== 0 && Math.abs(x) < 10 ** -digits) return x.toExponential(1);
  return x.toFixed(digits);
}

/** Sets the text of `parent`'s part of class `cls`, a span appended after a space on first use (replacing the parent's text removes it). */
export function setPart(parent: HTMLElement, cls: string, text: string): true {
  let part = parent.querySelector<HTMLElement>(`:scope > span.${cls}`);
  if (!part) {
    part = el('span', { class: cls });
    parent.append(' ', part);
  }
  part.textContent = text;
  return true;
}
