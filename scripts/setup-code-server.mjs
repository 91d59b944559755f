// Installs a pinned code-server (a real VS Code: web workbench + Node extension host) into the
// git-ignored .cache/code-server/, without any download besides the npm registry.
// Idempotent: a marker file records the installed version; a second run returns at once.
// Usage: node scripts/setup-code-server.mjs [--force]
// Exports: codeServerEntry(), ensureCodeServer() for other scripts.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, chmodSync, lstatSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CODE_SERVER_VERSION = '4.100.3';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const cacheDir = path.join(root, '.cache', 'code-server');
const pkgDir = path.join(cacheDir, 'node_modules', 'code-server');
const vscodeDir = path.join(pkgDir, 'lib', 'vscode');
const marker = path.join(cacheDir, '.installed-version');

/** Absolute path of code-server's Node entry point (run it with `node`). */
export function codeServerEntry() {
  return path.join(pkgDir, 'out', 'node', 'entry.js');
}

export function isInstalled() {
  return existsSync(marker) && readFileSync(marker, 'utf8').trim() === CODE_SERVER_VERSION && existsSync(codeServerEntry());
}

function run(cmd, args, cwd, extraEnv = {}) {
  const started = Date.now();
  console.log(`[setup-code-server] ${path.relative(root, cwd) || '.'}$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd, stdio: 'inherit', env: { ...process.env, ...extraEnv } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd} (exit ${r.status})`);
  console.log(`[setup-code-server]   done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

/** Installs code-server unless the marker says this version is already there. */
export function ensureCodeServer({ force = false } = {}) {
  if (!force && isInstalled()) return codeServerEntry();
  if (!existsSync('/usr/bin/rg')) {
    throw new Error('ripgrep is missing: run `bash scripts/setup-system.sh` first');
  }
  rmSync(marker, { force: true });
  mkdirSync(cacheDir, { recursive: true });
  // Own package.json so npm installs here and never touches the project's node_modules.
  writeFileSync(path.join(cacheDir, 'package.json'), JSON.stringify({ name: 'code-server-cache', private: true }, null, 2) + '\n');
  const npm = 'npm';
  const quiet = ['--no-audit', '--no-fund', '--loglevel=error'];
  // 1. The package itself; its install script would fetch things, so skip scripts.
  run(npm, ['install', '--ignore-scripts', ...quiet, `code-server@${CODE_SERVER_VERSION}`], cacheDir);
  // 2. VS Code's own runtime dependencies.
  run(npm, ['install', '--omit=dev', '--ignore-scripts', ...quiet], vscodeDir);
  // 3. ripgrep's install script downloads a binary; use Debian's instead.
  const rgDir = path.join(vscodeDir, 'node_modules', '@vscode', 'ripgrep', 'bin');
  mkdirSync(rgDir, { recursive: true });
  copyFileSync('/usr/bin/rg', path.join(rgDir, 'rg'));
  chmodSync(path.join(rgDir, 'rg'), 0o755);
  // 4. Build the native modules (node-pty, spdlog, keytar, ...) for this Node.
  run(npm, ['rebuild'], vscodeDir, { npm_config_yes: 'true' });
  // 5. The server looks up node_modules.asar; a symlink to the plain folder serves it.
  const asar = path.join(vscodeDir, 'node_modules.asar');
  let hasAsar = false;
  try { lstatSync(asar); hasAsar = true; } catch { /* absent */ }
  if (!hasAsar) symlinkSync('node_modules', asar);
  // 6. Built-in extensions' dependencies.
  run(npm, ['install', '--omit=dev', '--ignore-scripts', ...quiet], path.join(vscodeDir, 'extensions'));
  // 7. Password hashing module code-server loads at start, even with --auth none.
  run(npm, ['rebuild', 'argon2'], cacheDir);
  writeFileSync(marker, CODE_SERVER_VERSION + '\n');
  return codeServerEntry();
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  try {
    const already = isInstalled() && !process.argv.includes('--force');
    ensureCodeServer({ force: process.argv.includes('--force') });
    const took = ((Date.now() - started) / 1000).toFixed(1);
    console.log(already
      ? `code-server ${CODE_SERVER_VERSION} already set up (${took} s)`
      : `code-server ${CODE_SERVER_VERSION} set up in ${took} s: ${codeServerEntry()}`);
  } catch (err) {
    console.error(`[setup-code-server] ${err instanceof Error ? err.message : err}`);
    process.exit(1);
  }
}
