/**
 * `kad score` end to end, as a user runs it: CSV in, CSV out, with `--train`, default detector, the
 * built CLI (`node dist/cli/kad.js`) started as a child process, so start-up, reading, fitting, scoring
 * and writing are all in the figure. Generates (seeded) a train file and an input file of ROWS rows ×
 * 8 numeric columns (per-minute `YYYY-MM-DD HH:MM:SS` times, daily cycles, noise, a few spikes in the
 * input) in a temporary folder, runs the command RUNS times and prints the median wall time, with the
 * output's SHA-256 (the same input must give the same bytes from one version to the next). Beside it,
 * on the same files and in alternating runs (so machine load falls on both alike), the seeds'
 * scikit-learn pipeline (bench/score_sklearn.py: pandas CSV in and out, StandardScaler +
 * IsolationForest of 100 trees) when a Python with scikit-learn and pandas is found (PYTHON, else
 * python3, else /usr/bin/python3; Debian `python3-sklearn python3-pandas`), and the ratio of medians.
 *
 * Run: `npm run bench:score` (builds first). Environment: ROWS (default 300000), RUNS (default 5),
 * SEED (default 1). `tsx bench/score-e2e.bench.ts --generate DIR` only writes DIR/train.csv and
 * DIR/input.csv, for profiling or for timing another tool on the same files.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRng, type Rng } from '../src/core/rng.js';

const ROWS = Number(process.env.ROWS ?? 300_000);
const RUNS = Number(process.env.RUNS ?? 5);
const SEED = Number(process.env.SEED ?? 1);
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const KAD = join(ROOT, 'dist', 'cli', 'kad.js');
const START = Date.UTC(2024, 0, 1);
const DAY = 1440;
const SKLEARN_SCRIPT = join(ROOT, 'bench', 'score_sklearn.py');

/** The first Python that imports scikit-learn and pandas, or undefined (then sklearn is skipped, said so). */
function findPython(): string | undefined {
  for (const py of [process.env.PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => !!p)) {
    if (spawnSync(py, ['-c', 'import sklearn, pandas'], { stdio: 'ignore' }).status === 0) return py;
  }
  return undefined;
}

/** Runs `cmd args`, returns wall milliseconds; throws with its stderr when it fails. */
function timed(cmd: string, args: string[], what: string): number {
  const t0 = performance.now();
  const res = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = performance.now() - t0;
  if (res.status !== 0) throw new Error(`${what} exited ${res.status}: ${res.stderr.toString()}`);
  return ms;
}

/** Median of `xs` (sorted in place). */
function median(xs: number[]): number {
  xs.sort((a, b) => a - b);
  return xs[xs.length >> 1];
}

/** `YYYY-MM-DD HH:MM:SS` (UTC) of minute `i` after START. */
function stamp(i: number): string {
  return new Date(START + i * 60_000).toISOString().replace('T', ' ').slice(0, 19);
}

/**
 * Eight pod-like metrics for minute `i`, formatted as exporters write them: CPU cores, memory bytes
 * (integers), network rates, latency, error ratio, a count, a temperature-like signed value.
 */
function rowText(i: number, rng: Rng, spike: boolean): string {
  const day = Math.sin((2 * Math.PI * i) / DAY);
  const k = spike ? 6 : 1;
  const cpu = 0.8 + 0.4 * day + 0.05 * rng.normal() * k;
  const mem = Math.round(512e6 + 64e6 * day + 4e6 * rng.normal() * k);
  const rx = 1.2e5 + 4e4 * day + 5e3 * rng.normal() * k;
  const tx = 8e4 + 3e4 * day + 4e3 * rng.normal() * k;
  const lat = Math.abs(0.120 + 0.03 * day + 0.01 * rng.normal() * k);
  const err = Math.abs(0.002 + 0.001 * rng.normal() * k);
  const reqs = Math.round(300 + 120 * day + 15 * rng.normal() * k);
  const temp = -5 + 10 * day + rng.normal() * k;
  return `${stamp(i)},${cpu.toFixed(6)},${mem},${rx.toFixed(2)},${tx.toFixed(2)},${lat.toFixed(5)},${err.toPrecision(4)},${reqs},${temp.toFixed(3)}`;
}

/** Writes `rows` rows starting at minute `from`; spikes at a few seeded rows when `spikes`. */
function writeSeries(path: string, from: number, rows: number, rng: Rng, spikes: boolean): void {
  const header = 'timestamp,cpu,memory,rx,tx,latency,errors,requests,temp';
  const parts: string[] = [header];
  for (let i = 0; i < rows; i++) parts.push(rowText(from + i, rng, spikes && rng.next() < 0.0005));
  writeFileSync(path, parts.join('\n') + '\n');
}

/** Generates DIR/train.csv and DIR/input.csv (ROWS rows each, seeded). */
export function generate(dir: string, rows = ROWS, seed = SEED): { train: string; input: string } {
  mkdirSync(dir, { recursive: true });
  const rng = createRng(seed);
  const train = join(dir, 'train.csv');
  const input = join(dir, 'input.csv');
  writeSeries(train, 0, rows, rng, false);
  writeSeries(input, rows, rows, rng, true);
  return { train, input };
}

function main(): void {
  const g = process.argv.indexOf('--generate');
  if (g >= 0) {
    const dir = process.argv[g + 1];
    if (!dir) throw new Error('--generate DIR');
    const f = generate(dir);
    console.log(`wrote ${f.train} and ${f.input} (${ROWS} rows × 8 columns each, seed ${SEED})`);
    return;
  }
  try {
    statSync(KAD);
  } catch {
    throw new Error(`${KAD} is missing: run npm run build first (npm run bench:score does)`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'kad-score-bench-'));
  try {
    const { train, input } = generate(dir);
    const out = join(dir, 'out.csv');
    const args = [KAD, 'score', '--train', train, '--input', input, '--output', out];
    const py = findPython();
    if (!py) console.error('python3 with scikit-learn and pandas not found (apt-get install python3-sklearn python3-pandas): the scikit-learn column is skipped');
    const skOut = join(dir, 'sklearn-out.csv');
    const times: number[] = [];
    const skTimes: number[] = [];
    let digest = '';
    for (let r = 0; r < RUNS + 1; r++) {
      const ms = timed(process.execPath, args, 'kad score');
      if (r === 0) digest = createHash('sha256').update(readFileSync(out)).digest('hex');
      else times.push(ms); // the first run warms the file cache and is not counted
      const sk = py ? timed(py, [SKLEARN_SCRIPT, train, input, skOut, String(SEED)], 'scikit-learn script') : NaN;
      if (py && r > 0) skTimes.push(sk);
      console.error(`run ${r + 1}/${RUNS + 1}${r === 0 ? ' (warm-up, not counted)' : ''}: kad ${(ms / 1000).toFixed(2)} s${py ? `, scikit-learn ${(sk / 1000).toFixed(2)} s` : ''}`);
    }
    const med = median(times);
    console.log(`kad score --train, end to end (node dist/cli/kad.js), ${ROWS.toLocaleString('en')} rows × 8 columns in each file, seed ${SEED}`);
    console.log(`wall s, median of ${RUNS}: ${(med / 1000).toFixed(2)} (min ${(times[0] / 1000).toFixed(2)}, max ${(times[times.length - 1] / 1000).toFixed(2)})`);
    console.log(`input ${(statSync(input).size / 1e6).toFixed(1)} MB, output ${(statSync(out).size / 1e6).toFixed(1)} MB, output sha256 ${digest}`);
    if (py) {
      const skMed = median(skTimes);
      console.log(`scikit-learn StandardScaler + IsolationForest(100) with pandas (bench/score_sklearn.py, ${py}), same files, alternating runs: median ${(skMed / 1000).toFixed(2)} s (min ${(skTimes[0] / 1000).toFixed(2)}, max ${(skTimes[skTimes.length - 1] / 1000).toFixed(2)})`);
      console.log(`kad is ${(skMed / med).toFixed(2)}× faster end to end (ratio of medians)`);
    }
    console.log(`${cpus().length} cores, load average ${loadavg()[0].toFixed(2)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
