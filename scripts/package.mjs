// `npm run package`: a production build packed into a VSIX with vsce, holding exactly the run-time
// files (.vscodeignore): dist/, media/, model/, README, LICENSE, and ONNX Runtime (onnxruntime-node
// + onnxruntime-common, kept out of the bundle because of the native binary).
//   node scripts/package.mjs                      all platforms' ONNX Runtime binaries (universal VSIX)
//   node scripts/package.mjs --target linux-x64   only that platform's binary (platform-specific VSIX)
//   --out FILE    where to write the VSIX (default: <name>-<version>[-<target>].vsix at the repo root)
//   --no-build    package the current dist/ as it is
// The files are staged in .cache/package/stage: vsce's --no-dependencies mode never packs
// node_modules/, so the stage holds a manifest whose only dependency is onnxruntime-node and vsce
// collects the two run-time modules through npm.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stage = path.join(root, '.cache', 'package', 'stage');
const TARGETS = ['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64', 'win32-x64', 'win32-arm64'];

function option(name) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function run(cmd, args, cwd) {
  const r = spawnSync(cmd, args, { cwd, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status})`);
}

const target = option('--target');
if (target && !TARGETS.includes(target)) {
  console.error(`--target must be one of ${TARGETS.join(', ')}; got "${target}"`);
  process.exit(2);
}
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const out = path.resolve(option('--out') ?? path.join(root, `${pkg.name}-${pkg.version}${target ? `-${target}` : ''}.vsix`));

const build = !process.argv.includes('--no-build');
if (build) run(process.execPath, ['esbuild.mjs', '--production'], root);
try {
  // Stage: the manifest (no scripts or dev tooling), run-time files, and the two modules.
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true });
  const ortVersion = JSON.parse(readFileSync(path.join(root, 'node_modules', 'onnxruntime-node', 'package.json'), 'utf8')).version;
  const manifest = { ...pkg, dependencies: { 'onnxruntime-node': ortVersion } };
  delete manifest.devDependencies;
  delete manifest.scripts;
  delete manifest.overrides;
  writeFileSync(path.join(stage, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
  for (const item of ['dist', 'media', 'model', 'README.md', 'LICENSE', '.vscodeignore']) {
    if (existsSync(path.join(root, item))) cpSync(path.join(root, item), path.join(stage, item), { recursive: true });
  }
  const ortBin = path.join('bin', 'napi-v3');
  cpSync(path.join(root, 'node_modules', 'onnxruntime-common'), path.join(stage, 'node_modules', 'onnxruntime-common'), { recursive: true });
  cpSync(path.join(root, 'node_modules', 'onnxruntime-node'), path.join(stage, 'node_modules', 'onnxruntime-node'), {
    recursive: true,
    // A platform-specific package carries only its own native binary: bin/napi-v3/<platform>/<arch>.
    filter: (src) => {
      const rel = path.relative(path.join(root, 'node_modules', 'onnxruntime-node'), src);
      if (!target || !rel.startsWith(ortBin + path.sep)) return true;
      const [platform, arch] = rel.slice(ortBin.length + 1).split(path.sep);
      const [wantPlatform, wantArch] = target.split('-');
      return platform === wantPlatform && (arch === undefined || arch === wantArch);
    },
  });

  const vsce = path.join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
  // No repository URL: README links stay relative (they resolve inside the installed extension).
  const args = ['package', '--out', out, '--allow-missing-repository', '--no-rewrite-relative-links', ...(target ? ['--target', target] : [])];
  mkdirSync(path.dirname(out), { recursive: true });
  run(process.execPath, [vsce, ...args], stage);
} finally {
  // The production build replaced dist/; put the development build (with source maps) back.
  if (build) run(process.execPath, ['esbuild.mjs'], root);
}
const mb = (statSync(out).size / 1024 / 1024).toFixed(1);
console.log(`VSIX: ${out} (${mb} MiB${target ? `, ${target} only` : ', all platforms'})`);
