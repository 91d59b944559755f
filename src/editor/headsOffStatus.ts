// While any head is switched off, a status bar item says how many ("2 heads off", on a warning
// background), names them in its tooltip, and opens the pick to change them; hidden when all are
// on. It also sets the `attentionLens.headsOff` context key the panel's context menu reads.
import * as vscode from 'vscode';
import { Disposable } from '../base/disposable';
import { headsCount, headsLabel, type HeadsOff } from '../services/headsOff';

export const PICK_HEADS_COMMAND = 'attentionLens.switchHeadsOff';

export class HeadsOffStatus extends Disposable {
  private readonly item = this.register(vscode.window.createStatusBarItem('attentionLens.headsOff', vscode.StatusBarAlignment.Right, 101));

  constructor(private readonly headsOff: HeadsOff) {
    super();
    this.item.name = 'Attention Lens: heads switched off';
    this.item.command = PICK_HEADS_COMMAND;
    this.register(headsOff.onDidChange(() => this.update()));
    this.update();
  }

  /** What the item shows now ('' when hidden), for tests. */
  get text(): string {
    return this.headsOff.current.length ? this.item.text : '';
  }

  private update(): void {
    const heads = this.headsOff.current;
    void vscode.commands.executeCommand('setContext', 'attentionLens.headsOff', heads.length > 0);
    if (heads.length === 0) {
      this.item.hide();
      return;
    }
    this.item.text = `$(circle-slash) ${headsCount(heads.length)}`;
    this.item.tooltip = `Attention Lens: ${headsLabel(heads)} switched off (outputs zeroed) for the analysis, the live probe and ghost text. Click to change; “Attention Lens: Switch All Heads On” turns them back on.`;
    this.item.accessibilityInformation = { label: `Attention Lens: ${headsCount(heads.length)}: ${headsLabel(heads)}` };
    this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
    this.item.show();
  }
}
