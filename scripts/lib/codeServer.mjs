// Starting code-server with this extension loaded: lay out the extension folder, write user
// settings, pick a free port, start, wait until it answers, stop. Used by `npm start` and by the
// end-to-end harness (test/e2e/harness.ts). Types: codeServer.d.mts.
import { spawn } from 'node:child_process';
import { cpSync, createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureCodeServer } from '../setup-code-server.mjs';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** What the extension needs at run time besides package.json (the bundle keeps these external). */
const COPIED_ITEMS = ['package.json', 'dist', 'media', 'README.md', 'LICENSE'];
const LINKED_ITEMS = ['model'];
const RUNTIME_MODULES = ['onnxruntime-node', 'onnxruntime-common'];

/** `<publisher>.<name>-<version>`, the folder name VS Code expects in an extensions dir. */
export function extensionFolderName() {
  const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
  return `${pkg.publisher}.${pkg.name}-${pkg.version}`;
}

/** `<publisher>.<name>`, the id commands like `--install-extension` report. */
export function extensionId() {
  const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
  return `${pkg.publisher}.${pkg.name}`;
}

/**
 * Lays the working tree's extension out in `extensionsDir` (requires `npm run build` first) and
 * returns its folder. The manifest and the code are copied, because VS Code attributes a
 * `require('vscode')` to an extension by the caller's real path; the model and the run-time
 * modules are linked (large, and they never import vscode).
 */
export function layoutExtension(extensionsDir) {
  if (!existsSync(path.join(repoRoot, 'dist', 'extension.js'))) {
    throw new Error('dist/extension.js is missing: run `npm run build` first');
  }
  const dir = path.join(extensionsDir, extensionFolderName());
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(path.join(dir, 'node_modules'), { recursive: true });
  for (const item of COPIED_ITEMS) {
    const from = path.join(repoRoot, item);
    if (existsSync(from)) cpSync(from, path.join(dir, item), { recursive: true });
  }
  for (const item of LINKED_ITEMS) {
    const from = path.join(repoRoot, item);
    if (existsSync(from)) symlinkSync(from, path.join(dir, item));
  }
  for (const mod of RUNTIME_MODULES) {
    const from = path.join(repoRoot, 'node_modules', mod);
    if (!existsSync(from)) throw new Error(`node_modules/${mod} is missing: run npm ci`);
    symlinkSync(from, path.join(dir, 'node_modules', mod));
  }
  return dir;
}

/** Settings that keep a test/demo instance quiet and offline. Extra keys override. */
export function writeUserSettings(userDataDir, extra = {}) {
  const settings = {
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'workbench.startupEditor': 'none',
    'workbench.welcomePage.walkthroughs.openOnInstall': false,
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'security.workspace.trust.enabled': false,
    'git.enabled': false,
    'typescript.disableAutomaticTypeAcquisition': true,
    'npm.autoDetect': 'off',
    'chat.disableAIFeatures': true,
    ...extra,
  };
  const file = path.join(userDataDir, 'User', 'settings.json');
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(settings, null, 2) + '\n');
  return file;
}

/** A TCP port nobody listens on right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function waitForHealth(url, child, timeoutMs, logFile) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`code-server exited (${child.exitCode}); see ${logFile}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`code-server did not answer within ${timeoutMs} ms; see ${logFile}`);
}

/** Runs code-server's CLI once (e.g. `--install-extension x.vsix`) and resolves with its output. */
export function codeServerCli(args, { extensionsDir, userDataDir }) {
  const entry = ensureCodeServer();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [entry, '--extensions-dir', extensionsDir, '--user-data-dir', userDataDir, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`code-server ${args.join(' ')} failed (${code}):\n${out}`))));
  });
}

/**
 * Starts code-server on 127.0.0.1 and waits until it answers.
 * opts: { folder, extensionsDir, userDataDir, port?, logFile?, timeoutMs?, env? } (env: extra variables,
 * which the extension host inherits).
 * Returns { url, port, folder, process, logFile, stop(): Promise<void> }.
 */
export async function startCodeServer(opts) {
  const entry = ensureCodeServer();
  const port = opts.port ?? (await freePort());
  const logFile = opts.logFile ?? path.join(opts.userDataDir, 'code-server.log');
  mkdirSync(path.dirname(logFile), { recursive: true });
  const log = createWriteStream(logFile);
  const args = [
    entry, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--extensions-dir', opts.extensionsDir, '--user-data-dir', opts.userDataDir, opts.folder,
  ];
  // Own process group, so stop() also ends the extension host and other children it spawned.
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...(opts.env ?? {}) } });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const url = `http://127.0.0.1:${port}`;
  const stop = () => new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }, 5000);
    child.once('exit', () => { clearTimeout(timer); resolve(); });
    try { process.kill(-child.pid, 'SIGTERM'); } catch { clearTimeout(timer); resolve(); }
  });
  try {
    await waitForHealth(url, child, opts.timeoutMs ?? 120_000, logFile);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, port, folder: opts.folder, process: child, logFile, stop };
}
