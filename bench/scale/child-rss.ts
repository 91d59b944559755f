// Child process for the scale section's peak-RSS figure: bundled like the extension host, it loads
// the model in the model worker (as the extension does), resets the kernel's peak-RSS mark, runs
// two analyses of the text (the first released before the second, as the panel does) and reports
// the peak resident memory of the whole process (weights, runtime and attention included).
// argv: MODEL_DIR CACHE_DIR TEXT_FILE N_TOKENS
import { readFileSync, writeFileSync } from 'node:fs';
import { loadModelInWorker } from '../../src/model/index';

const statusKb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? NaN);

async function main(): Promise<void> {
  const [dir, cacheDir, textFile, n] = process.argv.slice(2);
  if (!dir || !cacheDir || !textFile || !n) throw new Error('usage: child-rss MODEL_DIR CACHE_DIR TEXT_FILE N_TOKENS');
  const model = await loadModelInWorker({ name: 'bench', path: dir }, { cacheDir });
  const loadPeakMb = statusKb('VmHWM') / 1024;
  const afterLoadMb = statusKb('VmRSS') / 1024;
  let reset = true;
  try { writeFileSync('/proc/self/clear_refs', '5'); } catch { reset = false; } // 5: the peak mark back to the current RSS
  const text = readFileSync(textFile, 'utf8');
  const opts = { topK: 10, maxTokens: Number(n), attentionMemoryMB: 512 }; // the extension's default budget
  const first = await model.analyze(text, opts);
  first.release();
  const second = await model.analyze(text, opts);
  const peakMb = statusKb('VmHWM') / 1024;
  process.stdout.write(JSON.stringify({ tokens: second.tokens.length, afterLoadMb, loadPeakMb, peakMb, peakReset: reset }) + '\n');
  await model.dispose();
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
