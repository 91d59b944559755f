// The one serial queue a model has: tasks run one at a time in arrival order (ONNX Runtime runs
// one at a time, and probes share the cached past keys/values). A task waiting for its turn whose
// signal is aborted never runs. A task may call back into its own queue (the model service runs a
// feature's whole request in one turn, and the feature then calls the model's methods): such calls
// run at once, inside the turn, instead of waiting behind it forever.
import { AsyncLocalStorage } from 'node:async_hooks';
import { CancelledError } from './cancel';

/** The queues whose turn the current async context is in. */
const turns = new AsyncLocalStorage<readonly SerialQueue[]>();

export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const held = turns.getStore() ?? [];
    if (held.includes(this)) return task(); // already this queue's turn: part of it
    const turn = this.tail.then(() => {
      if (signal?.aborted) throw new CancelledError();
      return turns.run([...held, this], task);
    });
    this.tail = turn.catch(() => undefined);
    return turn;
  }
}
