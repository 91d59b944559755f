// `npm run test:electron`: runs the extension-host Mocha suite (test/suite/) in desktop VS Code via
// @vscode/test-electron, which downloads VS Code (needs internet; not part of `npm test` here).
// Uses the bundled model, or the smoke model while model/ has none. VSCODE_TEST_VERSION picks a version.
import { runTests } from '@vscode/test-electron';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './lib/codeServer.mjs';
import { buildSuite } from './lib/suite.mjs';

const build = spawnSync('npm', ['run', 'build'], { cwd: repoRoot, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
const extensionTestsPath = await buildSuite();
const smoke = path.join(repoRoot, 'training', 'build', 'smoke', 'model');
const env = existsSync(path.join(repoRoot, 'model', 'config.json')) ? {} : { ATTENTION_LENS_TEST_MODEL: smoke };
try {
  await runTests({
    version: process.env.VSCODE_TEST_VERSION,
    extensionDevelopmentPath: repoRoot,
    extensionTestsPath,
    extensionTestsEnv: env,
    launchArgs: [path.join(repoRoot, 'sample'), '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
  });
  console.log('extension-host suite passed');
} catch (err) {
  console.error(`extension-host suite failed: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
}
