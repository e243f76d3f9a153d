/**
 * Isolation Forest benchmark: fit time, batch and per-point scoring throughput (one thread), and
 * ROC-AUC on 100,000 × 8 points with 2% planted anomalies; and, when /usr/bin/python3 has
 * scikit-learn (Debian: `apt-get install -y python3-sklearn`), the same figures for sklearn's
 * IsolationForest on the same data, side by side. Run: `npx tsx bench/iforest.bench.ts`.
 * Targets: scoring >= 500,000 points/s, fit < 50 ms, ROC-AUC within 0.01 of scikit-learn's.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { rocAuc } from '../src/core/metrics.js';
import { row } from '../src/core/frame.js';
import { IsolationForest } from '../src/detectors/iforest.js';
import { createDetector, type Detector } from '../src/detectors/index.js';
import { plantedAnomalies } from '../src/detectors/contract.testkit.js';

const ROWS = 100_000;
const DIMS = 8;
const TREES = 100;
const SAMPLES = 256;
const SEEDS = [0, 1, 2];

/** A timing: median and best of several runs (the best shows what the code does on a quiet CPU). */
interface Timing {
  median: number;
  best: number;
}

interface Figures {
  fitMs: Timing;
  batchPps: Timing;
  onePps: Timing;
  auc: number[];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function time(f: () => void): number {
  const t0 = performance.now();
  f();
  return performance.now() - t0;
}

/** Runs `f` `n` times; returns the median and best of `per(ms)`. */
function timing(n: number, f: () => void, per: (ms: number) => number, higherIsBetter: boolean): Timing {
  const xs = Array.from({ length: n }, () => per(time(f)));
  return { median: median(xs), best: higherIsBetter ? Math.max(...xs) : Math.min(...xs) };
}

function benchKad(): Figures & { pipelinePps: Timing } {
  const { frame, labels } = plantedAnomalies(42, { rows: ROWS, dims: DIMS, rate: 0.02 });
  const make = (seed: number) => new IsolationForest({ nEstimators: TREES, maxSamples: SAMPLES }, seed);
  let seed = 0;
  const fitMs = timing(11, () => make(seed++).fit(frame), (ms) => ms, false);
  const m = make(0);
  m.fit(frame);
  const pps = (ms: number) => ROWS / (ms / 1000);
  const batchPps = timing(7, () => m.score(frame), pps, true);
  const views = Array.from({ length: ROWS }, (_, i) => row(frame, i));
  const perPoint = (d: Detector): Timing => timing(7, () => {
    let sum = 0;
    for (let i = 0; i < ROWS; i++) sum += d.scoreOne(views[i], 0);
    if (!Number.isFinite(sum)) throw new Error('non-finite score');
  }, pps, true);
  const onePps = perPoint(m);
  const p = createDetector('iforest', { nEstimators: TREES, maxSamples: SAMPLES }, 0);
  p.fit!(frame);
  const pipelinePps = perPoint(p);
  const auc = SEEDS.map((seed) => {
    const s = make(seed);
    s.fit(frame);
    return rocAuc(s.score(frame), labels);
  });
  return { fitMs, batchPps, onePps, pipelinePps, auc };
}

const PYTHON = `
import json, sys, time
import numpy as np
from sklearn import __version__
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score
path, rows, dims, trees, samples, seeds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), json.loads(sys.argv[6])
X = np.fromfile(path + '/x.f64', dtype='<f8').reshape(rows, dims)
y = np.fromfile(path + '/y.u8', dtype=np.uint8)
def t(f):
    t0 = time.perf_counter(); f(); return (time.perf_counter() - t0) * 1000
mk = lambda s: IsolationForest(n_estimators=trees, max_samples=samples, contamination='auto', random_state=s)
fit_ms = float(np.median([t(lambda: mk(i).fit(X)) for i in range(5)]))
m = mk(0).fit(X)
batch = float(np.median([t(lambda: m.score_samples(X)) for _ in range(3)]))
n1 = 300
one = t(lambda: [m.score_samples(X[i:i + 1]) for i in range(n1)])
auc = [float(roc_auc_score(y, -mk(s).fit(X).score_samples(X))) for s in seeds]
print(json.dumps({'version': __version__, 'fitMs': fit_ms, 'batchPps': rows / batch * 1000, 'onePps': n1 / one * 1000, 'auc': auc}))
`;

interface SklearnFigures {
  version: string;
  fitMs: number;
  batchPps: number;
  onePps: number;
  auc: number[];
}

function benchSklearn(): SklearnFigures | string {
  if (!existsSync('/usr/bin/python3')) return 'not run: /usr/bin/python3 not found';
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import sklearn'], { encoding: 'utf8' });
  if (probe.status !== 0) return 'not run: no scikit-learn for /usr/bin/python3 (Debian: apt-get install -y python3-sklearn)';
  const { frame, labels } = plantedAnomalies(42, { rows: ROWS, dims: DIMS, rate: 0.02 });
  const dir = mkdtempSync(join(tmpdir(), 'kad-iforest-bench-'));
  try {
    writeFileSync(join(dir, 'x.f64'), Buffer.from(frame.data.buffer, frame.data.byteOffset, frame.data.byteLength));
    writeFileSync(join(dir, 'y.u8'), labels);
    const args = [dir, ROWS, DIMS, TREES, SAMPLES, JSON.stringify(SEEDS)].map(String);
    const env = { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
    const r = spawnSync('/usr/bin/python3', ['-c', PYTHON, ...args], { encoding: 'utf8', env, maxBuffer: 1 << 20 });
    if (r.status !== 0) return `failed: ${r.stderr.trim().split('\n').pop()}`;
    return JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const aucText = (a: number[]) => `${fmt(a.reduce((s, v) => s + v, 0) / a.length, 4)} (${a.map((v) => v.toFixed(4)).join(', ')})`;

console.log(`Isolation Forest: ${fmt(ROWS)} × ${DIMS} points, 2% planted anomalies, ${TREES} trees, ${SAMPLES} samples per tree`);
console.log(`node ${process.version}, single thread; ${cpus().length} CPUs, load average ${loadavg()[0].toFixed(2)} at start`);
console.log('kad timings: median of 7 to 11 runs, best run in parentheses; scikit-learn: median of 3 to 5 runs\n');
const kad = benchKad();
const sk = benchSklearn();
const tm = (t: Timing, digits = 0) => `${fmt(t.median, digits)} (best ${fmt(t.best, digits)})`;
const rows: [string, string, string][] = [
  ['fit, ms', tm(kad.fitMs, 1), typeof sk === 'string' ? '-' : fmt(sk.fitMs, 1)],
  ['batch score, points/s', tm(kad.batchPps), typeof sk === 'string' ? '-' : fmt(sk.batchPps)],
  ['scoreOne, points/s', tm(kad.onePps), typeof sk === 'string' ? '-' : `${fmt(sk.onePps)} (score_samples on 1 row)`],
  ['scaler+forest scoreOne, points/s', tm(kad.pipelinePps), '-'],
  [`ROC-AUC, mean (seeds ${SEEDS.join(', ')})`, aucText(kad.auc), typeof sk === 'string' ? '-' : aucText(sk.auc)],
];
const w0 = Math.max(...rows.map((r) => r[0].length));
const w1 = Math.max(...rows.map((r) => r[1].length), 3);
console.log(`${''.padEnd(w0)}  ${'kad'.padStart(w1)}  ${typeof sk === 'string' ? 'scikit-learn' : `scikit-learn ${sk.version}`}`);
for (const [a, b, c] of rows) console.log(`${a.padEnd(w0)}  ${b.padStart(w1)}  ${c}`);
if (typeof sk === 'string') console.log(`\nscikit-learn ${sk}`);
const meanAuc = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
console.log(`\ntargets (on medians): scoring >= 500,000 points/s: ${kad.batchPps.median >= 5e5 ? 'met' : 'MISSED'} (batch), ` +
  `${kad.onePps.median >= 5e5 ? 'met' : 'MISSED'} (scoreOne); fit < 50 ms: ${kad.fitMs.median < 50 ? 'met' : 'MISSED'}; ROC-AUC within 0.01 of scikit-learn: ` +
  (typeof sk === 'string' ? 'not compared' : Math.abs(meanAuc(kad.auc) - meanAuc(sk.auc)) <= 0.01 ? 'met' : 'MISSED'));
