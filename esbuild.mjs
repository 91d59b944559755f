// Builds four bundles: the extension host (Node, CommonJS), its model worker, the CLI (Node) and the
// webview (browser). `--watch` rebuilds on change.
import * as esbuild from 'esbuild';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(fileURLToPath(import.meta.url));
const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

// transformers.js reads import.meta.url at load time; a CommonJS bundle must supply it.
const importMetaBanner = "const __importMetaUrl = require('url').pathToFileURL(__filename).href;";

/** transformers.js imports sharp and onnxruntime-web eagerly; we use neither (no images, Node backend). */
const stubUnused = {
  name: 'stub-unused',
  setup(build) {
    build.onResolve({ filter: /^(sharp|onnxruntime-web)$/ }, (args) => ({ path: args.path, namespace: 'stub' }));
    build.onLoad({ filter: /.*/, namespace: 'stub' }, (args) => ({
      contents: args.path === 'sharp' ? 'module.exports = function sharp() { throw new Error("images are not supported"); };' : 'module.exports = {};',
      loader: 'js',
    }));
  },
};

const nodeCommon = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node18',
  sourcemap: !production,
  minify: production,
  external: ['vscode', 'onnxruntime-node'],
  define: { 'import.meta.url': '__importMetaUrl' },
  banner: { js: importMetaBanner },
  plugins: [stubUnused],
  logLevel: 'info',
};

const configs = [
  { ...nodeCommon, entryPoints: [path.join(root, 'src/extension.ts')], outfile: path.join(root, 'dist/extension.js') },
  // The worker thread that owns the extension's ONNX sessions (src/model/worker), beside extension.js.
  { ...nodeCommon, entryPoints: [path.join(root, 'src/model/worker/main.ts')], outfile: path.join(root, 'dist/modelWorker.js') },
  {
    ...nodeCommon,
    entryPoints: [path.join(root, 'src/cli/main.ts')],
    outfile: path.join(root, 'dist/cli.js'),
    banner: { js: '#!/usr/bin/env node\n' + importMetaBanner },
  },
  {
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    sourcemap: !production,
    minify: production,
    entryPoints: [path.join(root, 'webview/main.ts')],
    outfile: path.join(root, 'dist/webview.js'),
    logLevel: 'info',
  },
];

if (watch) {
  const contexts = await Promise.all(configs.map((c) => esbuild.context(c)));
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  await Promise.all(configs.map((c) => esbuild.build(c)));
}
