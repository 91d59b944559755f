// What the real-VS-Code benchmarks (test/e2e/*.bench.ts) share: their result written to
// test-artifacts/e2e/<name>/result.json and printed, and a failure reported as exit status 1.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { artifactsRoot } from './harness';

export function writeBenchResult(name: string, result: unknown): void {
  const out = path.join(artifactsRoot, name);
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'result.json'), JSON.stringify(result, null, 2) + '\n');
  console.log(JSON.stringify(result, null, 2));
}

export function runBench(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
