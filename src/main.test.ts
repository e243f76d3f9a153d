import { describe, expect, it } from 'vitest';
import { loadConfig } from './config/load.js';
import { ConfigError } from './core/errors.js';
import { podModelFactory } from './main.js';

describe('podModelFactory (KAD_DETECTOR)', () => {
  it('builds the per-workload pod model by default', () => {
    const make = podModelFactory(loadConfig({ env: {} }));
    const m = make(1);
    expect(m.kind).toBe('max');
    expect(typeof m.fit).toBe('function');
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
