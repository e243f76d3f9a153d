import { describe, expect, it } from 'vitest';
import { InputError, ModelFormatError } from '../core/errors.js';
import { createRng } from '../core/rng.js';
import type { PodSample } from '../core/samples.js';
import { loadConfig } from '../config/load.js';
import { ExhaustionMonitor, exhaustionMonitorParams, type ExhaustionMonitorParams } from './exhaustion-monitor.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.UTC(2026, 0, 5);
const MiB = 1024 * 1024;
/** The service's settings: the config schema's defaults. */
const PARAMS = exhaustionMonitorParams(loadConfig({ env: {} }).earlyWarning);

function sample(pod: string, memory: number, cpu: number, restarts = 0): PodSample {
  return {
    ref: { namespace: 'shop', pod, workload: 'cart' }, cpu, memory, restarts, rxBytes: NaN, txBytes: NaN,
    rxPackets: NaN, rxDropped: NaN, cpuLimit: 0.5, memoryLimit: 512 * MiB, startedAt: T0 - 24 * HOUR,
  };
}

/** A pod leaking memory from 3 h on (to the limit 6 h later) with noisy, steady CPU; and a quiet one. */
function feed(m: ExhaustionMonitor, minutes: number, from = 0): { leak: { t: number; score: number; resource: string }[] } {
  const rng = createRng(9);
  const leak: { t: number; score: number; resource: string }[] = [];
  for (let i = from; i < from + minutes; i++) {
    const t = T0 + i * MIN;
    const grown = Math.max(0, i - 180) * ((256 * MiB) / 360);
    const r = m.observe(sample('cart-a', 256 * MiB + grown + 2 * MiB * rng.normal(), 0.2 + 0.01 * rng.normal()), t);
    leak.push({ t, score: r.score, resource: r.resource });
    m.observe(sample('cart-b', 250 * MiB + 2 * MiB * rng.normal(), 0.2 + 0.01 * rng.normal()), t);
  }
  return { leak };
}

describe('ExhaustionMonitor', () => {
  it('warns of the leaking pod\'s memory ahead of the limit and not of the quiet pod', () => {
    const m = new ExhaustionMonitor(PARAMS);
    const { leak } = feed(m, 9 * 60);
    const first = leak.find((x) => x.score >= 0.5);
    expect(first?.resource).toBe('memory');
    // The line reaches 98% of the limit (the memory default) at 180 + 0.96 × 360 minutes.
    expect((T0 + (180 + 0.96 * 360) * MIN - first!.t) / MIN).toBeGreaterThan(60);
    const quiet = m.observe(sample('cart-b', 250 * MiB, 0.2), T0 + 9 * HOUR);
    expect(quiet.score).toBeLessThan(0.1);
    expect(m.size).toBe(2);
  });

  it('takes CPU held at the limit for exhaustion now, memory held there not (page cache)', () => {
    const m = new ExhaustionMonitor(PARAMS);
    let r = m.observe(sample('p', 500 * MiB, 0.49), T0);
    for (let i = 1; i <= 30; i++) r = m.observe(sample('p', 500 * MiB, 0.49), T0 + i * MIN);
    expect(r.resource).toBe('cpu');
    expect(r.cpu.tteSeconds).toBe(0);
    expect(r.score).toBeGreaterThan(0.9);
    expect(r.memory.score).toBe(0);
  });

  it('forgets pods that went away', () => {
    const m = new ExhaustionMonitor(PARAMS);
    m.observe(sample('a', 100 * MiB, 0.1), T0);
    m.observe(sample('b', 100 * MiB, 0.1), T0);
    m.retain(new Set(['shop/b']));
    expect([...m.keys()]).toEqual(['shop/b']);
    m.forget('shop/b');
    expect(m.size).toBe(0);
  });

  it('round-trips through JSON and continues exactly as the original', () => {
    const a = new ExhaustionMonitor({ ...PARAMS, memory: { ...PARAMS.memory, horizonSeconds: 3600 } });
    feed(a, 300);
    const b = ExhaustionMonitor.fromJSON(JSON.parse(JSON.stringify(a.toJSON())));
    expect(b.params.memory.horizonSeconds).toBe(3600);
    expect(b.toJSON()).toEqual(a.toJSON());
    expect(feed(b, 200, 300)).toEqual(feed(a, 200, 300));
  });

  it('refuses bad settings and snapshots with coded errors', () => {
    expect(() => new ExhaustionMonitor({ ...PARAMS, disk: {} } as ExhaustionMonitorParams)).toThrow(InputError);
    expect(() => new ExhaustionMonitor({ ...PARAMS, cpu: { ...PARAMS.cpu, z: 0 } })).toThrow(/z must be/);
    const snap = new ExhaustionMonitor(PARAMS).toJSON();
    expect(() => ExhaustionMonitor.fromJSON({ ...snap, kind: 'kad-exhaustion' })).toThrow(ModelFormatError);
    expect(() => ExhaustionMonitor.fromJSON({ ...snap, formatVersion: 9 })).toThrow(/formatVersion/);
    expect(() => ExhaustionMonitor.fromJSON({ ...snap, pods: { 'a/b': { memory: {}, cpu: {} } } })).toThrow(ModelFormatError);
  });
});
