// `npm test`: every suite in order — build, unit, model, webview, Python (training), end to end in
// real VS Code — then ONE final line `N passed, N failed` summing all of them. Exits non-zero if
// anything failed. A suite folder with no tests yet is reported and counted as nothing.
// Options: --only unit,e2e (run a subset), --bail (stop after the first failing suite).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bootstrap } from './lib/bootstrap.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const onlyArg = process.argv.indexOf('--only');
const only = onlyArg >= 0 ? new Set(process.argv[onlyArg + 1].split(',')) : null;
const bail = process.argv.includes('--bail');

/** Runs a command, streaming its output, and resolves with its exit code and captured text. */
function run(cmd, args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    const tee = (stream) => (chunk) => { text += chunk; stream.write(chunk); };
    child.stdout.on('data', tee(process.stdout));
    child.stderr.on('data', tee(process.stderr));
    child.on('error', (err) => resolve({ code: 1, text: text + String(err) }));
    child.on('close', (code) => resolve({ code: code ?? 1, text }));
  });
}

function hasTests(dir) {
  const full = path.join(root, dir);
  if (!existsSync(full)) return false;
  return readdirSync(full).some((n) => {
    const p = path.join(full, n);
    return statSync(p).isDirectory() ? hasTests(path.join(dir, n)) : n.endsWith('.test.ts');
  });
}

/** Counts from the node test runner's TAP summary (`# pass N`, `# fail N`, cancelled counts as failed). */
function nodeCounts({ code, text }) {
  const num = (name) => Number((text.match(new RegExp(`^# ${name} (\\d+)$`, 'm')) ?? [])[1] ?? 0);
  const passed = num('pass');
  const failed = num('fail') + num('cancelled');
  // A crash before the summary still counts as a failure.
  return { passed, failed: failed === 0 && code !== 0 ? 1 : failed };
}

/** Counts from `python -m unittest` ("Ran N tests", "FAILED (failures=a, errors=b)"). */
function unittestCounts({ code, text }) {
  const ran = Number((text.match(/^Ran (\d+) tests?/m) ?? [])[1] ?? 0);
  const bad = [...text.matchAll(/(failures|errors)=(\d+)/g)].reduce((n, m) => n + Number(m[2]), 0);
  const failed = bad === 0 && code !== 0 ? 1 : bad;
  return { passed: Math.max(0, ran - bad), failed };
}

const nodeSuite = (name, dir, extra = []) => ({
  name,
  available: () => hasTests(dir),
  run: async () => nodeCounts(await run(process.execPath, ['scripts/run-tests.mjs', dir, '--', '--test-reporter=tap', ...extra])),
});

const suites = [
  { name: 'build', available: () => true, run: async () => ((await run('npm', ['run', 'build'])).code === 0 ? { passed: 1, failed: 0 } : { passed: 0, failed: 1 }) },
  nodeSuite('unit', 'test/unit'),
  nodeSuite('model', 'test/model'),
  nodeSuite('webview', 'test/webview'),
  {
    name: 'python',
    available: () => existsSync(path.join(root, 'training', 'tests')),
    run: async () => unittestCounts(await run('env', ['-u', 'OPENBLAS_CORETYPE', '-u', 'OPENBLAS_L2_SIZE', '/usr/bin/python3', '-m', 'unittest', 'discover', 'training/tests'])),
  },
  {
    // The whole training pipeline at smoke size (corpus → BPE → train → export → fidelity → eval),
    // then the export loaded in Node and one CLI analysis, so the pipeline cannot rot.
    name: 'pipeline',
    available: () => existsSync(path.join(root, 'training', 'pipeline.py')),
    run: async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'attention-lens-pipeline-'));
      const model = path.join(dir, 'model');
      try {
        const steps = [
          ['env', ['-u', 'OPENBLAS_CORETYPE', '-u', 'OPENBLAS_L2_SIZE', '/usr/bin/python3', '-m', 'training.pipeline', '--config', 'smoke', '--build', dir, '--out', model]],
          [process.execPath, ['training/check_export.mjs', model]],
          ['bash', ['-c', `echo 'def add(a, b):' | node dist/cli.js analyze --model "${model}" --top-k 3 --json > "${dir}/analysis.json"`]],
        ];
        let passed = 0;
        for (const [cmd, args] of steps) {
          if ((await run(cmd, args)).code !== 0) return { passed, failed: 1 };
          passed++;
        }
        return { passed, failed: 0 };
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  },
  {
    name: 'e2e',
    available: () => hasTests('test/e2e'),
    run: async () => {
      // code-server and the browser must be there before the first session starts.
      const setup = await run(process.execPath, ['scripts/setup-code-server.mjs']);
      const browser = await run('bash', ['scripts/setup-browser.sh']);
      if (setup.code !== 0 || browser.code !== 0) return { passed: 0, failed: 1 };
      // The tests use the bundled model, or the smoke model until model/ has one (a clean clone).
      const haveModel = ['model/config.json', 'training/build/smoke/model/config.json'].some((f) => existsSync(path.join(root, f)));
      if (!haveModel && (await run('npm', ['run', 'train:smoke'])).code !== 0) return { passed: 0, failed: 1 };
      return nodeCounts(await run(process.execPath, ['scripts/run-tests.mjs', 'test/e2e', '--', '--test-reporter=tap', '--test-concurrency=1']));
    },
  },
];

bootstrap();
const started = Date.now();
const rows = [];
let passed = 0;
let failed = 0;
for (const suite of suites) {
  if (only && !only.has(suite.name)) continue;
  if (!suite.available()) {
    console.log(`\n=== ${suite.name}: no tests yet ===`);
    rows.push(`${suite.name.padEnd(8)} no tests`);
    continue;
  }
  console.log(`\n=== ${suite.name} ===`);
  const t0 = Date.now();
  const counts = await suite.run();
  passed += counts.passed;
  failed += counts.failed;
  rows.push(`${suite.name.padEnd(8)} ${counts.passed} passed, ${counts.failed} failed (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  if (bail && counts.failed > 0) break;
}
console.log(`\n=== summary (${((Date.now() - started) / 1000).toFixed(0)} s) ===\n${rows.join('\n')}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
