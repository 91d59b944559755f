// The system Python that has NumPy and torch, run with OpenBLAS at full speed (the machine's
// OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE overrides slow it down), for reference computations.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The environment for the system Python: this process's, without the OpenBLAS overrides, plus `extra`. */
export function pythonEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return env;
}

/** Runs a short Python script and returns what it printed. */
export function python(script: string, ...args: string[]): string {
  return execFileSync('/usr/bin/python3', ['-c', script, ...args], { env: pythonEnv(), encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
}

/**
 * A folder that the Python `script` (given the folder as its one argument) builds the first time
 * it is asked for, once per test process, and that is removed when the process exits.
 */
export function folderBuiltOnce(script: string, prefix: string): () => string {
  let built: string | undefined;
  return () => {
    if (!built) {
      const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
      execFileSync('/usr/bin/python3', ['-W', 'ignore', script, dir], { env: pythonEnv(), stdio: 'pipe' }); // a failure's stderr is in the error
      process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
      built = dir;
    }
    return built;
  };
}
