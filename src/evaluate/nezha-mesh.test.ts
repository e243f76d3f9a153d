import { describe, expect, it } from 'vitest';
import { isNeighbourColumn, meshColumns, minuteOf, parseMinuteTable, withMeshColumns } from './nezha-mesh.js';

/** A Go time string for minute `m` after 10:00 UTC on 2022-08-22, `sec` seconds into it. */
const go = (m: number, sec = 20): string => {
  const t = Date.UTC(2022, 7, 22, 10, m, sec, 21);
  return `${new Date(t).toISOString().slice(0, 23).replace('T', ' ')}338403 +0000 UTC m=+${(m * 60).toFixed(3)}`;
};
const minute = (m: number): number => minuteOf(Date.UTC(2022, 7, 22, 10, m));

describe('isNeighbourColumn', () => {
  it('names the node\'s columns and the pod\'s client-side latency, not its server-side latency', () => {
    expect(isNeighbourColumn('NodeCpuUsageRate(%)')).toBe(true);
    expect(isNeighbourColumn('PodClientLatencyP90(s)')).toBe(true);
    expect(isNeighbourColumn('PodServerLatencyP90(s)')).toBe(false);
  });
});

describe('meshColumns and withMeshColumns', () => {
  const source = parseMinuteTable([
    'time,frontend_cart,checkout_cart,frontend_checkout,checkout_email,checkout_payment',
    `${go(0)},0.01,0.02,0.3,0.003,0.004`,
    `${go(1)},0.20,0.25,0.3,,`, // checkout is called but its calls to email and payment are missing
    `${go(2)},0.01,0.02,,,`, // nothing calls checkout: its missing calls say nothing
  ].join('\n'), 'source_50.csv');
  const destination = parseMinuteTable(`time,frontend_cart,checkout_cart\n${go(0)},0.003,0.004\n${go(1)},0.003,0.005\n`, 'destination_50.csv');
  const front = parseMinuteTable(`Time,TimeStamp,ServiceName,SuccessRate(%),LatencyP50(s)\n${go(0)},1,Frontend,100,0.2\n${go(1)},1,Frontend,96.5,0.3\n`, 'f.csv');
  const mesh = { source, destination, front };

  it('gives a service the latency of the calls into it, both sides, in a stable order', () => {
    const cols = meshColumns(mesh, 'cart');
    expect(cols.map((c) => c.name)).toEqual(['in:checkout_cart:src', 'in:frontend_cart:src', 'in:checkout_cart:dst', 'in:frontend_cart:dst']);
    expect(cols[1].at(minute(1))).toBe(0.2);
    expect(cols[0].at(minute(5))).toBeNaN(); // a minute the file lacks
    expect(meshColumns(mesh, 'cart', { inDestination: false }).map((c) => c.name)).toEqual(['in:checkout_cart:src', 'in:frontend_cart:src']);
  });

  it('counts the missing outgoing calls of a service only while it is being called', () => {
    const missing = meshColumns(mesh, 'checkout').find((c) => c.name === 'out:MissingCalls');
    expect(missing?.at(minute(0))).toBe(0);
    expect(missing?.at(minute(1))).toBe(2);
    expect(missing?.at(minute(2))).toBeNaN();
    expect(meshColumns(mesh, 'cart').some((c) => c.name === 'out:MissingCalls')).toBe(false); // cart calls nothing
    expect(meshColumns(mesh, 'checkout', { outSource: true }).map((c) => c.name)).toContain('out:checkout_email:src');
  });

  it('gives the frontend its error rate (100 − success rate) and latency, and no other service', () => {
    const cols = meshColumns(mesh, 'frontend');
    const err = cols.find((c) => c.name === 'front:ErrorRate(%)');
    expect(err?.at(minute(0))).toBe(0);
    expect(err?.at(minute(1))).toBeCloseTo(3.5, 12);
    expect(cols.map((c) => c.name)).toContain('front:LatencyP50(s)');
    expect(meshColumns(mesh, 'cart').some((c) => c.name.startsWith('front:'))).toBe(false);
    expect(meshColumns(mesh, 'frontend', { front: false }).some((c) => c.name.startsWith('front:'))).toBe(false);
  });

  it('appends the columns by the minute of each row and drops the columns keep refuses', () => {
    const times = Float64Array.from([0, 1, 2], (m) => Date.UTC(2022, 7, 22, 10, m, 19, 800));
    const frame = { names: ['CpuUsage(m)', 'NodeCpuUsageRate(%)'], rows: 3, cols: 2, data: Float64Array.from([1, 9, 2, 9, 3, 9]), times };
    const out = withMeshColumns(frame, meshColumns(mesh, 'cart', { inDestination: false }), (n) => !isNeighbourColumn(n));
    expect(out.names).toEqual(['CpuUsage(m)', 'in:checkout_cart:src', 'in:frontend_cart:src']);
    expect([...out.data]).toEqual([1, 0.02, 0.01, 2, 0.25, 0.2, 3, 0.02, 0.01]);
    expect(out.times).toBe(times);
    expect(withMeshColumns(frame, [])).toBe(frame);
  });
});
