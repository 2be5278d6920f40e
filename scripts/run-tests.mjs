// Runs every compiled test file (*.test.js under a dist/ folder) with node's
// test runner, one file at a time: the end-to-end tests share loopback ports
// and the machine's two cores.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const roots = ['packages', 'services', 'test'];
const files = [];
function walk(dir, inDist) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, inDist || name === 'dist');
    else if (inDist && name.endsWith('.test.js')) files.push(path);
  }
}
for (const r of roots) walk(r, false);
const only = process.argv.slice(2);
const selected = only.length ? files.filter((f) => only.some((o) => f.includes(o))) : files;
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...selected], { stdio: 'inherit' });
process.exit(r.status ?? 1);
