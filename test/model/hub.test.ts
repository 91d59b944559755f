// Hub downloads for real, against a local server in the Hub's URL layout: each model layout,
// progress with file names and bytes, caching, cancellation, corrupt files, server errors.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CancelledError, type LoadedModel } from '../../src/model/index';
import { hubFolder, loadHubModel, parseHubId, type DownloadProgress, type HubLoadOptions } from '../../src/model/index';
import { graphReference } from '../helpers/graphs';
import { buildLayout, lettersOf, startHubServer, type HubLayout, type HubServer } from '../helpers/hubServer';
import { maxAbsDiff, expectError } from '../helpers/assertions';

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'attention-lens-hub-'));
let hub: HubServer;
const sources = new Map<string, string>();

before(async () => {
  hub = await startHubServer();
  for (const layout of ['flat-decoder', 'merged-decoder', 'quantized-decoder', 'both-precisions', 'encoder', 'fused-attention'] as HubLayout[]) {
    const dir = buildLayout(path.join(tmp(), layout), layout);
    sources.set(layout, dir);
    hub.add(`test/${layout}`, dir);
  }
});
after(() => hub.close());

/** Fresh download and patch caches unless given. */
function options(extra: Partial<HubLoadOptions> = {}): HubLoadOptions & { events: DownloadProgress[] } {
  const events: DownloadProgress[] = [];
  return { root: tmp(), cacheDir: tmp(), remoteHost: hub.host, quantized: false, onProgress: (p) => events.push(p), events, ...extra };
}



/** Nothing half-downloaded anywhere under the root: no staging leftovers, no model folder. */
function assertNothingKept(root: string, layout: string): void {
  const partial = path.join(root, '.partial');
  assert.deepEqual(existsSync(partial) ? readdirSync(partial) : [], [], 'staging folder emptied');
  assert.equal(existsSync(hubFolder(root, parseHubId(`test/${layout}`)!)), false, 'no model folder');
}

const requestsFor = (layout: string) => hub.requests.filter((r) => r.startsWith(`/test/${layout}/`));

test('a flat decoder downloads with progress (file names and bytes) and analyses like the reference', async () => {
  const ref = graphReference();
  const opts = options();
  const model = await loadHubModel(parseHubId('test/flat-decoder')!, opts);
  assert.equal(model.info.name, 'test/flat-decoder');
  assert.equal(model.info.kind, 'decoder');
  const src = sources.get('flat-decoder')!;
  for (const file of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/decoder_model.onnx']) {
    const last = opts.events.filter((e) => e.file === file).at(-1);
    assert.ok(last, `progress for ${file}`);
    assert.equal(last.loaded, statSync(path.join(src, file)).size, `${file}: all bytes reported`);
    assert.equal(last.total, last.loaded);
  }
  // The merged file was tried first (404) and the plain one used.
  assert.ok(requestsFor('flat-decoder').some((r) => r.endsWith('/resolve/main/onnx/decoder_model_merged.onnx')));
  const result = await model.analyze(lettersOf(ref.ids), { topK: 2, maxTokens: 64 });
  assert.ok(maxAbsDiff(result.attention, ref.decoder.attention) <= 1e-4);
  await model.dispose();
});

test('second load of a downloaded model makes no requests and reuses the patched file', async () => {
  const opts = options();
  const id = parseHubId('test/merged-decoder')!;
  await (await loadHubModel(id, opts)).dispose();
  const patched = readdirSync(opts.cacheDir!).filter((f) => f.endsWith('.onnx'));
  assert.equal(patched.length, 1);
  const before = hub.requests.length;
  const again = await loadHubModel(id, { ...opts, onProgress: () => assert.fail('no download progress when cached') });
  assert.equal(hub.requests.length, before, 'no requests');
  assert.deepEqual(readdirSync(opts.cacheDir!).filter((f) => f.endsWith('.onnx')), patched);
  assert.equal(again.info.nLayers, graphReference().layers);
  await again.dispose();
});

test('quantized preference picks the file per setting, and falls back when only one variant exists', async () => {
  const both = parseHubId('test/both-precisions')!;
  const q = options({ quantized: true });
  await (await loadHubModel(both, q)).dispose();
  assert.deepEqual(readdirSync(path.join(hubFolder(q.root, both), 'onnx')), ['decoder_model_quantized.onnx']);
  const full = options({ quantized: false });
  await (await loadHubModel(both, full)).dispose();
  assert.deepEqual(readdirSync(path.join(hubFolder(full.root, both), 'onnx')), ['decoder_model.onnx']);

  const onlyQ = parseHubId('test/quantized-decoder')!;
  const fallback = options({ quantized: false });
  const model = await loadHubModel(onlyQ, fallback);
  assert.deepEqual(readdirSync(path.join(hubFolder(fallback.root, onlyQ), 'onnx')), ['decoder_model_quantized.onnx']);
  await model.dispose();
  const before = hub.requests.length;
  await (await loadHubModel(onlyQ, fallback)).dispose();
  assert.equal(hub.requests.length, before, 'the fallback is cached too');
});

test('an encoder downloads model.onnx and shows bidirectional attention', async () => {
  const ref = graphReference();
  const model = await loadHubModel(parseHubId('test/encoder')!, options());
  assert.equal(model.info.kind, 'encoder');
  const result = await model.analyze(lettersOf(ref.ids), { topK: 2, maxTokens: 64 });
  assert.ok(maxAbsDiff(result.attention, ref.encoder_zero_types.attention) <= 1e-4);
  // Bidirectional: the first query attends to later keys. [L, H, T, T] row 0 of layer 0 head 0.
  const T = result.shape.nTokens;
  assert.ok(result.attention.subarray(1, T).some((p) => p > 1e-3));
  const masked = await model.predictMasked(lettersOf(ref.ids), 2, 3);
  assert.equal(masked.next.length, 3);
  await model.dispose();
});

test('fused attention fails naming the file and suggesting an unfused export; the download is kept', async () => {
  const opts = options();
  const id = parseHubId('test/fused-attention')!;
  await assert.rejects(loadHubModel(id, opts), expectError('fused-attention', /onnx\/decoder_model\.onnx.*com\.microsoft\.Attention.*without attention fusion.*full-precision file was used.*attentionLens\.quantized to "quantized"/s));
  assert.ok(existsSync(path.join(hubFolder(opts.root, id), 'onnx', 'decoder_model.onnx')));
});

test('cancelling mid-download removes the partial files; a later load works', async () => {
  hub.slow.files.add('onnx/decoder_model.onnx');
  hub.slow.chunk = 512;
  try {
    const controller = new AbortController();
    const opts = options({ signal: controller.signal });
    opts.onProgress = (p) => {
      opts.events.push(p);
      if (p.file.endsWith('.onnx') && p.loaded > 0) controller.abort();
    };
    await assert.rejects(loadHubModel(parseHubId('test/flat-decoder')!, opts), (e: unknown) => e instanceof CancelledError);
    const onnxEvents = opts.events.filter((e) => e.file === 'onnx/decoder_model.onnx');
    assert.ok(onnxEvents.length > 0 && onnxEvents.at(-1)!.loaded < onnxEvents.at(-1)!.total, 'stopped part-way');
    assertNothingKept(opts.root, 'flat-decoder');
    hub.slow.files.clear();
    const model = await loadHubModel(parseHubId('test/flat-decoder')!, { ...opts, signal: undefined });
    assert.equal(model.info.kind, 'decoder');
    await model.dispose();
  } finally {
    hub.slow.files.clear();
  }
});

test('a corrupt ONNX download: clear message, removed, previous model still usable, retry works', async () => {
  const ref = graphReference();
  const opts = options();
  const previous = await loadHubModel(parseHubId('test/encoder')!, opts);
  hub.corrupt.add('onnx/decoder_model.onnx');
  const id = parseHubId('test/flat-decoder')!;
  try {
    await assert.rejects(loadHubModel(id, opts), expectError('onnx-unreadable', /onnx\/decoder_model\.onnx.*damaged and was removed/s));
  } finally {
    hub.corrupt.clear();
  }
  assertNothingKept(opts.root, 'flat-decoder');
  const still = await previous.analyze(lettersOf(ref.ids), { topK: 1, maxTokens: 64 });
  assert.ok(maxAbsDiff(still.attention, ref.encoder_zero_types.attention) <= 1e-4);
  const fixed = await loadHubModel(id, opts);
  assert.equal(fixed.info.kind, 'decoder');
  await Promise.all([fixed.dispose(), previous.dispose()]);
});

test('a cache damaged on disk after download: clear message, removed, the next load downloads afresh', async () => {
  const opts = options();
  const id = parseHubId('test/flat-decoder')!;
  await (await loadHubModel(id, opts)).dispose();
  const onnx = path.join(hubFolder(opts.root, id), 'onnx', 'decoder_model.onnx');
  writeFileSync(onnx, readFileSync(onnx).subarray(0, 100)); // truncated on disk
  const before = hub.requests.length;
  await assert.rejects(loadHubModel(id, { ...opts, cacheDir: tmp() }), expectError('onnx-unreadable', /damaged and was removed/));
  assert.equal(hub.requests.length, before, 'the damaged copy was read from the cache, not downloaded');
  assert.equal(existsSync(hubFolder(opts.root, id)), false);
  const model = await loadHubModel(id, { ...opts, cacheDir: tmp() });
  assert.ok(hub.requests.length > before, 'downloaded again');
  assert.equal(model.info.kind, 'decoder');
  await model.dispose();
});

test('a corrupt config.json is caught before the ONNX download', async () => {
  const opts = options();
  hub.corrupt.add('config.json');
  const before = hub.requests.length;
  try {
    await assert.rejects(loadHubModel(parseHubId('test/merged-decoder')!, opts), expectError('config-unreadable', /config\.json .*not valid JSON/));
  } finally {
    hub.corrupt.clear();
  }
  assert.ok(hub.requests.slice(before).every((r) => !r.endsWith('.onnx')));
  assertNothingKept(opts.root, 'merged-decoder');
});

test('server error, missing file and no server: clear messages, nothing kept', async () => {
  const opts = options();
  hub.fail.add('tokenizer.json');
  try {
    await assert.rejects(loadHubModel(parseHubId('test/flat-decoder')!, opts), expectError('download-failed', /tokenizer\.json of test\/flat-decoder from http:\/\/127\.0\.0\.1:\d+\/ failed: Internal server error/));
  } finally {
    hub.fail.clear();
  }
  assertNothingKept(opts.root, 'flat-decoder');

  hub.deny.add('config.json');
  try {
    await assert.rejects(loadHubModel(parseHubId('test/flat-decoder')!, opts), expectError('download-failed', /Unauthorized.*private or gated.*HF_TOKEN/s));
  } finally {
    hub.deny.clear();
  }
  assertNothingKept(opts.root, 'flat-decoder');

  hub.missing.add('tokenizer.json');
  try {
    await assert.rejects(loadHubModel(parseHubId('test/flat-decoder')!, opts), expectError('model-files-missing', /has no tokenizer\.json/));
  } finally {
    hub.missing.clear();
  }
  assertNothingKept(opts.root, 'flat-decoder');

  hub.missing.add('onnx/decoder_model.onnx');
  try {
    await assert.rejects(loadHubModel(parseHubId('test/flat-decoder')!, opts), expectError('model-files-missing', /no ONNX file for a decoder \(looked for onnx\/decoder_model_merged\.onnx/));
  } finally {
    hub.missing.clear();
  }
  assertNothingKept(opts.root, 'flat-decoder');

  await assert.rejects(loadHubModel(parseHubId('nobody/nothing')!, opts), expectError('model-files-missing', /nobody\/nothing .*has no config\.json/));

  const dead = await startHubServer();
  const deadHost = dead.host;
  await dead.close();
  await assert.rejects(loadHubModel(parseHubId('test/flat-decoder')!, { ...opts, remoteHost: deadHost }), expectError('download-failed', /ECONNREFUSED/));
  assertNothingKept(opts.root, 'flat-decoder');
});

test('downloads off (untrusted workspace): nothing is requested; a downloaded model still loads', async () => {
  const opts = options();
  const id = parseHubId('test/encoder')!;
  const before = hub.requests.length;
  await assert.rejects(loadHubModel(id, { ...opts, allowDownload: false }), expectError('download-blocked', /not trusted/));
  assert.equal(hub.requests.length, before);
  await (await loadHubModel(id, opts)).dispose();
  const model: LoadedModel = await loadHubModel(id, { ...opts, allowDownload: false });
  assert.equal(model.info.kind, 'encoder');
  await model.dispose();
  // Only the full-precision file is here and the quantized one is preferred: with downloads off it is used.
  const before2 = hub.requests.length;
  const other = await loadHubModel(id, { ...opts, quantized: true, allowDownload: false });
  assert.equal(other.info.kind, 'encoder');
  assert.equal(hub.requests.length, before2);
  await other.dispose();
});
