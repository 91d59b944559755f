// `npm start`: builds the extension, makes sure code-server is set up, and serves a real VS Code
// on 127.0.0.1 with Attention Lens loaded and the sample workspace open. Prints the URL; Ctrl+C stops.
// Options: --port N (default: a free port), --folder DIR (default: sample/), --no-build.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { bootstrap } from './lib/bootstrap.mjs';
import { layoutExtension, repoRoot, startCodeServer, writeUserSettings } from './lib/codeServer.mjs';
import { ensureCodeServer } from './setup-code-server.mjs';

function option(name) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const folder = path.resolve(option('--folder') ?? path.join(repoRoot, 'sample'));
const port = option('--port') ? Number(option('--port')) : undefined;
const stateDir = path.join(repoRoot, '.cache', 'start');
const extensionsDir = path.join(stateDir, 'extensions');
const userDataDir = path.join(stateDir, 'user-data');

bootstrap();
if (!process.argv.includes('--no-build')) {
  const build = spawnSync('npm', ['run', 'build'], { cwd: repoRoot, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
ensureCodeServer();
mkdirSync(extensionsDir, { recursive: true });
layoutExtension(extensionsDir);

// Until the bundled model is trained, fall back to the smoke model so the demo still works.
const settings = {};
if (!existsSync(path.join(repoRoot, 'model', 'config.json'))) {
  const smoke = path.join(repoRoot, 'training', 'build', 'smoke', 'model');
  if (existsSync(path.join(smoke, 'config.json'))) {
    settings['attentionLens.model'] = smoke;
    console.log(`model/ has no bundled model yet; using the smoke model at ${smoke}`);
  } else {
    console.log('model/ has no bundled model yet and no smoke model was built (npm run train:smoke);'
      + ' set attentionLens.model to a transformers.js model folder.');
  }
}
writeUserSettings(userDataDir, settings);

const server = await startCodeServer({ folder, extensionsDir, userDataDir, port, logFile: path.join(stateDir, 'code-server.log') });
console.log(`\nAttention Lens is running in VS Code at:\n\n  ${server.url}/?folder=${encodeURIComponent(folder)}\n`);
console.log(`Open a file, select some text, and run "Attention Lens: Inspect Selection" (F1).`);
console.log(`Server log: ${server.logFile}. Press Ctrl+C to stop.`);

let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  await server.stop();
  process.exit(0);
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
server.process.on('exit', (code) => {
  if (!stopping) {
    console.error(`code-server exited (${code}); see ${server.logFile}`);
    process.exit(1);
  }
});
