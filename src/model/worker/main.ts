// The worker thread that owns every model's ONNX sessions (client.ts is the host's side). It loads
// models, answers calls through each model's own queue in arrival order, hands typed arrays over by
// transfer, and takes released attention buffers back into the model's pool.
import { parentPort } from 'node:worker_threads';
import { loadModel } from '../load';
import type { Model } from '../model';
import type { AnalysisPayload, Call, CallResults, FromWorker, ToWorker, WireError } from './protocol';

const port = parentPort;
if (!port) throw new Error('the model worker runs as a worker thread');

const models = new Map<number, Model>();

const send = (m: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

function wire(err: unknown): WireError {
  if (err instanceof Error) return { name: err.name, message: err.message, code: (err as { code?: unknown }).code as string | undefined };
  return { name: 'Error', message: String(err) };
}

/** An AbortSignal stand-in whose `aborted` reads the host's flag (the model layer reads only `aborted`). */
function sharedSignal(flag: SharedArrayBuffer): AbortSignal {
  const cell = new Int32Array(flag);
  return { get aborted() { return Atomics.load(cell, 0) !== 0; } } as AbortSignal;
}

/** The distinct non-empty buffers under some typed arrays (a pooled attention may be a view of a larger one: the whole buffer moves). */
function buffers(...arrays: (ArrayBufferView | null | undefined)[]): ArrayBuffer[] {
  return [...new Set(arrays.filter((a): a is ArrayBufferView => !!a && a.byteLength > 0).map((a) => a.buffer as ArrayBuffer))];
}

type Answer = { value: CallResults[Call['method']]; transfer: ArrayBuffer[] };

async function answer(m: Model, c: Call, signal: AbortSignal, progress: (done: number, total: number) => void): Promise<Answer> {
  switch (c.method) {
    case 'analyze': {
      // Functions do not cross: the host's side gives the result its own release() and recompute().
      const { release: _release, recompute: _recompute, ...payload } = await m.analyze(c.text, { ...c.opts, signal });
      const value: AnalysisPayload = payload;
      return { value, transfer: buffers(value.attention, value.topK.ids, value.topK.probs, value.headStats, ...(value.stored ?? [])) };
    }
    case 'recomputeLayers': {
      const codes = await m.recomputeLayers(c.ids, c.layers, c.headsOff, signal);
      return { value: codes, transfer: buffers(...codes) };
    }
    case 'probe': return { value: await m.probe(c.prefix, { ...c.opts, signal }), transfer: [] };
    case 'continueGreedy': return { value: await m.continueGreedy(c.prefix, c.nTokens, signal), transfer: [] };
    case 'predictMasked': return { value: await m.predictMasked(c.text, c.tokenIndex, c.topK, signal), transfer: [] };
    case 'setHeadsOff': return { value: await m.setHeadsOff(c.heads), transfer: [] };
    case 'internals': {
      const r = await m.internals(c.text, { ...c.request, signal });
      return { value: r, transfer: buffers(r.valueNorms, r.rollout, r.logitLens?.ids, r.logitLens?.probs, r.ablation?.delta, r.ablation?.top1Changed, r.ablation?.top1, r.qk?.q, r.qk?.k, r.qk?.scale, r.qk?.scores) };
    }
    case 'contextReach': {
      const r = await m.contextReach(c.ids, { ...c.opts, signal, onProgress: progress });
      return { value: r, transfer: buffers(r.logProbs, r.full, r.reach) };
    }
  }
}

port.on('message', (msg: ToWorker) => {
  const model = msg.model;
  switch (msg.type) {
    case 'load':
      loadModel(msg.spec, { ...msg.opts, onProgress: (message) => send({ type: 'loadProgress', model, message }) }).then(
        (loaded) => {
          const m = loaded as Model;
          models.set(model, m);
          const vocab = Array.from({ length: m.info.vocabSize }, (_, id) => {
            try { return m.tokenText(id); } catch { return null; }
          });
          send({ type: 'loaded', model, info: m.info, vocab });
        },
        (err: unknown) => send({ type: 'loadFailed', model, error: wire(err) }),
      );
      break;
    case 'call': {
      const m = models.get(model);
      const id = msg.id;
      if (!m) { send({ type: 'failed', model, id, error: { name: 'AttentionLensError', code: 'disposed', message: 'That model was unloaded; load it again.' } }); break; }
      answer(m, msg.call, sharedSignal(msg.cancel), (done, total) => send({ type: 'callProgress', model, id, done, total })).then(
        ({ value, transfer }) => send({ type: 'result', model, id, value }, transfer),
        (err: unknown) => send({ type: 'failed', model, id, error: wire(err) }),
      );
      break;
    }
    case 'release':
      if (msg.buffer.byteLength % 4 === 0) models.get(model)?.reuseAttention(new Float32Array(msg.buffer)); // else codes that no analysis can fill
      break;
    case 'dispose': {
      const m = models.get(model);
      models.delete(model);
      void (m?.dispose() ?? Promise.resolve()).finally(() => send({ type: 'disposed', model }));
      break;
    }
  }
});
