/**
 * Forecasting, forecast accuracy and predictive scaling (issue 5). Run: `npm run bench:forecast`.
 * 1. 30-minute forecasts of the simulator's workloads (CPU cores and working-set bytes of each of the
 *    13 Deployments, one value a minute, 7 days of history, then 3 weekdays scored from origins every
 *    30 minutes), without and with the simulator's random incidents, and of NAB's realTraffic
 *    (5-minute grid): MASE vs seasonal naive, Hyndman's MASE, MAPE, 80% and 95% coverage.
 * 2. The same simulator series with every model, from origins every 3 hours (augurs' MSTL is slow).
 * 3. Predictive against reactive scaling over a simulated day (src/evaluate/forecast-scaling.ts).
 * 4. The time to refresh the forecasts of 1,000 workloads (CPU and memory: 2,000 series with 7 days
 *    of 1-minute history each) with the default model, in one call.
 * Environment: DATA (default ../shared/data), MODEL (default seasonal), MODELS (section 2, default
 * seasonal,seasonal-ets,mstl; add prophet to include it), QUICK=1 (skip section 2), WORKLOADS (default 1000).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../src/config/load.js';
import { simulatorForecastCorpus, readNabTrafficCorpus } from '../src/evaluate/forecast-corpus.js';
import { evaluateForecastCorpus, formatForecastReport, type ForecastEvalReport } from '../src/evaluate/forecast.js';
import { formatScalingTable, simulateScaling, summariseScaling } from '../src/evaluate/forecast-scaling.js';
import { loadProphet } from '../src/forecast/augurs.js';
import { seasonalSeries } from '../src/forecast/fixtures.testkit.js';
import type { ForecastModelName } from '../src/forecast/forecaster.js';
import { ForecastService } from '../src/forecast/service.js';

const DAY = 86_400_000;
const DATA = process.env.DATA ?? '../shared/data';
const MODEL = (process.env.MODEL ?? 'seasonal') as ForecastModelName;
const verdict = (ok: boolean): string => (ok ? 'met' : 'NOT met');

// 1. Accuracy.
console.log('== 1. 30-minute forecast accuracy (model %s) ==\n', MODEL);
let t0 = performance.now();
const quiet = simulatorForecastCorpus();
const noisy = simulatorForecastCorpus({ incidents: true });
console.log(`simulated 2 × 10 days of 13 workloads in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
const reports: ForecastEvalReport[] = [
  evaluateForecastCorpus('simulator', quiet, { forecast: { model: MODEL } }),
  evaluateForecastCorpus('simulator+incidents', noisy, { forecast: { model: MODEL } }),
];
const nabDir = join(DATA, 'nab');
if (existsSync(join(nabDir, 'data', 'realTraffic'))) reports.push(evaluateForecastCorpus('nab-realTraffic', readNabTrafficCorpus(nabDir), { forecast: { model: MODEL }, warmupMs: 3 * DAY }));
else console.log(`nab-realTraffic: skipped, ${join(nabDir, 'data', 'realTraffic')} not found`);
console.log(formatForecastReport(reports, process.env.PER_SERIES === '1'));
const sim = reports[0].summary;
console.log(`target: simulator MASE (vs seasonal naive, out of sample) < 0.9: ${sim.mase.toFixed(3)} (worst series ${Math.max(...reports[0].series.map((s) => s.mase)).toFixed(3)}) — ${verdict(sim.mase < 0.9)}`);
console.log(`target: simulator 95% interval coverage in [0.90, 0.98]: ${sim.coverage95.toFixed(3)} — ${verdict(sim.coverage95 >= 0.9 && sim.coverage95 <= 0.98)}\n`);

// 2. Models side by side.
if (process.env.QUICK !== '1') {
  const models = (process.env.MODELS ?? 'seasonal,seasonal-ets,mstl').split(',') as ForecastModelName[];
  if (models.includes('prophet')) await loadProphet();
  console.log('== 2. Models on the simulator (quiet), origins every 3 hours ==\n');
  console.log(formatForecastReport(models.map((model) => evaluateForecastCorpus('simulator', quiet, { forecast: { model }, originEveryMs: 3 * 3_600_000 }))));
}

// 3. Scaling.
console.log('== 3. Predictive vs reactive scaling over a simulated day (after 7 days of history) ==\n');
t0 = performance.now();
const day = simulateScaling();
console.log(formatScalingTable(day, 60));
for (const seed of [1, 2, 3]) {
  const s = summariseScaling(simulateScaling({ seed }), 12, 18);
  console.log(`seed ${seed}, peak 12:00–18:00: max utilisation reactive ${(100 * s.reactiveMaxUtilisation).toFixed(0)}% vs recommended ${(100 * s.recommendedMaxUtilisation).toFixed(0)}%; minutes over target ${s.reactiveOverTarget} vs ${s.recommendedOverTarget}; mean replicas ${s.reactiveMeanReplicas.toFixed(2)} vs ${s.recommendedMeanReplicas.toFixed(2)}; reactive fallbacks ${s.reactiveFallbacks}`);
}
const peak = summariseScaling(day, 12, 18);
console.log(`target: at the peak the recommendation keeps utilisation under target where the HPA overshoots: over target ${peak.recommendedOverTarget} vs ${peak.reactiveOverTarget} minutes, max ${(100 * peak.recommendedMaxUtilisation).toFixed(1)}% vs ${(100 * peak.reactiveMaxUtilisation).toFixed(1)}% (target ${(100 * day.targetUtilisation).toFixed(0)}%) — ${verdict(peak.recommendedMaxUtilisation <= day.targetUtilisation && peak.reactiveMaxUtilisation > day.targetUtilisation)}`);
console.log(`(4 simulated days: ${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);

// 4. Refresh time.
const workloads = Number(process.env.WORKLOADS ?? 1000);
console.log(`== 4. Refreshing the forecasts of ${workloads} workloads (CPU + memory) ==\n`);
// One-minute series, refreshed as the service's default `forecast.refreshMinutes` says.
const svc = new ForecastService({ stepMs: 60_000, refreshMs: loadConfig({ env: {} }).forecast.refreshMinutes * 60_000, forecast: { model: MODEL } });
const start = Date.parse('2024-03-05T00:00:00Z');
const heap0 = process.memoryUsage();
t0 = performance.now();
for (let w = 0; w < workloads; w++) {
  const cpu = seasonalSeries({ seed: 2 * w + 1, startMs: start, days: 7, level: 0.2 + (w % 17) / 4, amplitude: 0.2 + (w % 5) / 10, noise: 0.06 });
  const mem = seasonalSeries({ seed: 2 * w + 2, startMs: start, days: 7, level: 2 ** 28 * (1 + (w % 7)), amplitude: 0.03, noise: 0.01, noiseTauMs: 1_800_000 });
  for (let i = 0; i < cpu.values.length; i++) {
    svc.observe(`w${w}/cpu`, start + i * 60_000, cpu.values[i]);
    svc.observe(`w${w}/memory`, start + i * 60_000, mem.values[i]);
  }
}
console.log(`fed 7 days of 1-minute values to ${2 * workloads} series in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
const now = start + 7 * DAY - 60_000;
const r = svc.refresh(now);
console.log(`refresh: ${r.refreshed} forecasts (${r.failed} failed) in ${(r.ms / 1000).toFixed(2)} s = ${(r.ms / Math.max(1, r.refreshed)).toFixed(2)} ms per series`);
const heap1 = process.memoryUsage();
console.log(`memory held (history buffers, accuracy windows, forecasts) ≈ ${(((heap1.heapUsed + heap1.arrayBuffers) - (heap0.heapUsed + heap0.arrayBuffers)) / (2 * workloads) / 1024).toFixed(1)} KiB per series`);
console.log(`target: ${workloads} workloads refreshed in under 60 s — ${verdict(r.ms < 60_000)}`);
