// What the bundled ONNX Runtime (onnxruntime-node 1.14) can run, checked before a session is made,
// and its load failures said in terms of the export that would work instead.
import type { onnx } from 'onnx-proto';
import { AttentionLensError } from './errors';
import { defaultOpset, toNumber } from './onnxGraph';

/** ONNX Runtime 1.14 reads IR versions up to 8 and default-domain opsets up to 18 (ONNX 1.13). */
export const RUNTIME = { name: 'ONNX Runtime 1.14', maxIrVersion: 8, maxOpset: 18 } as const;

/** The export that runs here, as advice: transformers.js 2.x models are Optimum exports at opset 14. */
const WORKING_EXPORT =
  'an unoptimised Optimum export at opset ≤ 18, e.g. `optimum-cli export onnx --model <id> --task text-generation-with-past ' +
  '--opset 14 <folder>` without --optimize (the Xenova/* models made for transformers.js 2.x are such exports)';

/** Rejects a model the runtime would refuse for its IR version or opset, naming both and the export that works. */
export function checkRuntimeSupport(model: onnx.IModelProto, label: string): void {
  const ir = model.irVersion == null ? 0 : toNumber(model.irVersion);
  const opset = defaultOpset(model);
  const problems: string[] = [];
  if (opset > RUNTIME.maxOpset) problems.push(`ONNX opset ${opset} (${RUNTIME.name} runs opsets up to ${RUNTIME.maxOpset})`);
  if (ir > RUNTIME.maxIrVersion) problems.push(`ONNX IR version ${ir} (${RUNTIME.name} reads IR versions up to ${RUNTIME.maxIrVersion})`);
  if (problems.length === 0) return;
  throw new AttentionLensError(
    'unsupported-architecture',
    `${label} was exported for a newer ONNX Runtime: it uses ${problems.join(' and ')}. Use ${WORKING_EXPORT}.`,
  );
}

/**
 * A session-creation failure as a person can act on it: an operator the runtime lacks (contrib
 * operators of newer releases, e.g. com.microsoft RotaryEmbedding or SimplifiedLayerNormalization
 * from ONNX Runtime's optimizer) is named; anything else keeps the runtime's own words.
 */
export function explainSessionError(label: string, err: unknown): AttentionLensError {
  const message = err instanceof Error ? err.message : String(err);
  // "com.microsoft:RotaryEmbedding(-1) is not a registered function/op" or
  // "Could not find an implementation for RotaryEmbedding(1) node with name '…'".
  const unregistered = /([\w.]+):(\w+)\(-?\d+\) is not a registered function\/op/.exec(message);
  const noKernel = /Could not find an implementation for (\w+)\((\d+)\) node with name '([^']*)'/.exec(message);
  if (unregistered || noKernel) {
    const op = unregistered ? `${unregistered[1]}.${unregistered[2]}` : `${noKernel![1]} (version ${noKernel![2]}, node "${noKernel![3]}")`;
    return new AttentionLensError(
      'unsupported-architecture',
      `${label} uses the operator ${op}, which ${RUNTIME.name} (the runtime Attention Lens ships) does not have; ` +
        `graphs from ONNX Runtime's transformer optimizer or newer exporters use such operators. Use ${WORKING_EXPORT}.`,
    );
  }
  return new AttentionLensError('onnx-unreadable', `ONNX Runtime could not load ${label}: ${message}`);
}
