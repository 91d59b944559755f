// What machine and software a benchmark ran on, so figures can be compared honestly.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface MachineSummary {
  cpuModel: string;
  cores: number;
  ramGiB: number;
  os: string;
  loadAvgAtStart: number[];
  node: string;
  onnxruntime: string;
  transformers: string;
  torch: string;
  chromium: string;
}

function packageVersion(name: string): string {
  try {
    // Bench code runs as CommonJS through tsx, so require.resolve finds the installed copy.
    const file = require.resolve(`${name}/package.json`);
    return JSON.parse(readFileSync(file, 'utf8')).version as string;
  } catch {
    return 'not installed';
  }
}

function commandOutput(cmd: string, args: string[]): string | null {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

/** /proc/cpuinfo names the CPU more fully than os.cpus() on some kernels. */
function cpuModel(): string {
  try {
    const m = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) return m[1].trim();
  } catch {
    /* not Linux */
  }
  return os.cpus()[0]?.model ?? 'unknown';
}

export function machineSummary(python: string, chromiumPath: string): MachineSummary {
  const torch = commandOutput(python, ['-c', 'import torch; print(torch.__version__)']);
  const chromium = commandOutput(chromiumPath, ['--version']);
  return {
    cpuModel: cpuModel(),
    cores: os.cpus().length,
    ramGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    loadAvgAtStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
    node: process.versions.node,
    onnxruntime: packageVersion('onnxruntime-node'),
    transformers: packageVersion('@xenova/transformers'),
    torch: torch ?? 'not available',
    chromium: chromium ?? 'Chromium not available',
  };
}
