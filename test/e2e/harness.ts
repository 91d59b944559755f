/**
 * End-to-end harness: a real VS Code (code-server, extension host on Node) driven through a real
 * browser (Debian chromium via playwright-core). Every session gets a free port, fresh user-data
 * and extensions folders and a fresh copy of sample/ as its workspace; all are removed on close.
 *
 *   const vs = await launchVSCode({ name: 'inspect', settings: { 'attentionLens.model': dir } });
 *   await vs.openFile('notes.md');                  // quick open; waits for the editor
 *   await vs.selectText('quick brown fox');         // or vs.selectRange({line,column}, {line,column}) (1-based)
 *   await vs.runCommand('Attention Lens: Inspect Selection');   // F1 + title
 *   await vs.runContextMenu('Inspect Selection');   // right-click the selection
 *   const frame = await vs.webviewFrame('canvas');  // the webview document holding that selector
 *   const img = await readCanvas(frame, 'canvas');  // { width, height, data: RGBA bytes }
 *   await vs.decoratedTexts();                      // editor text under extension decorations
 *   await vs.waitForNotification(/no selection/i);  // a toast's text; vs.clearNotifications()
 *   await vs.updateSettings({ ... });               // workspace .vscode/settings.json, applied live but
 *                                                   // asynchronously: poll for the effect (re-trigger hovers)
 *   await vs.screenshot('panel');                   // test-artifacts/e2e/<name>/panel.png
 *   await vs.close();                               // stops browser + server, removes temp dirs
 *   await waitFor(async () => ..., { message, timeoutMs });   // polling, never fixed sleeps
 * `install: { vsix }` installs a packaged VSIX instead of laying out the working tree (needs no build);
 * `install: { folder }` links a ready extension folder named <publisher>.<name>-<version>;
 * `install: 'none'` installs nothing (e.g. with a `payload` naming an extensionDevelopmentPath).
 * `payload` is passed to the workbench URL (development path, extension tests path); `env` to the server.
 * Otherwise `npm run build` must have run (test-all does it). testModel() says which model to use.
 */
import { chromium, type Browser, type Frame, type Page } from 'playwright-core';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  codeServerCli, layoutExtension, repoRoot, startCodeServer, writeUserSettings, type RunningCodeServer,
} from '../../scripts/lib/codeServer.mjs';
import {
  decoratedTextsInEditor, escapeRegExp, findFile, offsetToPosition, selectedLength, waitFor, type Position,
} from './pageHelpers';

export { offsetToPosition, readCanvas, testModel, waitFor, type Position } from './pageHelpers';
export { repoRoot };
export const artifactsRoot = path.join(repoRoot, 'test-artifacts', 'e2e');
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-dev-shm-usage'];

export interface LaunchOptions {
  /** Names the artefact folder; keep it unique per test file. */
  name: string;
  /** Extra user settings (merged over the quiet defaults). */
  settings?: Record<string, unknown>;
  /** Folder copied as the workspace (default: sample/). */
  workspaceSource?: string;
  /** Install this VSIX with `--install-extension` instead of linking the working tree. */
  install?: { vsix: string } | { folder: string } | 'none';
  /** Workbench URL `payload` entries, e.g. [['extensionDevelopmentPath', dir], ['extensionTestsPath', file]]; absolute paths become this server's vscode-remote:// URIs. */
  payload?: [string, string][];
  /** Extra environment for code-server and its extension host. */
  env?: Record<string, string>;
}

export class VSCodeSession {
  private constructor(
    readonly name: string,
    readonly page: Page,
    readonly workspace: string,
    readonly userDataDir: string,
    readonly extensionsDir: string,
    readonly artifacts: string,
    private readonly browser: Browser,
    private readonly server: RunningCodeServer,
    private readonly tempRoot: string,
  ) {}

  private workspaceSettings: Record<string, unknown> = {};

  static async launch(opts: LaunchOptions): Promise<VSCodeSession> {
    const tempRoot = mkdtempSync(path.join(os.tmpdir(), `attention-lens-e2e-${opts.name}-`));
    const userDataDir = path.join(tempRoot, 'user-data');
    const extensionsDir = path.join(tempRoot, 'extensions');
    const workspace = path.join(tempRoot, 'workspace');
    const artifacts = path.join(artifactsRoot, opts.name);
    rmSync(artifacts, { recursive: true, force: true });
    mkdirSync(artifacts, { recursive: true });
    mkdirSync(extensionsDir, { recursive: true });
    cpSync(opts.workspaceSource ?? path.join(repoRoot, 'sample'), workspace, { recursive: true });
    // No word wrap: selectRange moves by lines with the keyboard, which wrap would turn into screen rows.
    writeUserSettings(userDataDir, { 'editor.wordWrap': 'off', '[markdown]': { 'editor.wordWrap': 'off' }, ...opts.settings });
    if (opts.install === 'none') { /* nothing to install */ } else if (opts.install && 'vsix' in opts.install) await codeServerCli(['--install-extension', opts.install.vsix], { extensionsDir, userDataDir });
    else if (opts.install) symlinkSync(opts.install.folder, path.join(extensionsDir, path.basename(opts.install.folder)));
    else layoutExtension(extensionsDir);
    const server = await startCodeServer({ folder: workspace, extensionsDir, userDataDir, logFile: path.join(artifacts, 'code-server.log'), env: opts.env });
    let browser: Browser | undefined;
    try {
      browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
      const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
      // tsx compiles tests with keepNames, so functions passed to evaluate() call __name(); give every frame one.
      await page.addInitScript('globalThis.__name = globalThis.__name || ((f) => f);');
      // Two shared cores and a training run: give every action room before calling it a failure.
      page.setDefaultTimeout(60_000);
      const session = new VSCodeSession(opts.name, page, workspace, userDataDir, extensionsDir, artifacts, browser, server, tempRoot);
      await session.openWorkbench(opts.payload);
      return session;
    } catch (err) {
      await browser?.close();
      await server.stop();
      throw err;
    }
  }

  /** The `vscode-remote://` URI of a path on this server (for payload entries). */
  remoteUri(fsPath: string): string {
    return `vscode-remote://127.0.0.1:${this.server.port}${fsPath}`;
  }

  private async openWorkbench(payload?: [string, string][]): Promise<void> {
    const entries = payload?.map(([k, v]) => [k, v.startsWith('/') ? this.remoteUri(v) : v]);
    const extra = entries ? `&payload=${encodeURIComponent(JSON.stringify(entries))}` : '';
    await this.page.goto(`${this.server.url}/?folder=${encodeURIComponent(this.workspace)}${extra}`, { waitUntil: 'domcontentloaded', timeout: 120_000 });
    await this.page.locator('.monaco-workbench').waitFor({ timeout: 120_000 });
    // The explorer lists the workspace once the remote file system is connected.
    await this.page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: 120_000 });
  }

  /** Runs a command by its full palette title ("Category: Title") from F1. */
  async runCommand(title: string): Promise<void> {
    const row = await this.findCommandRow(title, 60_000);
    if (!row) throw new Error(`the Command Palette has no "${title}"`);
    await row.click();
    await this.page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
  }

  /** Whether the Command Palette lists a command with exactly this title (waits up to timeoutMs). */
  async hasCommand(title: string, timeoutMs = 60_000): Promise<boolean> {
    const row = await this.findCommandRow(title, timeoutMs);
    await this.page.keyboard.press('Escape');
    return row !== undefined;
  }

  /** Opens F1 and filters for `title`; reopens until listed, since extensions register late after load. */
  private async findCommandRow(title: string, timeoutMs: number) {
    const row = this.page.locator('.quick-input-list .monaco-list-row').filter({
      has: this.page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(title)}$`) }),
    }).first();
    const found = await waitFor(async () => {
      const input = await this.openQuickInput('F1');
      await input.fill(`>${title}`);
      if (await row.waitFor({ timeout: 5_000 }).then(() => true, () => false)) return true;
      await this.page.keyboard.press('Escape');
      return false;
    }, { message: `"${title}" in the Command Palette`, timeoutMs }).catch(() => false);
    if (!found) {
      await this.screenshot(`no-command-${title.replace(/\W+/g, '-')}`);
      return undefined;
    }
    return row;
  }

  /** Opens a workspace file by its relative path through Quick Open and waits for its editor. */
  async openFile(relPath: string): Promise<void> {
    const input = await this.openQuickInput('Control+P');
    await input.fill(relPath);
    const base = path.basename(relPath);
    const row = this.page.locator('.quick-input-list .monaco-list-row', { hasText: base }).first();
    await row.waitFor({ timeout: 60_000 });
    await input.press('Enter');
    await this.page.locator(`.tab.active[data-resource-name="${base}"]`).waitFor({ timeout: 30_000 });
    await this.page.locator('.editor-instance .monaco-editor .view-lines').first().waitFor();
  }

  /** Selects [start, end) in the active editor with the keyboard and checks the status bar count (`lines`: the file as the caller read it). */
  async selectRange(start: Position, end: Position, lines?: string[]): Promise<void> {
    // One reading of the file for the positions and the count: a second one can meet a save half-written (seen in a clean-clone CI run: an empty read, so 0 selected expected).
    lines ??= await this.activeFileLines();
    await this.goTo(start);
    const kb = this.page.keyboard;
    await kb.down('Shift');
    try {
      for (let l = start.line; l < end.line; l++) await kb.press('ArrowDown');
      if (end.line !== start.line) {
        await kb.press('End');
        const endLine = [...(lines[end.line - 1] ?? '')];
        for (let i = endLine.length; i > end.column - 1; i--) await kb.press('ArrowLeft');
      } else {
        for (let c = start.column; c < end.column; c++) await kb.press('ArrowRight');
      }
    } finally {
      await kb.up('Shift');
    }
    const expected = selectedLength(lines, start, end);
    await waitFor(async () => (await this.statusSelection()).includes(`(${expected} selected)`), {
      message: `status bar to show ${expected} selected characters (shows "${await this.statusSelection()}")`,
      timeoutMs: 15_000,
    });
  }

  /** Selects the first occurrence (or the `nth`) of `text` in the active editor's file. */
  async selectText(text: string, nth = 0): Promise<void> {
    // Right after a save or a dismissed widget the active tab, or the file behind it, can lag for a
    // moment (seen once in a clean-clone CI run): look again until the text is there.
    const { content, at } = await waitFor(async () => {
      const content = (await this.activeFileLines()).join('\n');
      let at = -1;
      for (let i = 0; i <= nth; i++) at = content.indexOf(text, at + 1);
      return at >= 0 ? { content, at } : undefined;
    }, { message: `"${text}" in the active file (${await this.page.locator('.tab.active').first().getAttribute('data-resource-name').catch(() => null)})`, timeoutMs: 10_000 });
    await this.selectRange(offsetToPosition(content, at), offsetToPosition(content, at + text.length), content.split('\n'));
  }

  /** Puts the cursor at a position (no selection) through Go to Line/Column. */
  async goTo(pos: Position): Promise<void> {
    const input = await this.openQuickInput('Control+G');
    await input.fill(`:${pos.line}:${pos.column}`);
    await input.press('Enter');
    await this.page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
    await waitFor(async () => (await this.statusSelection()).startsWith(`Ln ${pos.line}, Col ${pos.column}`), {
      message: `cursor at Ln ${pos.line}, Col ${pos.column}`, timeoutMs: 15_000,
    });
  }

  /** The status bar's cursor/selection text, e.g. "Ln 3, Col 5 (12 selected)". */
  async statusSelection(): Promise<string> {
    const item = this.page.locator('[id="status.editor.selection"]');
    return ((await item.textContent({ timeout: 5_000 })) ?? '').trim();
  }

  /** Right-clicks the editor selection and picks a context-menu item by its label. */
  async runContextMenu(label: string): Promise<void> {
    // The selection layer lies under the text layer, and a long line may be scrolled: right-click
    // the centre of a selected piece that is inside the editor's visible area.
    const point = await waitFor(() => this.page.locator('.editor-instance .monaco-editor').first().evaluate((editor) => {
      const view = editor.querySelector('.monaco-scrollable-element')?.getBoundingClientRect();
      if (!view) return undefined;
      for (const piece of editor.querySelectorAll('.selected-text')) {
        const r = piece.getBoundingClientRect();
        const left = Math.max(r.left, view.left), right = Math.min(r.right, view.right);
        const top = Math.max(r.top, view.top), bottom = Math.min(r.bottom, view.bottom);
        if (right - left >= 4 && bottom - top >= 4) return { x: (left + right) / 2, y: (top + bottom) / 2 };
      }
      return undefined;
    }), { message: 'a visible piece of the selection', timeoutMs: 15_000 });
    await this.page.mouse.click(point.x, point.y, { button: 'right' });
    const item = this.page.locator('.monaco-menu .action-item', { has: this.page.locator('.action-label', { hasText: new RegExp(`^${escapeRegExp(label)}$`) }) }).first();
    await item.waitFor({ timeout: 20_000 });
    // Menus ignore a mouse-up that comes too soon after opening; hover to focus the item, then Enter.
    await item.hover();
    await waitFor(async () => (await item.getAttribute('class'))?.includes('focused'), { message: `"${label}" focused in the menu`, timeoutMs: 15_000 });
    await this.page.keyboard.press('Enter');
    await this.page.locator('.monaco-menu').waitFor({ state: 'hidden', timeout: 20_000 });
  }

  /** The webview document (a nested frame) that contains `selector`, polled until it appears. */
  async webviewFrame(selector: string, timeoutMs = 60_000): Promise<Frame> {
    return waitFor(async () => {
      for (const frame of this.page.frames()) {
        if (frame === this.page.mainFrame() || frame.isDetached()) continue;
        if (await frame.$(selector).catch(() => null)) return frame;
      }
      return undefined;
    }, { message: `a webview frame containing ${selector}`, timeoutMs });
  }

  /** Texts of the notification toasts now visible. */
  async notifications(): Promise<string[]> {
    return this.page.locator('.notifications-toasts .notification-list-item-message').allTextContents();
  }

  async waitForNotification(pattern: RegExp, timeoutMs = 45_000): Promise<string> {
    return waitFor(async () => (await this.notifications()).find((t) => pattern.test(t)), {
      message: `a notification matching ${pattern} (visible: ${JSON.stringify(await this.notifications().catch(() => []))})`,
      timeoutMs,
    });
  }

  /** Dismisses every notification (so a later wait cannot match an old one). */
  async clearNotifications(): Promise<void> {
    await this.runCommand('Notifications: Clear All Notifications');
    await waitFor(async () => (await this.notifications()).length === 0, { message: 'notifications to clear', timeoutMs: 15_000 });
  }

  /** Text covered by each extension decoration (`ced-*` classes) in the visible editor lines. */
  async decoratedTexts(): Promise<string[]> {
    return this.page.locator('.editor-instance .monaco-editor').first().evaluate(decoratedTextsInEditor);
  }

  /**
   * Merges `extra` into the workspace's .vscode/settings.json, which VS Code watches and applies
   * live (it does not notice edits to the user settings file made behind its back).
   */
  async updateSettings(extra: Record<string, unknown>): Promise<void> {
    this.workspaceSettings = { ...this.workspaceSettings, ...extra };
    const file = path.join(this.workspace, '.vscode', 'settings.json');
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(this.workspaceSettings, null, 2) + '\n');
  }

  /**
   * Runs "Attention Lens: Show Diagnostics", which ends the extension's current measurement window,
   * and reads the report it writes (`label` names the window in a timeout message).
   */
  async readDiagnostics<T>(label = 'diagnostics'): Promise<T> {
    const mtime = () => { const f = findFile(this.userDataDir, 'diagnostics.json'); return f ? statSync(f).mtimeMs : -1; };
    const before = mtime();
    await this.runCommand('Attention Lens: Show Diagnostics');
    await waitFor(() => mtime() > before, { message: `diagnostics.json written (${label})` });
    return JSON.parse(readFileSync(findFile(this.userDataDir, 'diagnostics.json'), 'utf8')) as T;
  }

  /** Everything the extension host logged so far (activation, errors, console output). */
  extensionHostLog(): string {
    const logs = path.join(this.userDataDir, 'logs');
    if (!existsSync(logs)) return '';
    const out: string[] = [];
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, e.name);
        if (e.isDirectory()) walk(full);
        else if (/exthost\.log$/.test(e.name)) out.push(readFileSync(full, 'utf8'));
      }
    };
    walk(logs);
    return out.join('\n');
  }

  async screenshot(name: string): Promise<string> {
    const file = path.join(this.artifacts, `${name}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  async close(): Promise<void> {
    await this.screenshot('final').catch(() => undefined);
    writeFileSync(path.join(this.artifacts, 'exthost.log'), this.extensionHostLog());
    await this.browser.close().catch(() => undefined);
    await this.server.stop();
    rmSync(this.tempRoot, { recursive: true, force: true });
  }

  private async openQuickInput(key: string) {
    const input = this.page.locator('.quick-input-widget .quick-input-box input');
    // A key can land before the workbench binds it; press again until the widget shows.
    await waitFor(async () => {
      if (!(await input.isVisible())) await this.page.keyboard.press(key);
      return input.isVisible();
    }, { message: `quick input to open with ${key}`, timeoutMs: 30_000, intervalMs: 500 });
    return input;
  }

  /** The active editor's file, read from disk (tests select in files they have not edited). */
  private async activeFileLines(): Promise<string[]> {
    const name = await this.page.locator('.tab.active').first().getAttribute('data-resource-name');
    if (!name) throw new Error('no active editor tab');
    const file = findFile(this.workspace, name);
    return readFileSync(file, 'utf8').split(/\r?\n/);
  }
}

export const launchVSCode = (opts: LaunchOptions) => VSCodeSession.launch(opts);
