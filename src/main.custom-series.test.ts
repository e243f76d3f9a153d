import { describe, expect, it } from 'vitest';
import { loadConfig } from './config/load.js';
import { ConfigError } from './core/errors.js';
import { POD_FEATURE_MIN_SCALE } from './features/pod-features.js';
import { buildRuntime, engineOptions, podModelFactory } from './main.js';

const QUEUE = { name: 'queue_depth', query: 'sum by (namespace, pod) (app_queue_depth)', scaleFloor: 7 };
const withQueue = (env: Record<string, string> = {}) => loadConfig({ env, overrides: { 'features.custom': [QUEUE] } });

describe('custom series (features.custom) in the wiring', () => {
  it('gives the pod model the custom series\' scale floors after the pod features\' own, and the engine their names', () => {
    const robust = podModelFactory(withQueue({ KAD_DETECTOR: 'robust-z' }))(1);
    const floors = Array.from(POD_FEATURE_MIN_SCALE);
    expect((robust.toJSON().params as { minScale: number[] }).minScale).toEqual([...floors.slice(0, 5), 7, ...floors.slice(5)]);
    expect(engineOptions(withQueue()).customFeatures).toEqual([QUEUE]);
    expect(engineOptions(loadConfig({ env: {} })).customFeatures).toBeUndefined();
  });

  it('scores a custom series only above what is expected when its entry says onlyAbove, at its place after the pod features', () => {
    const params = (c: ReturnType<typeof loadConfig>) => podModelFactory(c)(1).toJSON().params as { onlyAbove: number[] };
    expect(params(withQueue({ KAD_DETECTOR: 'robust-z' })).onlyAbove).toEqual([1, 2, 3, 4, 7, 8, 9]);
    const rising = loadConfig({ env: { KAD_DETECTOR: 'robust-z' }, overrides: { 'features.custom': [{ ...QUEUE, onlyAbove: true }] } });
    expect(params(rising).onlyAbove).toEqual([1, 2, 3, 4, 5, 7, 8, 9]);
  });

  it('refuses them with a source other than Prometheus, naming the setting', async () => {
    await expect(buildRuntime(withQueue({ KAD_SOURCE: 'simulator' }))).rejects.toThrow(ConfigError);
    await expect(buildRuntime(withQueue())).rejects.toThrow(
      /^features\.custom \(custom series: queue_depth\) needs the Prometheus source, which runs their queries; the source is simulator \(KAD_SOURCE=auto, PROMETHEUS_URL unset\): set PROMETHEUS_URL, or remove features\.custom from the config$/,
    );
    await expect(buildRuntime(withQueue({ KAD_SOURCE: 'remote-write' }))).rejects.toThrow(/the source is remote-write \(KAD_SOURCE=remote-write\)/);
  });
});
