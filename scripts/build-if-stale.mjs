#!/usr/bin/env node
/**
 * `npm start`'s prestart: builds dist/ with tsc only when a source file, a tsconfig or package.json is
 * newer than dist/cli/kad.js (or dist/ is missing), so `npm start` does not rebuild on every start and
 * `start` itself can be `exec node dist/cli/kad.js serve` (`exec`: the server is the process npm
 * signals, not a shell that would die and leave it running). No dependency. With `--check`, builds
 * nothing and exits 1 when dist/ is stale.
 */
import { spawnSync } from 'node:child_process';

import { readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The newest modification time (ms) of the files under `dir` whose names pass `keep`. */
function newest(dir, keep) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newest(p, keep));
    else if (keep(e.name)) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}

function mtime(p) {
  try {
    return statSync(p).mtimeMs;
  } catch {
    return -1;
  }
}

const built = mtime(join(root, 'dist', 'cli', 'kad.js'));
const sources = Math.max(
  newest(join(root, 'src'), (n) => n.endsWith('.ts') && !n.endsWith('.test.ts')),
  ...['tsconfig.json', 'tsconfig.build.json', 'package.json'].map((f) => mtime(join(root, f))),
);
if (built >= sources) process.exit(0);
if (process.argv.includes('--check')) process.exit(1);
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
process.stderr.write(built < 0 ? 'kad: building dist/ (first start)\n' : 'kad: sources changed since the last build; rebuilding dist/\n');
const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
process.exit(r.status ?? 1);
