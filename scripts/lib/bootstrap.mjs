// What `npm start` and `npm test` make sure of before anything else, so both work on a clean
// clone: the Debian packages (scripts/setup-system.sh installs only what is missing) and the npm
// dependencies (`npm ci` only when node_modules is absent). Node built-ins only: this runs before
// node_modules exists.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status})`);
}

export function bootstrap() {
  run('bash', [path.join('scripts', 'setup-system.sh')]);
  if (!existsSync(path.join(root, 'node_modules', '.package-lock.json'))) {
    console.log('[bootstrap] node_modules is missing: npm ci');
    run('npm', ['ci', '--no-audit', '--no-fund']);
  }
}
