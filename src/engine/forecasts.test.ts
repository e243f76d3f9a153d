import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load.js';
import { manualClock } from '../core/clock.js';
import { silentLogger } from '../core/logger.js';
import { createPodModel } from '../detectors/pod-model.js';
import { SimulatedCluster } from '../simulator/cluster.js';
import { SimulatorSource } from '../sources/simulator.js';
import { createTelemetry } from '../telemetry/metrics.js';
import { Engine } from './engine.js';
import type { ForecastingOptions } from '../forecast/workload-forecasts.js';

const MIN = 60_000;
const DAY = 86_400_000;

const FORECAST: ForecastingOptions = {
  horizonMinutes: 30, model: 'seasonal', refreshMinutes: 5, refreshBudgetMs: 60_000, historyDays: 3,
  scaling: { targetUtilisation: 0.7, minReplicas: 1, maxReplicas: 100, scaleDownStabilisationSeconds: 300 },
};

describe('Engine forecasts', () => {
  it('backfills days of history, forecasts every workload\'s CPU and memory with intervals, tracks accuracy and recommends replicas', async () => {
    const now = Date.UTC(2026, 2, 4, 11); // a Wednesday, late morning
    const cluster = new SimulatedCluster({ seed: 4, start: now - 3 * DAY - 10 * MIN, scenario: { random: false } });
    const source = new SimulatorSource(cluster);
    const clock = manualClock(now);
    const registry = new Registry();
    const config = loadConfig({ env: {} });
    const engine = new Engine({
      source, clock, telemetry: createTelemetry(registry), log: silentLogger,
      createModel: (seed) => createPodModel(config.iforest, seed),
      options: { lookbackMs: 60 * MIN, stepMs: MIN, retrainMs: 0, policy: {}, seed: 1, forecast: FORECAST, store: config.store },
    });
    await engine.step();
    expect(engine.forecastStatus()).toMatchObject({ enabled: true });
    await engine.forecastsLoaded();
    expect(engine.forecastStatus()).toEqual({ enabled: true, backfilling: false, lastError: null });
    // 45 minutes of live cycles: forecasts made at the first refresh are scored as actuals arrive.
    for (let i = 1; i <= 45; i++) {
      clock.set(now + i * MIN);
      await engine.step();
    }
    const f = engine.workloadForecasts()!;
    expect(f.workloads().length).toBeGreaterThanOrEqual(10);
    const web = f.get('shop', 'frontend', 'cpu');
    const fc = web.forecast!;
    expect(fc.point).toHaveLength(30);
    for (let i = 0; i < 30; i++) {
      expect(fc.lower95[i]).toBeLessThanOrEqual(fc.lower80[i]);
      expect(fc.lower80[i]).toBeLessThanOrEqual(fc.point[i]);
      expect(fc.point[i]).toBeLessThanOrEqual(fc.upper80[i]);
      expect(fc.upper80[i]).toBeLessThanOrEqual(fc.upper95[i]);
    }
    expect(fc.periodsMs).toContain(DAY);
    expect(web.accuracy!.points).toBeGreaterThan(100);
    expect(web.accuracy!.coverage95).toBeGreaterThan(0.6);
    expect(f.get('shop', 'frontend', 'memory').forecast).toBeDefined();
    const rec = f.recommendations().get('shop/frontend')!.recommendation;
    expect(rec.mode).toBe('predictive');
    expect(rec.replicas).toBeGreaterThanOrEqual(1);
    const text = await registry.metrics();
    expect(text).toMatch(/anomaly_detector_forecast\{namespace="shop",workload="frontend",metric="cpu",bound="upper_95"\} \d/);
    expect(text).toMatch(/anomaly_detector_forecast_mase\{namespace="shop",workload="frontend",metric="cpu"\} \d/);
    expect(text).toMatch(new RegExp(`anomaly_detector_recommended_replicas\\{namespace="shop",workload="frontend"\\} ${rec.replicas}\\n`));
  });
});
