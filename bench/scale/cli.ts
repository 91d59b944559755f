// The CLI at scale: `attention-lens analyze --json` on a 1,024-token text of the scale model, its
// full JSON written to a file, once inline and once with --attention-out FILE.npy; wall time and the
// process's peak RSS from /usr/bin/time.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { bundleForNode } from '../bundle';
import { now } from '../stats';

export interface CliRun {
  wallMs: number;
  peakRssMb: number;
  jsonBytes: number;
  npyBytes: number | null;
}

/** One CLI run; peak RSS from /usr/bin/time (%M, kB). */
function timed(args: string[], stdoutFile: string): Promise<{ wallMs: number; peakRssMb: number }> {
  return new Promise((resolve, reject) => {
    const out = openSync(stdoutFile, 'w');
    const t0 = now();
    const child = spawn('/usr/bin/time', ['-f', 'peak_kb=%M', process.execPath, ...args], { stdio: ['ignore', out, 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => {
      closeSync(out);
      const wallMs = now() - t0;
      const kb = Number(/peak_kb=(\d+)/.exec(stderr)?.[1]);
      if (code !== 0 || !Number.isFinite(kb)) reject(new Error(`the CLI failed (exit ${code}): ${stderr.trim().split('\n').slice(-2).join(' ')}`));
      else resolve({ wallMs, peakRssMb: kb / 1024 });
    });
  });
}

/** Runs the bundled CLI on `textFile` (n tokens) without and with --attention-out; its files are removed afterwards. */
export async function measureCli(repoRoot: string, modelDir: string, cacheDir: string, textFile: string, n: number, workDir: string): Promise<{ inline: CliRun; npy: CliRun }> {
  if (!existsSync('/usr/bin/time')) throw new Error('/usr/bin/time is missing (apt-get install time)');
  const cli = await bundleForNode(repoRoot, 'src/cli/main.ts', 'cli');
  const base = [cli, 'analyze', '--model', modelDir, '--text-file', textFile, '--max-tokens', String(n), '--cache-dir', cacheDir, '--json'];
  const json = path.join(workDir, 'cli.json');
  const npy = path.join(workDir, 'cli.npy');
  try {
    const a = await timed(base, json);
    const inline = { ...a, jsonBytes: statSync(json).size, npyBytes: null };
    const b = await timed([...base, '--attention-out', npy], json);
    return { inline, npy: { ...b, jsonBytes: statSync(json).size, npyBytes: statSync(npy).size } };
  } finally {
    rmSync(json, { force: true });
    rmSync(npy, { force: true });
  }
}
