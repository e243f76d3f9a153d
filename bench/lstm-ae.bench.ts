/**
 * LSTM autoencoder figures: training time per workload (2,000 points × 1 and × 4 features) on the cpu
 * and wasm backends, and scoring throughput point by point (`scoreOne`) and per frame (`score`, the same
 * JavaScript forward pass), with tfjs `predict` on the same windows for comparison.
 * Run: `npx tsx bench/lstm-ae.bench.ts [epochs]`.
 */
import { frameFromRows, row, type Frame } from '../src/core/frame.js';
import { createRng } from '../src/core/rng.js';
import { tf, useCpuBackend, useWasmBackend } from '../src/core/tf.js';
import { LstmAutoencoder } from '../src/detectors/lstm-ae.js';

const epochs = Number(process.argv[2] ?? 4);

function sines(n: number, d: number, seed: number): Frame {
  const rng = createRng(seed);
  const rows = Array.from({ length: n }, (_, i) => Array.from({ length: d }, (_, j) => Math.sin((2 * Math.PI * i) / (50 + 10 * j) + j) + 0.05 * rng.normal()));
  return frameFromRows(Array.from({ length: d }, (_, j) => `f${j}`), rows);
}

for (const backend of ['cpu', 'wasm'] as const) {
  if (backend === 'wasm') await useWasmBackend((e) => console.error(e));
  else await useCpuBackend();
  for (const d of [1, 4]) {
    const train = sines(2000, d, 1);
    const test = sines(5000, d, 2);
    const det = new LstmAutoencoder({ epochs }, 1);
    let t = performance.now();
    det.fit(train);
    const trainMs = performance.now() - t;
    t = performance.now();
    for (let i = 0; i < test.rows; i++) det.scoreOne(row(test, i));
    const oneRate = test.rows / ((performance.now() - t) / 1000);
    t = performance.now();
    det.score(test);
    const batchRate = test.rows / ((performance.now() - t) / 1000);
    const W = det.params.window;
    const model = det.toLayersModel();
    const windows = new Float32Array((test.rows - W + 1) * W * d);
    for (let i = 0; i + W <= test.rows; i++) windows.set(test.data.subarray(i * d, (i + W) * d), i * W * d);
    t = performance.now();
    tf.tidy(() => (model.predict(tf.tensor3d(windows, [test.rows - W + 1, W, d])) as tf.Tensor).dataSync());
    const predictRate = (test.rows - W + 1) / ((performance.now() - t) / 1000);
    t = performance.now();
    let n = 0;
    while (performance.now() - t < 1000) {
      tf.tidy(() => (model.predict(tf.tensor3d(windows.subarray(0, W * d), [1, W, d])) as tf.Tensor).dataSync());
      n++;
    }
    const predictOneRate = n / ((performance.now() - t) / 1000);
    model.dispose();
    console.log(`${backend} d=${d} window=${W} hidden=${det.params.hidden} epochs=${epochs}: train 2000 points ${(trainMs / 1000).toFixed(2)} s; ` +
      `scoreOne ${oneRate.toFixed(0)} points/s; score(frame) ${batchRate.toFixed(0)} points/s; tfjs predict batched ${predictRate.toFixed(0)} windows/s, one window ${predictOneRate.toFixed(0)}/s`);
  }
}
