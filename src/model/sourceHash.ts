// The content hash of a model's ONNX file, remembered in the cache folder by path, size and
// modification time: a start with the patched graph cached then reads nothing of the source file
// (hashing a GPT-2-small-sized file, 357 MB, cost about a second and its size in memory each time).
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

/** A short content hash of the bytes (names cache entries). */
export function contentHash(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 24);
}

/** The memo file for one source path: named by the path's hash. */
function memoFile(dir: string, onnxFile: string): string {
  return path.join(dir, `source-${createHash('sha256').update(path.resolve(onnxFile)).digest('hex').slice(0, 16)}.json`);
}

interface Memo { path?: unknown; size?: unknown; mtimeMs?: unknown; hash?: unknown }

/** The hash remembered for `onnxFile` when its size and modification time are what they were then; else null. */
export async function rememberedHash(dir: string, onnxFile: string): Promise<string | null> {
  try {
    const [text, st] = await Promise.all([fs.readFile(memoFile(dir, onnxFile), 'utf8'), fs.stat(onnxFile)]);
    const m = JSON.parse(text) as Memo;
    const same = m.path === path.resolve(onnxFile) && m.size === st.size && m.mtimeMs === st.mtimeMs;
    return same && typeof m.hash === 'string' && /^[0-9a-f]{24}$/.test(m.hash) ? m.hash : null;
  } catch {
    return null; // no memo yet, or the file is gone
  }
}

/** Remembers `hash` for `onnxFile` as it is now (atomically; an unwritable folder just means hashing again next time). */
export async function rememberHash(dir: string, onnxFile: string, hash: string): Promise<void> {
  try {
    const st = await fs.stat(onnxFile);
    await fs.mkdir(dir, { recursive: true });
    const file = memoFile(dir, onnxFile);
    const tmp = `${file}.${process.pid}.${Date.now()}`;
    await fs.writeFile(tmp, JSON.stringify({ path: path.resolve(onnxFile), size: st.size, mtimeMs: st.mtimeMs, hash }));
    await fs.rename(tmp, file);
  } catch { /* hashed again next time */ }
}
