/**
 * Seasonal band detector costs: scoreOne throughput (a lookup), refit time for 2,016 and 1,152 points
 * with a 288-step season (MSTL) and without one (ETS), and memory per univariate series.
 * Run: npx tsx bench/seasonal.bench.ts
 */
import { createRng } from '../src/core/rng.js';
import { SeasonalBandDetector } from '../src/detectors/seasonal-band.js';
import { fitForecast } from '../src/forecast/augurs.js';

const P = 288;
const rng = createRng(1);
const y = Float64Array.from({ length: 2016 }, (_, i) => 100 + 50 * Math.sin((2 * Math.PI * i) / P) + 3 * rng.normal());
const time = (f: () => void, reps: number): number => {
  f();
  const t0 = performance.now();
  for (let r = 0; r < reps; r++) f();
  return (performance.now() - t0) / reps;
};
for (const n of [2016, 1152]) {
  console.log(`refit MSTL [288], ${n} points, 360 steps: ${time(() => fitForecast(y.subarray(0, n), [P], 360, 0.95, 'mstl'), 5).toFixed(1)} ms`);
}
console.log(`refit ETS (no season), 576 points (what the detector fits): ${time(() => fitForecast(y.subarray(0, 576), [], 360, 0.95, 'ets'), 5).toFixed(1)} ms`);

const d = new SeasonalBandDetector({ maxHistory: 2016 });
const t0 = performance.now();
for (let i = 0; i < y.length; i++) d.learnOne(Float64Array.of(y[i]), 1.7e12 + i * 300_000);
console.log(`learn 2,016 points (refits at 576 ... 2016, maxHistory 2016): ${(performance.now() - t0).toFixed(0)} ms`);
const x = new Float64Array(1);
const N = 5_000_000;
let sink = 0;
const t1 = performance.now();
for (let i = 0; i < N; i++) {
  x[0] = y[i % 2016];
  sink += d.scoreOne(x, 1.7e12 + (2016 + (i % 400)) * 300_000);
}
const s = (performance.now() - t1) / 1000;
console.log(`scoreOne: ${(N / s / 1e6).toFixed(1)} M points/s (sink ${sink.toFixed(1)})`);
const dflt = new SeasonalBandDetector();
const bytes = dflt.params.maxHistory * 8 + dflt.horizon * (8 + 4 + 4);
console.log(`memory per univariate series (defaults: maxHistory ${dflt.params.maxHistory} Float64, horizon ${dflt.horizon} × point Float64 + 2 half-widths Float32): ${bytes} B = ${(bytes / 1024).toFixed(1)} KiB`);
