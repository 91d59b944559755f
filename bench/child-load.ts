// Child process for the cold-load figure: bundled like the extension host, started fresh,
// it loads the model once and reports times since its own process start (performance.now()).
// argv: MODEL_DIR CACHE_DIR
import { performance } from 'node:perf_hooks';
import { loadModel } from '../src/model/index';

async function main(): Promise<void> {
  const [dir, cacheDir] = process.argv.slice(2);
  if (!dir || !cacheDir) throw new Error('usage: child-load MODEL_DIR CACHE_DIR');
  const startedMs = performance.now(); // process start → this line: Node + bundle start-up
  const model = await loadModel({ name: 'bench', path: dir }, { cacheDir });
  const loadedMs = performance.now();
  await model.analyze('function add(a, b) {\n  return a + b;\n}\n', { topK: 10, maxTokens: 64 });
  const firstAnalysisMs = performance.now();
  process.stdout.write(JSON.stringify({ startedMs, loadedMs, firstAnalysisMs }) + '\n');
  await model.dispose();
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
