// Links the panel and the editor: hovering or clicking a token in the panel highlights its range in
// the editor (a click also scrolls to it); moving the cursor inside the analysed text selects that
// token's row in the panel. Edits shift or drop token ranges (TokenMap), never highlight stale ones.
import * as vscode from 'vscode';
import type { AttentionPanel } from '../panel/attentionPanel';
import { Disposable } from '../base/disposable';
import { TokenMap } from './tokenMap';

interface Link {
  panel: AttentionPanel;
  document: vscode.TextDocument;
  map: TokenMap;
  /** Listeners on this panel; dropped when another analysis replaces this link. */
  listeners: vscode.Disposable[];
}

export class SelectionSync extends Disposable {
  private link: Link | undefined;
  private hovered: number | null = null;
  private revealed: number | null = null;
  private lastQuery = -1;
  private readonly hoverDecoration = this.register(
    vscode.window.createTextEditorDecorationType({
      backgroundColor: new vscode.ThemeColor('attentionLens.tokenHighlightBackground'),
      borderColor: new vscode.ThemeColor('attentionLens.tokenHighlightBorder'),
      borderStyle: 'solid',
      borderWidth: '1px',
      rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
    }),
  );
  private readonly revealDecoration = this.register(
    vscode.window.createTextEditorDecorationType({
      backgroundColor: new vscode.ThemeColor('attentionLens.tokenRevealBackground'),
      borderColor: new vscode.ThemeColor('attentionLens.tokenHighlightBorder'),
      borderStyle: 'solid',
      borderWidth: '1px',
      overviewRulerColor: new vscode.ThemeColor('attentionLens.tokenHighlightBorder'),
      overviewRulerLane: vscode.OverviewRulerLane.Center,
      rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
    }),
  );

  constructor() {
    super();
    this.register(vscode.workspace.onDidChangeTextDocument((e) => this.onEdit(e)));
    this.register(vscode.window.onDidChangeTextEditorSelection((e) => this.onCursor(e)));
    this.register(vscode.window.onDidChangeVisibleTextEditors(() => this.paint()));
    this.register(vscode.workspace.onDidCloseTextDocument((d) => d === this.link?.document && this.detach()));
  }

  /** Links a fresh analysis shown in `panel` to its document; `map` holds its token ranges. */
  attach(panel: AttentionPanel, document: vscode.TextDocument, map: TokenMap): void {
    this.detach();
    const listeners = [
      panel.onDidHoverToken(({ index }) => this.setHovered(index)),
      panel.onDidRevealToken(({ index }) => this.reveal(index)),
      panel.onDidDispose(() => this.detach()),
    ];
    this.link = { panel, document, map, listeners };
  }

  /** The document range of token `index` of the linked analysis, or undefined when stale/unknown. */
  rangeOf(index: number): vscode.Range | undefined {
    const span = this.link?.map.range(index);
    if (!this.link || !span) return undefined;
    return new vscode.Range(this.link.document.positionAt(span.start), this.link.document.positionAt(span.end));
  }

  override dispose(): void {
    this.detach();
    super.dispose();
  }

  private detach(): void {
    if (!this.link) return;
    for (const d of this.link.listeners) d.dispose();
    this.link = undefined;
    this.hovered = null;
    this.revealed = null;
    this.lastQuery = -1;
    this.paint();
  }

  private setHovered(index: number | null): void {
    this.hovered = index;
    this.paint();
  }

  private reveal(index: number): void {
    const range = this.rangeOf(index);
    if (!range || !this.link) return;
    this.revealed = index;
    this.paint();
    const editor = this.editorsShowing(this.link.document)[0];
    editor?.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  private onEdit(e: vscode.TextDocumentChangeEvent): void {
    if (!this.link || e.document !== this.link.document || e.contentChanges.length === 0) return;
    this.link.map.applyChanges(e.contentChanges);
    if (this.hovered !== null && !this.link.map.range(this.hovered)) this.hovered = null;
    if (this.revealed !== null && !this.link.map.range(this.revealed)) this.revealed = null;
    this.paint();
  }

  private onCursor(e: vscode.TextEditorSelectionChangeEvent): void {
    const link = this.link;
    if (!link || e.textEditor.document !== link.document) return;
    const index = link.map.tokenAt(link.document.offsetAt(e.selections[0]!.active));
    if (index < 0 || index === this.lastQuery) return;
    this.lastQuery = index;
    link.panel.selectQuery(index);
  }

  /** Draws the current highlights in every editor showing the linked document (clears them elsewhere). */
  private paint(): void {
    const doc = this.link?.document;
    for (const editor of vscode.window.visibleTextEditors) {
      const mine = doc !== undefined && editor.document === doc;
      editor.setDecorations(this.hoverDecoration, mine ? this.ranges(this.hovered) : []);
      editor.setDecorations(this.revealDecoration, mine ? this.ranges(this.revealed) : []);
    }
  }

  private ranges(index: number | null): vscode.Range[] {
    if (index === null) return [];
    const range = this.rangeOf(index);
    return range && !range.isEmpty ? [range] : [];
  }

  private editorsShowing(document: vscode.TextDocument): vscode.TextEditor[] {
    return vscode.window.visibleTextEditors.filter((e) => e.document === document);
  }
}
