// The one model worker thread of this process, started on first use and never terminated:
// onnxruntime-node 1.14 is not made for worker lifetimes (measured on the earlier branch: a second
// worker after a terminated one fails with "Module did not self-register", and terminating workers
// that held sessions corrupted the heap within a few rounds). It is unref'd while nothing is in
// flight, so it never keeps a process alive.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { AttentionLensError } from '../errors';
import type { FromWorker, ToWorker } from './protocol';

export interface Listener {
  message(m: FromWorker): void;
  /** The worker stopped: nothing more will come. */
  gone(err: Error): void;
}

class ModelThread {
  private worker: Worker | null = null;
  private readonly listeners = new Map<number, Listener>();
  private inFlight = 0;
  private nextModel = 1;

  newModelId(): number {
    return this.nextModel++;
  }

  listen(model: number, listener: Listener): void {
    this.listeners.set(model, listener);
  }

  forget(model: number): void {
    this.listeners.delete(model);
  }

  post(m: ToWorker, transfer: ArrayBuffer[] = []): void {
    this.start().postMessage(m, transfer);
  }

  /** Work started (a load or a call): the process stays alive until it ends. */
  hold(): void {
    if (this.inFlight++ === 0) this.worker?.ref();
  }

  done(): void {
    if (--this.inFlight === 0) this.worker?.unref();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = startWorker();
    this.worker = worker;
    if (this.inFlight === 0) worker.unref();
    worker.on('message', (m: FromWorker) => this.listeners.get(m.model)?.message(m));
    const gone = (why: string) => {
      if (this.worker !== worker) return;
      this.worker = null;
      const err = new AttentionLensError('runtime-failure', `The model worker stopped (${why}). Run “Attention Lens: Reload Model”.`);
      const listeners = [...this.listeners.values()];
      this.listeners.clear();
      for (const l of listeners) l.gone(err);
    };
    worker.on('error', (err) => gone(err.message));
    worker.on('exit', (code) => gone(`exit code ${code}`));
    return worker;
  }
}

/** dist/modelWorker.js beside the running bundle; from source (tests, bench), main.ts through tsx. */
function startWorker(): Worker {
  const bundled = path.join(__dirname, 'modelWorker.js');
  if (existsSync(bundled)) return new Worker(bundled);
  const source = path.join(__dirname, 'main.ts');
  // Node refuses a .ts file as a worker's entry before any loader hook runs: register tsx first.
  if (existsSync(source)) return new Worker(`require('tsx/cjs'); require(${JSON.stringify(source)});`, { eval: true });
  throw new AttentionLensError('runtime-failure', `The model worker script is missing (looked for ${bundled}). Rebuild the extension.`);
}

export const modelThread = new ModelThread();
