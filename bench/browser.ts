// Headless Chromium with the panel's webview bundle loaded in a plain page: a stand-in for
// the VS Code webview (acquireVsCodeApi recorded, messages posted with window.postMessage).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'];

/** The page's stand-in for the VS Code webview API: posted messages and state are kept on window. */
const FAKE_VSCODE_API = `
  window.__posted = [];
  let state = undefined;
  window.acquireVsCodeApi = () => ({
    postMessage: (m) => { window.__posted.push(m); },
    getState: () => state,
    setState: (s) => { state = s; return s; },
  });
`;

export interface WebviewPage {
  browser: Browser;
  page: Page;
  close(): Promise<void>;
}

/** Bundles the webview with the timing hooks (bench/webview/entry.ts) as esbuild.mjs bundles the product's, so the benchmark always measures the current source. */
export async function bundleWebview(repoRoot: string): Promise<string> {
  const outfile = path.join(repoRoot, 'bench/.build/webview.js');
  await esbuild.build({
    entryPoints: [path.join(repoRoot, 'bench/webview/entry.ts')],
    outfile,
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    logLevel: 'silent',
  });
  return outfile;
}

export async function openWebview(bundle: string, repoRoot: string, chromiumPath: string, viewport = { width: 1400, height: 1000 }): Promise<WebviewPage> {
  const css = path.join(repoRoot, 'media/panel.css');
  const browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_FLAGS });
  try {
    const page = await browser.newPage({ viewport });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // A dark-theme body, as VS Code gives the webview (class + a few theme variables).
    await page.setContent(
      `<!doctype html><html><head><meta charset="utf-8">${existsSync(css) ? `<style>${readFileSync(css, 'utf8')}</style>` : ''}</head>` +
        `<body class="vscode-dark" style="--vscode-editor-background:#1e1e1e;--vscode-editor-foreground:#d4d4d4;--vscode-focusBorder:#007fd4"></body></html>`,
    );
    await page.addScriptTag({ content: FAKE_VSCODE_API });
    await page.addScriptTag({ content: readFileSync(bundle, 'utf8') });
    if (errors.length) throw new Error(`the webview bundle threw: ${errors[0]}`);
    return { browser, page, close: () => browser.close() };
  } catch (err) {
    await browser.close();
    throw err;
  }
}
