// NumPy .npy files (format 1.0) for attention: `numpy.load(FILE)` gives the [L, H, T, T] array.
// Layout: the magic string, the version, a little-endian uint16 header length, then a Python dict
// literal padded with spaces to a 64-byte boundary and ended by a newline; then the raw data.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import { toHalves } from '../common/half';
import type { AttentionShape } from '../common/tensor';
import { copyHeadRows } from './queryBlocks';

export type NpyDtype = 'float32' | 'float16';

/** Values converted and written per step (4 MB of float32), so float16 output needs no second copy of the tensor. */
const STEP = 1 << 20;

/** The .npy header of a C-order little-endian array of `shape`. */
export function npyHeader(shape: readonly number[], dtype: NpyDtype): Uint8Array {
  const dims = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${dtype === 'float32' ? '<f4' : '<f2'}', 'fortran_order': False, 'shape': ${dims}, }`;
  const fixed = 10; // magic (6) + version (2) + header length (2)
  const total = Math.ceil((fixed + dict.length + 1) / 64) * 64;
  const padded = dict.padEnd(total - fixed - 1, ' ') + '\n';
  const out = new Uint8Array(total);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0); // \x93NUMPY, version 1.0
  out[8] = padded.length & 0xff;
  out[9] = padded.length >> 8;
  for (let i = 0; i < padded.length; i++) out[fixed + i] = padded.charCodeAt(i);
  return out;
}

/**
 * Writes `data` (row-major, of `shape`) to `file` as a .npy array of `dtype`, a few MB at a time.
 * `data` is one array, or functions giving its consecutive pieces (e.g. one layer each, decoded only
 * when written, or recomputed first when dropped: then a promise), which together hold the shape.
 */
export async function writeNpy(file: string, data: Float32Array | readonly (() => Float32Array | Promise<Float32Array>)[], shape: readonly number[], dtype: NpyDtype): Promise<void> {
  const n = shape.reduce((a, b) => a * b, 1);
  if (data instanceof Float32Array && data.length !== n) throw new Error(`the shape ${shape.join('×')} holds ${n} values, the data ${data.length}`);
  const pieces = data instanceof Float32Array ? [() => data] : data;
  const handle = await fs.open(file, 'w');
  try {
    await handle.write(npyHeader(shape, dtype));
    let written = 0;
    for (const piece of pieces) {
      const values = await piece();
      written += values.length;
      if (written > n) break;
      await writeValues(handle, values, dtype);
    }
    if (written !== n) throw new Error(`the shape ${shape.join('×')} holds ${n} values, the pieces ${written > n ? 'more' : written}`);
  } finally {
    await handle.close();
  }
}

/** One array's values as `dtype`, little-endian, a step at a time, from file position `at` (null: where the last write ended). */
async function writeValues(handle: fs.FileHandle, data: Float32Array, dtype: NpyDtype, at: number | null = null): Promise<void> {
  const n = data.length;
  const width = dtype === 'float32' ? 4 : 2;
  const halves = dtype === 'float16' ? new Uint16Array(Math.min(STEP, n)) : null;
  const swap = os.endianness() === 'BE' ? new Uint8Array(Math.min(STEP, n) * width) : null;
  for (let i = 0; i < n; i += STEP) {
    const end = Math.min(n, i + STEP);
    let bytes: Uint8Array;
    if (halves) {
      toHalves(data, halves, i, end);
      bytes = new Uint8Array(halves.buffer, 0, (end - i) * 2);
    } else {
      bytes = new Uint8Array(data.buffer, data.byteOffset + i * 4, (end - i) * 4);
    }
    if (swap) bytes = littleEndian(bytes, width, swap);
    await handle.write(bytes, 0, bytes.length, at === null ? null : at + i * width);
  }
}

/**
 * A causal model's attention [L, H, T, T] written to a .npy file as blocks of query rows arrive
 * (model/queryBlocks.ts), never held whole: the file is sized first (the zeros above each diagonal
 * are the file's own), then each head's rows of a block go to their place.
 */
export class NpyRowsWriter {
  private header = 0;
  private shape: AttentionShape | null = null;

  private constructor(private readonly handle: fs.FileHandle, private readonly dtype: NpyDtype) {}

  /** Opens (creates or empties) `file`: fails here, before any work, when it cannot be written. */
  static async open(file: string, dtype: NpyDtype): Promise<NpyRowsWriter> {
    return new NpyRowsWriter(await fs.open(file, 'w'), dtype);
  }

  /** Query rows q0..q1-1 from `block` [L, H, S, K] (keys past each row's diagonal are zero). */
  async writeRows(block: Float32Array, shape: AttentionShape, S: number, K: number, q0: number, q1: number): Promise<void> {
    const { nLayers: L, nHeads: H, nTokens: T } = shape;
    const width = this.dtype === 'float32' ? 4 : 2;
    if (!this.shape) {
      const header = npyHeader([L, H, T, T], this.dtype);
      await this.handle.write(header, 0, header.length, 0);
      await this.handle.truncate(header.length + L * H * T * T * width);
      this.header = header.length;
      this.shape = shape;
    }
    const rows = new Float32Array((q1 - q0) * T); // one head's rows q0..q1-1, [q1 - q0, T]
    for (let lh = 0; lh < L * H; lh++) {
      copyHeadRows(block, S, K, lh, q0, q1, rows, 0, T);
      await writeValues(this.handle, rows, this.dtype, this.header + (lh * T + q0) * T * width); // [L·H, T, T]
    }
  }

  /** Whether rows were written (a model that did not run in blocks leaves the file to writeNpy). */
  get started(): boolean {
    return this.shape !== null;
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

/** Each `width`-byte element's bytes reversed into `into` (big-endian hosts only). */
function littleEndian(bytes: Uint8Array, width: number, into: Uint8Array): Uint8Array {
  for (let i = 0; i < bytes.length; i += width) for (let b = 0; b < width; b++) into[i + b] = bytes[i + width - 1 - b]!;
  return into.subarray(0, bytes.length);
}
