// The extension-host Mocha suite (test/suite/, the one `npm run test:electron` runs in desktop
// VS Code) run inside code-server's extension host: the workbench opens with a `payload` naming
// the working tree as extensionDevelopmentPath and the bundled suite as extensionTestsPath.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launchVSCode, repoRoot, testModel, waitFor, type VSCodeSession } from './harness';
import { buildSuite } from '../../scripts/lib/suite.mjs';

let vs: VSCodeSession | undefined;
const resultDir = mkdtempSync(path.join(os.tmpdir(), 'attention-lens-suite-'));

after(async () => {
  await vs?.close();
  rmSync(resultDir, { recursive: true, force: true });
});

test('the extension-host Mocha suite passes inside code-server', async () => {
  const suite = await buildSuite();
  const resultFile = path.join(resultDir, 'result.json');
  vs = await launchVSCode({
    name: 'suite',
    install: 'none',
    env: { ATTENTION_LENS_SUITE_RESULT: resultFile, ATTENTION_LENS_TEST_MODEL: testModel().path },
    payload: [['extensionDevelopmentPath', repoRoot], ['extensionTestsPath', suite]],
  });
  await waitFor(() => existsSync(resultFile), { message: `the suite to write ${resultFile}`, timeoutMs: 180_000 });
  const result = JSON.parse(readFileSync(resultFile, 'utf8')) as { passed: number; failed: number; failures: string[] };
  console.log(`# extension-host suite: ${result.passed} passed, ${result.failed} failed`);
  assert.deepEqual(result.failures, []);
  assert.equal(result.failed, 0);
  assert.ok(result.passed >= 4, `${result.passed} extension-host tests passed`);
});
