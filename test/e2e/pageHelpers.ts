// Helpers the e2e harness (harness.ts, which re-exports them) builds on: polling, canvas
// pixels, the test model, text positions, and reading decorations out of the editor DOM.
import type { Frame } from 'playwright-core';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../scripts/lib/codeServer.mjs';

export interface Position { line: number; column: number } // 1-based, as VS Code's status bar shows

/** Polls `fn` until it returns a truthy value (returned) or the time runs out (throws `message`). */
export async function waitFor<T>(fn: () => Promise<T> | T, opts: { message: string; timeoutMs?: number; intervalMs?: number }): Promise<NonNullable<T>> {
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  let lastError: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value as NonNullable<T>;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message.split('\n')[0]})` : '';
      throw new Error(`timed out: ${opts.message}${why}`);
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 100));
  }
}

/** The model e2e tests use: the bundled one once model/ has it, else the smoke model. */
export function testModel(): { setting: string; path: string } {
  const bundled = path.join(repoRoot, 'model');
  if (existsSync(path.join(bundled, 'config.json'))) return { setting: 'bundled', path: bundled };
  const smoke = path.join(repoRoot, 'training', 'build', 'smoke', 'model');
  if (!existsSync(path.join(smoke, 'config.json'))) {
    throw new Error(`no model for e2e tests: neither ${bundled}/config.json nor ${smoke}/config.json (run npm run train:smoke)`);
  }
  return { setting: smoke, path: smoke };
}

/** RGBA pixels of a canvas in a frame (device pixels, as getImageData returns them). */
export async function readCanvas(frame: Frame, selector: string): Promise<{ width: number; height: number; data: Uint8Array }> {
  const { width, height, b64 } = await frame.$eval(selector, (el) => {
    const canvas = el as HTMLCanvasElement;
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('canvas has no 2d context');
    const bytes = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return { width: canvas.width, height: canvas.height, b64: btoa(s) };
  });
  return { width, height, data: new Uint8Array(Buffer.from(b64, 'base64')) };
}

export function findFile(root: string, base: string): string {
  for (const e of readdirSync(root, { withFileTypes: true })) {
    const full = path.join(root, e.name);
    if (e.isDirectory()) {
      const hit = findFile(full, base);
      if (hit) return hit;
    } else if (e.name === base) return full;
  }
  return '';
}

export function offsetToPosition(text: string, offset: number): Position {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: (before[before.length - 1] ?? '').length + 1 };
}

export function selectedLength(lines: string[], start: Position, end: Position): number {
  const text = lines.join('\n');
  const toOffset = (p: Position) => lines.slice(0, p.line - 1).reduce((n, l) => n + l.length + 1, 0) + p.column - 1;
  return text.slice(toOffset(start), toOffset(end)).length;
}

export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Runs in the page: for each `ced-*` decoration, the characters of its line whose centre it covers. */
export function decoratedTextsInEditor(editor: Element): string[] {
  const lines = [...editor.querySelectorAll('.view-lines .view-line')] as HTMLElement[];
  const charsOf = (line: HTMLElement) => {
    const out: { ch: string; x: number; y: number }[] = [];
    const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const t = n.textContent ?? '';
      for (let i = 0; i < t.length; i++) {
        const r = document.createRange();
        r.setStart(n, i);
        r.setEnd(n, i + 1);
        const b = r.getBoundingClientRect();
        out.push({ ch: t[i] === '\u00a0' ? ' ' : t[i]!, x: b.left + b.width / 2, y: b.top + b.height / 2 });
      }
    }
    return out;
  };
  const all = lines.flatMap(charsOf);
  const decorations = [...editor.querySelectorAll('[class*="ced-"]')] as HTMLElement[];
  return decorations.map((d) => {
    const b = d.getBoundingClientRect();
    return all.filter((c) => c.x >= b.left && c.x <= b.right && c.y >= b.top && c.y <= b.bottom).map((c) => c.ch).join('');
  }).filter((t) => t.length > 0);
}
