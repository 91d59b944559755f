// Switching a head off (or back on) for the whole panel from the views that show every head (the
// overview and the ablation grid): Alt+click or X on a head, or its context menu ("Switch This Head
// Off / On", contributed by the extension for elements marked with data-vscode-context). A head that
// is off is marked where it is drawn.
import type { AnalysisHeader } from '../src/common/protocol';

export type HeadsOffList = AnalysisHeader['headsOff'];

export function isHeadOff(off: HeadsOffList, layer: number, head: number): boolean {
  return !!off?.some((x) => x.layer === layer && x.head === head);
}

/**
 * Makes `button` (one head's) toggle that head on Alt+click or X, and marks it when it is off. Call
 * it before the button's own click listener: an Alt+click only toggles, it does not also open.
 */
export function wireHeadToggle(button: HTMLElement, layer: number, head: number, off: HeadsOffList, onToggle: (layer: number, head: number) => void): void {
  const isOff = isHeadOff(off, layer, head);
  // VS Code's webview context menu reads this (merged with its ancestors'); the command gets layer and head.
  button.dataset.vscodeContext = JSON.stringify({ webviewSection: 'head', layer, head, preventDefaultContextMenuItems: true });
  button.classList.toggle('head-off', isOff);
  if (isOff) button.dataset.off = '1';
  const hint = isOff ? 'Switched off; Alt+click or X switches it back on.' : 'Alt+click or X switches it off for the whole panel.';
  button.setAttribute('aria-label', `${button.getAttribute('aria-label') ?? ''} ${hint}`.trim());
  button.title = `${button.title ? `${button.title}\n` : ''}${hint}`;
  button.addEventListener('click', (e) => {
    if (!e.altKey) return;
    e.preventDefault();
    e.stopImmediatePropagation();
    onToggle(layer, head);
  });
  button.addEventListener('keydown', (e) => {
    if (e.key !== 'x' && e.key !== 'X') return;
    e.preventDefault();
    onToggle(layer, head);
  });
}
