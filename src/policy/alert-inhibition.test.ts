import { describe, expect, it } from 'vitest';
import { AlertInhibition } from './alert-inhibition.js';
import type { PodOutcome } from './cycle-result.js';
import { callGraph } from './topology-inhibition.js';

const MIN = 60_000;
const graph = callGraph([['shop/frontend', 'shop/checkout'], ['shop/checkout', 'shop/payment']]);

/** Outcomes of one cycle: the named pods fire, the others do not. */
function cycle(firing: string[], all = ['frontend-1', 'checkout-1', 'payment-1', 'payment-2']): PodOutcome[] {
  return all.map((pod) => ({
    result: { ref: { namespace: 'shop', pod, workload: pod.replace(/-\d$/, '') } } as PodOutcome['result'],
    started: false,
    anomaly: firing.includes(pod) ? { threshold: 0.5, topFeatures: [], peer: null, change: 'none' } : null,
    warnings: [],
  }));
}

const byPod = (o: PodOutcome[]) => new Map(o.map((x) => [x.result.ref.pod, x]));

describe('AlertInhibition', () => {
  it('holds the alerts of callers, directly or further up, while a callee fires, naming its firing pods', () => {
    const inh = new AlertInhibition();
    inh.useGraph(graph);
    const o = cycle(['frontend-1', 'checkout-1', 'payment-2']);
    inh.apply(10 * MIN, o);
    const p = byPod(o);
    expect([p.get('payment-2')!.held, p.get('payment-2')!.inhibitedBy]).toEqual([undefined, undefined]);
    expect(p.get('checkout-1')!.held).toBe(true);
    expect(p.get('checkout-1')!.inhibitedBy).toEqual([{ namespace: 'shop', workload: 'payment', pod: 'payment-2' }]);
    expect(p.get('frontend-1')!.held).toBe(true);
    expect(p.get('frontend-1')!.inhibitedBy!.map((a) => a.workload).sort()).toEqual(['checkout', 'payment']);
    expect(p.get('payment-1')!.inhibitedBy).toBeUndefined();
  });

  it('sends a held alert once nothing downstream fires, and keeps an alert already sent, naming the callee that fires later', () => {
    const inh = new AlertInhibition();
    inh.useGraph(graph);
    const first = cycle(['checkout-1']);
    inh.apply(MIN, first);
    expect(byPod(first).get('checkout-1')!.held).toBeUndefined(); // nothing downstream: sent
    const second = cycle(['checkout-1', 'payment-1']);
    inh.apply(2 * MIN, second);
    const c = byPod(second).get('checkout-1')!;
    expect(c.held).toBeUndefined(); // already sent: stays, with the callee named
    expect(c.inhibitedBy).toEqual([{ namespace: 'shop', workload: 'payment', pod: 'payment-1' }]);
    // frontend starts while payment fires: held; payment resolves: frontend is sent.
    const third = cycle(['frontend-1', 'payment-1']);
    inh.apply(3 * MIN, third);
    expect(byPod(third).get('frontend-1')!.held).toBe(true);
    const fourth = cycle(['frontend-1']);
    inh.apply(4 * MIN, fourth);
    expect([byPod(fourth).get('frontend-1')!.held, byPod(fourth).get('frontend-1')!.inhibitedBy]).toEqual([undefined, undefined]);
  });

  it('takes the workloads firing on other shards as firing: a callee another replica watches holds this one\'s callers', () => {
    const inh = new AlertInhibition();
    inh.useGraph(graph);
    // This replica watches frontend and checkout; payment is another shard's, firing there.
    const o = cycle(['frontend-1', 'checkout-1'], ['frontend-1', 'checkout-1']);
    inh.apply(MIN, o, new Map([['shop/payment', ['payment-7']]]));
    const p = byPod(o);
    expect(p.get('checkout-1')!.held).toBe(true);
    expect(p.get('checkout-1')!.inhibitedBy).toEqual([{ namespace: 'shop', workload: 'payment', pod: 'payment-7' }]);
    expect(p.get('frontend-1')!.inhibitedBy!.map((a) => a.workload).sort()).toEqual(['checkout', 'payment']);
    // Nothing fires elsewhere any more (after the lookback): checkout is sent, frontend still held by checkout.
    const later = cycle(['frontend-1', 'checkout-1'], ['frontend-1', 'checkout-1']);
    inh.apply(3 * MIN, later, new Map());
    expect(byPod(later).get('checkout-1')!.held).toBeUndefined();
    expect(byPod(later).get('frontend-1')!.inhibitedBy).toEqual([{ namespace: 'shop', workload: 'checkout', pod: 'checkout-1' }]);
  });

  it('inhibits nothing without a call graph, and honours a lookback', () => {
    const none = new AlertInhibition();
    const o = cycle(['frontend-1', 'payment-1']);
    none.apply(MIN, o);
    expect(o.every((x) => !x.held && !x.inhibitedBy)).toBe(true);
    const look = new AlertInhibition({ lookbackSteps: 1 });
    look.useGraph(graph);
    look.apply(MIN, cycle(['payment-1']));
    const next = cycle(['checkout-1']);
    look.apply(2 * MIN, next);
    expect(byPod(next).get('checkout-1')).toMatchObject({ held: true, inhibitedBy: [{ namespace: 'shop', workload: 'payment' }] });
    expect(() => new AlertInhibition({ stepMs: 0 })).toThrow(/stepMs/);
  });
});
