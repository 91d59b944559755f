// The host's layering, checked over the import graph of src/ and webview/ (see ARCHITECTURE.md):
//   extension.ts → commands/ → editor/ → panel/ → services/ → model/ → base/ → common/
// A file imports its own folder or folders below it; outside src/model only src/model/index.ts is
// imported; src/cli stands beside the host and uses model/, base/, common/; webview/ uses only
// itself and src/common/; common/ has no vscode or node imports, base/ and model/ no vscode; and
// there are no import cycles; no file passes 300 lines. Plain file reading and regular expressions,
// no dependency.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');

/** Host layers, deepest first: a file may import its own layer and those before it. */
const LAYERS = ['src/common', 'src/base', 'src/model', 'src/services', 'src/panel', 'src/editor', 'src/commands', 'src/extension.ts'];
/** Entry points beside the host: what each may import (besides itself). */
const SIDE: Record<string, string[]> = {
  'src/cli': ['src/model', 'src/base', 'src/common'],
  webview: ['src/common'],
};
/** External modules a folder must not import. */
const FORBIDDEN: Record<string, RegExp> = {
  'src/common': /^(vscode$|node:|onnxruntime|@xenova)/,
  'src/base': /^vscode$/,
  'src/model': /^vscode$/,
  webview: /^(vscode$|node:)/,
};

function files(dir: string): string[] {
  return readdirSync(path.join(root, dir)).flatMap((name) => {
    const rel = `${dir}/${name}`;
    if (statSync(path.join(root, rel)).isDirectory()) return files(rel);
    return /\.ts$/.test(name) && !name.endsWith('.d.ts') ? [rel] : [];
  });
}

/** Module specifiers a file imports (static, dynamic and re-exports), comments left out. */
function importsOf(file: string): string[] {
  const text = readFileSync(path.join(root, file), 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .split('\n').filter((l) => !l.trim().startsWith('//')).join('\n');
  const found: string[] = [];
  const patterns = [/(?:^|\s)(?:import|export)\s[^'"`;]*?\sfrom\s*['"]([^'"]+)['"]/g, /(?:^|\s)import\s*['"]([^'"]+)['"]/g, /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g, /\brequire\(\s*['"]([^'"]+)['"]\s*\)/g];
  for (const re of patterns) for (const m of text.matchAll(re)) found.push(m[1]!);
  return found;
}

/** The repository-relative file a relative specifier names. */
function resolveImport(from: string, spec: string): string {
  const base = path.join(path.dirname(from), spec);
  for (const candidate of [base, `${base}.ts`, `${base}/index.ts`]) {
    if (existsSync(path.join(root, candidate)) && statSync(path.join(root, candidate)).isFile()) return candidate.split(path.sep).join('/');
  }
  throw new Error(`${from}: cannot resolve '${spec}'`);
}

/** The layer or side entry a file belongs to. */
function areaOf(file: string): string {
  const all = [...LAYERS, ...Object.keys(SIDE)];
  const hit = all.find((a) => file === a || file.startsWith(`${a}/`));
  if (!hit) throw new Error(`${file} is in no layer: add its folder to LAYERS or SIDE (and to ARCHITECTURE.md)`);
  return hit;
}

function mayImport(fromArea: string, toArea: string): boolean {
  if (fromArea === toArea) return true;
  if (SIDE[fromArea]) return SIDE[fromArea]!.includes(toArea);
  const from = LAYERS.indexOf(fromArea), to = LAYERS.indexOf(toArea);
  return to >= 0 && to < from;
}

const sources = [...files('src'), ...files('webview')];
const graph = new Map<string, string[]>();
const problems: string[] = [];
for (const file of sources) {
  const area = areaOf(file);
  const edges: string[] = [];
  for (const spec of importsOf(file)) {
    if (!spec.startsWith('.')) {
      if (FORBIDDEN[area]?.test(spec)) problems.push(`${file} imports '${spec}', which ${area}/ must not use`);
      continue;
    }
    const target = resolveImport(file, spec);
    edges.push(target);
    const to = areaOf(target);
    if (!mayImport(area, to)) problems.push(`${file} imports ${target}: ${area} may not import ${to} (upward or across)`);
    else if (to === 'src/model' && area !== 'src/model' && target !== 'src/model/index.ts') problems.push(`${file} imports ${target}: outside src/model import src/model/index.ts only`);
  }
  graph.set(file, edges);
}

/** Every import cycle, as the list of files around it. */
function cycles(): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (f: string): void => {
    state.set(f, 'open');
    stack.push(f);
    for (const g of graph.get(f) ?? []) {
      if (state.get(g) === 'open') found.push([...stack.slice(stack.indexOf(g)), g]);
      else if (!state.has(g)) visit(g);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of graph.keys()) if (!state.has(f)) visit(f);
  return found;
}

test('the import graph was read: every layer has files and imports resolve', () => {
  for (const layer of LAYERS) assert.ok(sources.some((f) => areaOf(f) === layer), `no files in ${layer}`);
  assert.ok([...graph.values()].flat().length > 100, 'too few imports found: the reader is broken');
});

test('no upward or cross-layer import, no deep import into src/model, no forbidden module', () => {
  assert.deepEqual(problems, []);
});

test('no import cycles', () => {
  assert.deepEqual(cycles().map((c) => c.join(' → ')), []);
});

test('no source file over 300 lines (split where it divides)', () => {
  const long = sources.map((f) => [f, readFileSync(path.join(root, f), 'utf8').replace(/\n$/, '').split('\n').length] as const).filter(([, n]) => n > 300);
  assert.deepEqual(long, []);
});

test('the rules catch what they are for', () => {
  assert.equal(mayImport('src/panel', 'src/editor'), false, 'upward');
  assert.equal(mayImport('src/editor', 'src/panel'), true, 'downward');
  assert.equal(mayImport('src/cli', 'src/services'), false, 'across');
  assert.equal(mayImport('webview', 'src/model'), false);
  assert.equal(mayImport('src/common', 'src/base'), false);
  assert.deepEqual(importsOf('src/extension.ts').filter((s) => s.startsWith('./commands/')).length > 0, true);
});
