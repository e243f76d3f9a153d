import { Gauge, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { KeyedGauge } from './keyed-gauge.js';

const labels = (pod: string) => () => ({ namespace: 'shop', pod, workload: 'cart "v2"\\' });

describe('KeyedGauge', () => {
  it('exposes what a prom-client Gauge with the same series exposes', async () => {
    const mine = new Registry();
    const theirs = new Registry();
    const g = new KeyedGauge('anomaly_score', 'Score of the pod.', mine);
    const ref = new Gauge({ name: 'anomaly_score', help: 'Score of the pod.', labelNames: ['namespace', 'pod', 'workload'], registers: [theirs] });
    for (const [pod, v] of [['a', 0.5], ['b', 1e-7], ['a', 0.25], ['c\n', NaN], ['d', Infinity]] as const) {
      g.set(pod, labels(pod), v);
      ref.set(labels(pod)(), v);
    }
    g.remove('b');
    ref.remove(labels('b')());
    expect(await mine.metrics()).toBe(await theirs.metrics());
    expect(await mine.metrics()).toContain('anomaly_score{namespace="shop",pod="a",workload="cart \\"v2\\"\\\\"} 0.25');
    expect(g.value('a')).toBe(0.25);
    expect(g.value('b')).toBeUndefined();
  });

  it('makes a series\' labels once, when its key is new', () => {
    const g = new KeyedGauge('x', 'x', new Registry());
    let made = 0;
    const make = () => {
      made++;
      return { pod: 'a' };
    };
    g.set('a', make, 1);
    g.set('a', make, 2);
    expect(made).toBe(1);
    expect(g.value('a')).toBe(2);
  });

  it('is cleared by the registry\'s resetMetrics, and a taken name is refused', async () => {
    const r = new Registry();
    const g = new KeyedGauge('x', 'x', r);
    g.set('a', () => ({ pod: 'a' }), 1);
    r.resetMetrics();
    expect(await r.metrics()).not.toContain('pod="a"');
    expect(() => new KeyedGauge('x', 'again', r)).toThrow(/already been registered/);
  });
});
