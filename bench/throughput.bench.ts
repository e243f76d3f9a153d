/**
 * Streaming throughput and memory per series of every detector kind on univariate series, the case
 * of one detector per (pod, metric). Run: `npm run bench:throughput` (node --expose-gc through tsx).
 * Throughput: one detector scores then learns 200,000 points of a noisy daily sine with spikes, one
 * core, medians of 3 runs. Memory: heap growth for 1,000 detectors after each learned 2,000 points,
 * divided by 1,000 (V8 heap plus array buffers, after a forced GC). Environment: DETECTORS (comma-separated kinds), N.
 */
import { createRng } from '../src/core/rng.js';
import { createDetector, detectorKinds, prepareDetectors } from '../src/detectors/index.js';

const kinds = process.env.DETECTORS ? process.env.DETECTORS.split(',') : detectorKinds();
await prepareDetectors(kinds); // lstm-ae's TensorFlow.js only when it is measured (it slows the others' typed arrays)
const N = Number(process.env.N ?? 200_000);
const gc = (globalThis as { gc?: () => void }).gc;

function series(n: number, seed: number): Float64Array {
  const rng = createRng(seed);
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = 100 + 20 * Math.sin((2 * Math.PI * i) / 1440) + 3 * rng.normal() + (rng.next() < 0.001 ? 40 : 0);
  return v;
}

const data = series(N, 1);
const x = new Float64Array(1);
console.log(`Univariate streaming, ${N.toLocaleString('en')} points (score then learn), 1-minute steps; memory after 2,000 points, over 1,000 series`);
console.log('detector     samples/s    KiB/series');
for (const kind of kinds) {
  const rates: number[] = [];
  for (let r = 0; r < 3; r++) {
    const d = createDetector(kind, {}, 42);
    const t0 = performance.now();
    for (let i = 0; i < N; i++) {
      x[0] = data[i];
      d.scoreOne(x, i * 60_000);
      d.learnOne(x, i * 60_000);
    }
    rates.push(N / ((performance.now() - t0) / 1000));
  }
  rates.sort((a, b) => a - b);
  let kib = NaN;
  if (gc) {
    gc();
    // Typed arrays live outside the V8 heap (arrayBuffers): count both.
    const used = () => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
    const before = used();
    const keep = [];
    for (let s = 0; s < 1000; s++) {
      const d = createDetector(kind, {}, s);
      for (let i = 0; i < 2000; i++) {
        x[0] = data[i];
        d.learnOne(x, i * 60_000);
      }
      keep.push(d);
    }
    gc();
    kib = (used() - before) / 1000 / 1024;
    if (keep.length !== 1000) throw new Error('unreachable');
  }
  console.log(`${kind.padEnd(12)} ${Math.round(rates[1]).toLocaleString('en').padStart(10)}  ${Number.isNaN(kib) ? '(run with --expose-gc)' : kib.toFixed(1).padStart(12)}`);
}
