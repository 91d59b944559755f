// The command line with a Hub id: downloads once from the (local) Hub into --cache-dir, says so on
// stderr, prints the same analysis as the model layer; the second run makes no requests.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../helpers/models';
import { graphReference } from '../helpers/graphs';
import { buildLayout, lettersOf, startHubServer, type HubServer } from '../helpers/hubServer';

let hub: HubServer;
before(async () => {
  hub = await startHubServer();
  hub.add('test/flat-decoder', buildLayout(path.join(mkdtempSync(path.join(os.tmpdir(), 'attention-lens-cli-hub-')), 'flat'), 'flat-decoder'));
});
after(() => hub.close());

/** Runs the CLI from source (asynchronously: the Hub server answers in this process). */
function cli(args: string[], input: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'src/cli/main.ts'), ...args], { cwd: repoRoot, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
    child.stdin!.end(input);
  });
}

test('analyze --model owner/name downloads once and analyses like the reference', async () => {
  const ref = graphReference();
  const cacheDir = mkdtempSync(path.join(os.tmpdir(), 'attention-lens-cli-cache-'));
  const args = ['analyze', '--model', 'test/flat-decoder', '--remote-host', hub.host, '--cache-dir', cacheDir, '--json'];
  const first = await cli(args, lettersOf(ref.ids));
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stderr, /downloading onnx\/decoder_model_quantized\.onnx|downloading onnx\/decoder_model\.onnx \d/);
  const out = JSON.parse(first.stdout) as { model: string; tokens: { id: number }[]; attention: { shape: number[]; data: number[] } };
  assert.equal(out.model, 'test/flat-decoder');
  assert.deepEqual(out.tokens.map((t) => t.id), ref.ids);
  let diff = 0;
  out.attention.data.forEach((x, i) => { diff = Math.max(diff, Math.abs(x - ref.decoder.attention[i]!)); });
  assert.ok(diff <= 1e-4, `attention within 1e-4 of the reference (max diff ${diff})`);

  const before = hub.requests.length;
  const second = await cli(args, lettersOf(ref.ids));
  assert.equal(second.code, 0, second.stderr);
  assert.equal(hub.requests.length, before, 'the second run downloads nothing');
  assert.doesNotMatch(second.stderr, /downloading/);

  const missing = await cli(['analyze', '--model', 'nobody/nothing', '--remote-host', hub.host, '--cache-dir', cacheDir, '--json'], 'a b');
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /nobody\/nothing .*has no config\.json/);
});
