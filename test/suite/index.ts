// Entry point VS Code loads as `extensionTestsPath` (after scripts/lib/suite.mjs bundles it to
// out/suite/index.js): runs the Mocha suite inside the extension host. When
// ATTENTION_LENS_SUITE_RESULT names a file, the counts and failures are also written there as JSON
// (how a run inside code-server reports back).
import { writeFileSync } from 'node:fs';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 120_000 });
  // Define describe/it on the global object, then load the suites (bundled, evaluated on require).
  mocha.suite.emit('pre-require', globalThis, 'attention-lens-suite', mocha);
  require('./inspect.suite');
  return new Promise((resolve, reject) => {
    const failures: string[] = [];
    let passed = 0;
    const runner = mocha.run((failed) => {
      const file = process.env.ATTENTION_LENS_SUITE_RESULT;
      if (file) writeFileSync(file, JSON.stringify({ passed, failed, failures }, null, 2));
      if (failed > 0) reject(new Error(`${failed} extension-host test(s) failed:\n${failures.join('\n')}`));
      else resolve();
    });
    runner.on('pass', () => { passed++; });
    runner.on('fail', (t, err: Error) => { failures.push(`${t.fullTitle()}: ${err.message}`); });
  });
}
