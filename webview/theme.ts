// Colours from the active VS Code theme (CSS variables on the page), and palettes for drawing.
import { COLORBLIND_STOPS, buildPalette, paletteToPixels, parseCssColour, weightIndexTable, type Rgb, type ScaleName } from '../src/common/colour';

export interface Theme {
  kind: 'light' | 'dark' | 'high-contrast' | 'high-contrast-light';
  background: Rgb;
  foreground: Rgb;
  accent: Rgb;
  /** Outline for focus/selection (focusBorder; contrastBorder in high contrast). */
  focus: Rgb;
}

function cssVar(name: string): string {
  return getComputedStyle(document.body).getPropertyValue(name) || getComputedStyle(document.documentElement).getPropertyValue(name);
}

function colourVar(names: string[], fallback: Rgb): Rgb {
  for (const n of names) {
    const c = parseCssColour(cssVar(n));
    if (c) return c;
  }
  return fallback;
}

/** Reads the theme from body classes and --vscode-* variables (VS Code sets both). */
export function readTheme(): Theme {
  const cl = document.body.classList;
  const kind: Theme['kind'] = cl.contains('vscode-high-contrast-light') ? 'high-contrast-light'
    : cl.contains('vscode-high-contrast') ? 'high-contrast'
    : cl.contains('vscode-light') ? 'light' : 'dark';
  const light = kind === 'light' || kind === 'high-contrast-light';
  const background = colourVar(['--vscode-editor-background'], light ? [255, 255, 255] : [30, 30, 30]);
  const foreground = colourVar(['--vscode-editor-foreground', '--vscode-foreground'], light ? [0, 0, 0] : [212, 212, 212]);
  const accent = colourVar(['--vscode-charts-blue', '--vscode-focusBorder', '--vscode-textLink-foreground'], light ? [0, 90, 180] : [55, 148, 255]);
  const focus = colourVar(kind.startsWith('high-contrast') ? ['--vscode-contrastActiveBorder', '--vscode-focusBorder'] : ['--vscode-focusBorder'], foreground);
  return { kind, background, foreground, accent, focus };
}

/** Theme scale: from the editor background (weight 0) to the theme's accent colour (weight 1). */
export function scaleStops(scale: ScaleName, theme: Theme): Rgb[] {
  return scale === 'colorblind' ? COLORBLIND_STOPS : [theme.background, theme.accent];
}

export interface Palette {
  colours: Rgb[];
  /** Same colours as ImageData pixels (Uint32, little-endian RGBA). */
  pixels: Uint32Array;
  /** Quantised weight → palette index, for the current linear/log choice. */
  index: Uint8Array;
}

const indexTables = new Map<boolean, Uint8Array>();

export function makePalette(scale: ScaleName, theme: Theme, log: boolean): Palette {
  const colours = buildPalette(scaleStops(scale, theme));
  let index = indexTables.get(log);
  if (!index) { index = weightIndexTable(log); indexTables.set(log, index); }
  return { colours, pixels: paletteToPixels(colours), index };
}

export function rgbCss([r, g, b]: Rgb, alpha = 1): string {
  return alpha >= 1 ? `rgb(${r}, ${g}, ${b})` : `rgba(${r}, ${g}, ${b}, ${alpha})`;
}

/** Calls `onChange` when VS Code switches theme (body class or the injected variables change). */
export function watchTheme(onChange: () => void): void {
  const observer = new MutationObserver(() => onChange());
  observer.observe(document.body, { attributes: true, attributeFilter: ['class', 'style'] });
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['class', 'style'] });
}

/** Distinct colours for heads in the head view: evenly spaced hues, lightness set for the theme. */
export function headColour(head: number, nHeads: number, theme: Theme): string {
  const hue = Math.round((head * 360) / Math.max(1, nHeads) + 200) % 360;
  const light = theme.kind === 'light' || theme.kind === 'high-contrast-light';
  return `hsl(${hue}, 75%, ${light ? 38 : 62}%)`;
}
