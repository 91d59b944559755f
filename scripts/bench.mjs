// `npm run bench`: runs bench/main.ts through tsx with the GC exposed (the memory section
// collects garbage before reading RSS). Arguments pass through, e.g. `npm run bench -- --quick`.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const result = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', path.join(root, 'bench/main.ts'), ...process.argv.slice(2)], {
  stdio: 'inherit',
  cwd: root,
});
process.exit(result.status ?? 1);
