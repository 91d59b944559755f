// Bundles the extension-host Mocha suite (test/suite/) to out/suite/index.js, the file VS Code
// loads as `extensionTestsPath`. `vscode` comes from the host; mocha from node_modules.
import * as esbuild from 'esbuild';
import path from 'node:path';
import { repoRoot } from './codeServer.mjs';

export const suiteEntry = path.join(repoRoot, 'out', 'suite', 'index.js');

export async function buildSuite() {
  await esbuild.build({
    entryPoints: [path.join(repoRoot, 'test', 'suite', 'index.ts')],
    outfile: suiteEntry,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node18',
    sourcemap: 'inline',
    external: ['vscode', 'mocha'],
    logLevel: 'warning',
  });
  return suiteEntry;
}
