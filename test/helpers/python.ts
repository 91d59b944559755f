// Runs a short Python script with the system interpreter that has NumPy and torch (OpenBLAS at full speed).
import { execFileSync } from 'node:child_process';

export function python(script: string, ...args: string[]): string {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return execFileSync('/usr/bin/python3', ['-c', script, ...args], { env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
}
