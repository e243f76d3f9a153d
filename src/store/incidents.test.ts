import { describe, expect, it } from 'vitest';
import { groupIncidents, type IncidentEvent } from './incidents.js';

const MIN = 60_000;
const ev = (kind: IncidentEvent['kind'], id: number, namespace: string, workload: string, pod: string, start: number, end: number | null): IncidentEvent =>
  ({ kind, id, namespace, workload, pod, start, end });

describe('groupIncidents', () => {
  it('groups events of a namespace that start within the window of each other, as a chain, newest incident first', () => {
    const inc = groupIncidents([
      ev('alert', 1, 'shop', 'cart', 'cart-1', 0, 10 * MIN),
      ev('anomaly', 1, 'shop', 'cart', 'cart-1', 0, 10 * MIN),
      ev('alert', 2, 'shop', 'checkout', 'checkout-1', 4 * MIN, 6 * MIN),
      ev('alert', 3, 'shop', 'web', 'web-1', 8 * MIN, 12 * MIN), // 4 min after the previous start: same chain
      ev('alert', 4, 'platform', 'dns', 'dns-1', 1 * MIN, 2 * MIN), // another namespace
      ev('alert', 5, 'shop', 'cart', 'cart-2', 30 * MIN, null), // too late: a new incident
    ]);
    expect(inc.map((i) => i.id)).toEqual([`shop@${30 * MIN}`, `platform@${MIN}`, 'shop@0']);
    const first = inc[2];
    expect(first).toMatchObject({ start: 0, end: 12 * MIN, namespace: 'shop', workloads: ['cart', 'checkout', 'web'], pods: ['cart-1', 'checkout-1', 'web-1'], alerts: [1, 2, 3], anomalies: [1] });
    expect(inc[0].end).toBeNull();
  });

  it('an incident is open while any of its events is, and the window can be set', () => {
    const events = [ev('alert', 1, 'a', 'x', 'x-1', 0, null), ev('alert', 2, 'a', 'y', 'y-1', 2 * MIN, 3 * MIN)];
    expect(groupIncidents(events)).toHaveLength(1);
    expect(groupIncidents(events)[0].end).toBeNull();
    expect(groupIncidents(events, MIN)).toHaveLength(2);
    expect(groupIncidents([])).toEqual([]);
  });
});
