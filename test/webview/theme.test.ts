// Light, dark and high-contrast themes: the heatmap follows the theme's variables when VS Code switches.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { launch, openPanel, patterned, type PanelPage } from './harness';
import { contrast, parseCssColour, type Rgb } from '../../src/common/colour';
import { THEMES, type ThemeName } from './themes';

let browser: Browser;
let p: PanelPage;
before(async () => {
  browser = await launch();
  p = await openPanel(browser, { theme: 'light' });
  await p.load(patterned(['x', ' =', ' 1', ';']));
  await p.waitHeatmap();
});
after(async () => { await browser?.close(); });

const hex = (name: ThemeName, v: string) => parseCssColour(THEMES[name].vars[v])!;

async function expectTheme(name: ThemeName): Promise<void> {
  assert.equal(await p.page.evaluate(() => document.body.className), THEMES[name].bodyClass);
  // Previous-token head: (2, 1) = 1 → accent, (2, 2) = 0 → background.
  assert.deepEqual(await p.heatmapCell(2, 1), hex(name, '--vscode-charts-blue'));
  assert.deepEqual(await p.heatmapCell(2, 2), hex(name, '--vscode-editor-background'));
  // Readable: weight 1 stands out from weight 0, and the page text from the page.
  assert.ok(contrast(hex(name, '--vscode-charts-blue'), hex(name, '--vscode-editor-background')) >= 3);
  const [fg, bg] = await p.page.evaluate(() => [getComputedStyle(document.body).color, getComputedStyle(document.body).backgroundColor]);
  assert.ok(contrast(parseCssColour(fg) as Rgb, parseCssColour(bg) as Rgb) >= 4.5, `${fg} on ${bg}`);
}

test('light theme at load', async () => {
  await expectTheme('light');
});

test('switching to high contrast redraws with its colours', async () => {
  await p.page.evaluate(() => (window as any).__fakeHost.setTheme('high-contrast'));
  await p.page.waitForFunction(() => {
    const c = document.querySelector('canvas.heatmap-base') as HTMLCanvasElement;
    const cell = Number(c.dataset.cell), x0 = Number(c.dataset.plotX), y0 = Number(c.dataset.plotY);
    return c.getContext('2d')!.getImageData(x0 + 2.5 * cell, y0 + 2.5 * cell, 1, 1).data[0] === 0;
  });
  await expectTheme('high-contrast');
  // High contrast: focus outlines use the contrast border colour.
  const outline = await p.page.evaluate(() => {
    const el = document.querySelector('.heatmap-overlay') as HTMLElement;
    el.focus();
    return getComputedStyle(el).outlineColor;
  });
  assert.deepEqual(parseCssColour(outline), hex('high-contrast', '--vscode-contrastActiveBorder'));
});

test('and back to dark', async () => {
  await p.page.evaluate(() => (window as any).__fakeHost.setTheme('dark'));
  await p.page.waitForFunction(() => {
    const c = document.querySelector('canvas.heatmap-base') as HTMLCanvasElement;
    const cell = Number(c.dataset.cell), x0 = Number(c.dataset.plotX), y0 = Number(c.dataset.plotY);
    return c.getContext('2d')!.getImageData(x0 + 2.5 * cell, y0 + 2.5 * cell, 1, 1).data[0] === 0x1e;
  });
  await expectTheme('dark');
  assert.deepEqual(p.errors, []);
});

test('a high-DPI screen draws at device resolution with the same cells', async () => {
  const hi = await openPanel(browser, { scale: 2 });
  await hi.load(patterned(['x', ' =', ' 1', ';']));
  await hi.waitHeatmap();
  const ratio = await hi.page.evaluate(() => { const c = document.querySelector('canvas.heatmap-base') as HTMLCanvasElement; return c.width / c.clientWidth; });
  assert.equal(ratio, 2);
  assert.deepEqual(await hi.heatmapCell(2, 1), hex('dark', '--vscode-charts-blue'));
  assert.deepEqual(await hi.heatmapCell(2, 2), hex('dark', '--vscode-editor-background'));
  await hi.page.context().close();
});
