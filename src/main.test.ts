import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config/load.js';
import { manualClock } from './core/clock.js';
import { ConfigError } from './core/errors.js';
import { buildRuntime, podModelFactory } from './main.js';
import { createDetector } from './detectors/index.js';
import type { DetectorSnapshot } from './core/snapshot.js';

describe('podModelFactory (KAD_DETECTOR)', () => {
  it('builds the per-workload pod model by default', () => {
    const make = podModelFactory(loadConfig({ env: {} }));
    const m = make(1);
    expect(m.kind).toBe('max');
    expect(typeof m.fit).toBe('function');
  });

  it('builds the registry\'s pod-model: with the config\'s defaults it is the kind\'s defaults; IFOREST_* settings reach it', () => {
    expect(podModelFactory(loadConfig({ env: {} }))(3).toJSON()).toEqual(createDetector('pod-model', {}, 3).toJSON());
    const m = podModelFactory(loadConfig({ env: { IFOREST_N_ESTIMATORS: '10', IFOREST_MAX_SAMPLES: '64', IFOREST_CONTAMINATION: '0.05' } }))(1);
    const calibrated = (m.toJSON().state as { members: DetectorSnapshot[] }).members[0];
    expect(calibrated.params).toMatchObject({ quantile: 0.95, k: 1 });
    const forest = ((calibrated.state as { inner: DetectorSnapshot }).inner.state as { steps: DetectorSnapshot[] }).steps[1];
    expect(forest.params).toMatchObject({ nEstimators: 10, maxSamples: 64, contamination: 0.05 });
  });

  it('builds any registry kind, with the pod features\' scale floors where the kind takes them', () => {
    const robust = podModelFactory(loadConfig({ env: { KAD_DETECTOR: 'robust-z' } }))(1);
    expect(robust.kind).toBe('robust-z');
    expect((robust.toJSON().params as { minScale?: number[] }).minScale).toHaveLength(5);
    expect(podModelFactory(loadConfig({ env: { KAD_DETECTOR: 'hst' } }))(1).kind).toBe('hst');
  });

  it('refuses an unknown kind at boot, naming the setting and the known kinds', () => {
    expect(() => podModelFactory(loadConfig({ env: { KAD_DETECTOR: 'magic' } }))).toThrow(ConfigError);
    expect(() => podModelFactory(loadConfig({ env: { KAD_DETECTOR: 'magic' } }))).toThrow(/KAD_DETECTOR="magic" is invalid: must be pod-model or one of .*ensemble/);
  });
});

describe('KAD_SOURCE=replay', () => {
  it('plays a folder of per-pod CSV files as if it had started one training window ago: kad trains on its start and scores the rest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kad-main-replay-'));
    try {
      for (const [pod, cpu] of [['web-7d4b9c8f6d-x2k9p', 0.2], ['web-7d4b9c8f6d-b8m4q', 0.3]] as const) {
        const rows = Array.from({ length: 120 }, (_, i) => `${1_700_000_000 + 60 * i},${cpu * (1 + 0.01 * Math.sin(i))},${2e8},${1e5},${2e5},1,5e8`);
        writeFileSync(join(dir, `${pod}.csv`), ['timestamp,cpu,memory,rx_bytes,tx_bytes,cpu_limit,memory_limit', ...rows].join('\n') + '\n');
      }
      const now = Date.UTC(2030, 0, 1);
      const config = loadConfig({ env: { KAD_SOURCE: 'replay', KAD_REPLAY_DIR: dir, KAD_FORECAST: 'false', KAD_LOG_LEVEL: 'silent' } });
      const clock = manualClock(now);
      const rt = await buildRuntime(config, { clock });
      expect(rt.source.name).toBe('replay');
      await rt.engine.step();
      expect(rt.engine.status()).toMatchObject({ trained: true, trainedAt: now, pods: 2 });
      clock.advance(10 * 60_000);
      await rt.engine.step();
      expect(rt.engine.detect().map((r) => r.t)).toEqual([now + 10 * 60_000, now + 10 * 60_000]);
      expect(() => loadConfig({ env: { KAD_SOURCE: 'replay' } })).not.toThrow();
      await expect(buildRuntime(loadConfig({ env: { KAD_SOURCE: 'replay', KAD_LOG_LEVEL: 'silent' } }), { clock })).rejects.toThrow(/KAD_SOURCE=replay needs KAD_REPLAY_DIR/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
