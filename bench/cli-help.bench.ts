/**
 * Start-up of the built CLI for `--version` and the help of each command (issue 14 item 6: under
 * 0.3 s): runs `node dist/cli/kad.js ARGS` RUNS times each and prints the median and the worst wall
 * time, with the machine's load.
 *
 * Run: `npm run bench:help` (builds first when dist/ is stale). Environment: RUNS (default 7).
 */
import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const RUNS = Number(process.env.RUNS ?? 7);
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const KAD = join(ROOT, 'dist', 'cli', 'kad.js');
const CASES = [['--version'], ['--help'], ['score', '--help'], ['evaluate', '--help'], ['train', '--help'], ['simulate', '--help'], ['serve', '--help']];

console.log(`node ${process.version}, ${cpus().length} cores, load ${loadavg().map((x) => x.toFixed(2)).join(' ')}; ${RUNS} runs each`);
for (const args of CASES) {
  const ms: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [KAD, ...args], { stdio: 'ignore' });
    ms.push(performance.now() - t0);
    if (r.status !== 0) throw new Error(`kad ${args.join(' ')} exited ${r.status}`);
  }
  ms.sort((a, b) => a - b);
  console.log(`kad ${args.join(' ').padEnd(18)} median ${(ms[ms.length >> 1] / 1000).toFixed(3)} s, worst ${(ms[ms.length - 1] / 1000).toFixed(3)} s`);
}
