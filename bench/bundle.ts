// Bundles a bench child script the way esbuild.mjs bundles the extension host (CommonJS, ONNX
// Runtime external, unused modules stubbed) into bench/.build/, with the model worker beside it (a
// bundled loadModelInWorker looks for modelWorker.js next to itself).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';

const options = (entry: string, outfile: string): esbuild.BuildOptions => ({
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node18',
  external: ['vscode', 'onnxruntime-node'],
  define: { 'import.meta.url': '__importMetaUrl' },
  banner: { js: "const __importMetaUrl = require('url').pathToFileURL(__filename).href;" },
  plugins: [
    {
      name: 'stub-unused',
      setup(build) {
        build.onResolve({ filter: /^(sharp|onnxruntime-web)$/ }, (a) => ({ path: a.path, namespace: 'stub' }));
        build.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({ contents: 'module.exports = {};', loader: 'js' }));
      },
    },
  ],
  logLevel: 'silent',
});

/** bench/.build/<name>.js from `entry` (relative to the repository root), and bench/.build/modelWorker.js; returns the script's path. */
export async function bundleForNode(repoRoot: string, entry: string, name: string): Promise<string> {
  const dir = path.join(repoRoot, 'bench/.build');
  mkdirSync(dir, { recursive: true });
  const outfile = path.join(dir, `${name}.js`);
  await Promise.all([
    esbuild.build(options(path.join(repoRoot, entry), outfile)),
    esbuild.build(options(path.join(repoRoot, 'src/model/worker/main.ts'), path.join(dir, 'modelWorker.js'))),
  ]);
  return outfile;
}
