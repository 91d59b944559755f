// `npm run package` makes a VSIX that holds exactly the run-time files; installed into a real
// VS Code with --install-extension, it runs an analysis that matches the CLI's.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launchVSCode, repoRoot, testModel, waitFor, type VSCodeSession } from './harness';
import { cliAnalyze } from './cli';
import { nextTokens, waitForAnalysis } from './panel';
import { visibleToken, withoutInvisible } from '../../src/common/tokenText';

const target = `${process.platform}-${process.arch}`;
const model = testModel();
const outDir = mkdtempSync(path.join(os.tmpdir(), 'attention-lens-vsix-'));
const vsix = path.join(outDir, `attention-lens-${target}.vsix`);
let entries: string[] = [];
let vs: VSCodeSession | undefined;

before(() => {
  execFileSync(process.execPath, [path.join(repoRoot, 'scripts', 'package.mjs'), '--target', target, '--out', vsix], { cwd: repoRoot, stdio: 'inherit' });
  const list = execFileSync('/usr/bin/python3', ['-c', 'import sys, zipfile; print("\\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))', vsix], { encoding: 'utf8' });
  entries = list.split('\n').filter(Boolean);
});

after(async () => {
  await vs?.close();
  rmSync(outDir, { recursive: true, force: true });
});

test('the VSIX holds the bundles, the panel assets, ONNX Runtime for this platform only, and nothing else', () => {
  const files = entries.filter((e) => e.startsWith('extension/')).map((e) => e.slice('extension/'.length));
  for (const need of ['package.json', 'dist/extension.js', 'dist/modelWorker.js', 'dist/webview.js', 'media/panel.css',
    `node_modules/onnxruntime-node/bin/napi-v3/${process.platform}/${process.arch}/onnxruntime_binding.node`,
    'node_modules/onnxruntime-node/dist/index.js', 'node_modules/onnxruntime-common/dist/ort-common.node.js']) {
    assert.ok(files.includes(need), `the VSIX has ${need}`);
  }
  if (existsSync(path.join(repoRoot, 'model', 'config.json'))) {
    for (const need of ['model/config.json', 'model/tokenizer.json']) assert.ok(files.includes(need), `the VSIX has ${need}`);
    assert.ok(files.some((f) => /^model\/onnx\/.+\.onnx$/.test(f)), 'the VSIX has the bundled ONNX model');
  }
  const strays = files.filter((f) => /\.(map|ts)$/.test(f) || /^(src|test|training|scripts|webview|bench|sample)\//.test(f)
    || (f.includes('/bin/napi-v3/') && !f.includes(`/bin/napi-v3/${process.platform}/${process.arch}/`)));
  assert.deepEqual(strays, [], 'no sources, maps, tests or other platforms\' binaries');
  const mib = statSync(vsix).size / 1024 / 1024;
  console.log(`# VSIX ${path.basename(vsix)}: ${mib.toFixed(1)} MiB, ${files.length} files`);
  assert.ok(mib < 60, `the VSIX is ${mib.toFixed(1)} MiB`);
});

test('installed with --install-extension, the VSIX analyses a selection like the CLI does', async () => {
  vs = await launchVSCode({ name: 'vsix', install: { vsix }, settings: { 'attentionLens.model': model.setting } });
  const installed = readdirSync(vs.extensionsDir).filter((d) => d.startsWith('attention-lens.attention-lens-'));
  assert.equal(installed.length, 1, `one installed copy: ${installed.join(', ')}`);
  const folder = path.join(vs.extensionsDir, installed[0]!);
  assert.ok(!lstatSync(folder).isSymbolicLink(), 'a real installed copy, not a link to the working tree');
  assert.ok(existsSync(path.join(folder, 'node_modules', 'onnxruntime-node', 'package.json')));

  const text = 'def fibonacci(n):\n    """Return the first n Fibonacci numbers."""';
  const ref = cliAnalyze(model.path, text);
  await vs.openFile('fibonacci.py');
  await vs.selectText(text);
  await vs.runCommand('Attention Lens: Inspect Selection');
  const frame = await waitForAnalysis(vs, ref.tokens.length);
  const shown = await nextTokens(frame);
  assert.equal(shown[0]!.token, withoutInvisible(visibleToken(ref.next[0]!.token)));
  await waitFor(() => /_doActivateExtension attention-lens\.attention-lens/.test(vs!.extensionHostLog()), { message: 'activation in the log' });
  await vs.screenshot('vsix-inspect');
});
