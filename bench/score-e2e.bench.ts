/**
 * `kad score` end to end, as a user runs it: CSV in, CSV out, with `--train`, default detector, the
 * built CLI (`node dist/cli/kad.js`) started as a child process, so start-up, reading, fitting, scoring
 * and writing are all in the figure. Generates (seeded) a train file and an input file of ROWS rows ×
 * 8 numeric columns (per-minute `YYYY-MM-DD HH:MM:SS` times, daily cycles, noise, a few spikes in the
 * input) in a temporary folder, runs the command RUNS times and prints the median wall time, with the
 * output's SHA-256 (the same input must give the same bytes from one version to the next).
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
    const times: number[] = [];
    let digest = '';
    for (let r = 0; r < RUNS + 1; r++) {
      const t0 = performance.now();
      const res = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      const ms = performance.now() - t0;
      if (res.status !== 0) throw new Error(`kad score exited ${res.status}: ${res.stderr.toString()}`);
      if (r === 0) digest = createHash('sha256').update(readFileSync(out)).digest('hex');
      else times.push(ms); // the first run warms the file cache and is not counted
    }
    times.sort((a, b) => a - b);
    const median = times[times.length >> 1];
    console.log(`kad score --train, end to end (node dist/cli/kad.js), ${ROWS.toLocaleString('en')} rows × 8 columns in each file, seed ${SEED}`);
    console.log(`wall s, median of ${RUNS}: ${(median / 1000).toFixed(2)} (min ${(times[0] / 1000).toFixed(2)}, max ${(times[times.length - 1] / 1000).toFixed(2)})`);
    console.log(`input ${(statSync(input).size / 1e6).toFixed(1)} MB, output ${(statSync(out).size / 1e6).toFixed(1)} MB, output sha256 ${digest}`);
    console.log(`${cpus().length} cores, load average ${loadavg()[0].toFixed(2)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
