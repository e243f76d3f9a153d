import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import {
  isNeighbourColumn, meshColumns, minuteOf, parseMinuteTable, readNezhaCallEdges, readNezhaMesh, serviceOfPod, splitEdge, withMeshColumns,
} from './nezha-mesh.js';

/** A Go time string for minute `m` after 10:00 UTC on 2022-08-22, `sec` seconds into it. */
const go = (m: number, sec = 20): string => {
  const t = Date.UTC(2022, 7, 22, 10, m, sec, 21);
  return `${new Date(t).toISOString().slice(0, 23).replace('T', ' ')}338403 +0000 UTC m=+${(m * 60).toFixed(3)}`;
};
const minute = (m: number): number => minuteOf(Date.UTC(2022, 7, 22, 10, m));

describe('parseMinuteTable', () => {
  it('keys rows by UTC minute, skips text columns, and reads bad or empty values as NaN without throwing', () => {
    const text = [
      'time,timestamp,frontend_cart,checkout_cart',
      `${go(0)},1661140280,0.004,0.003`,
      `${go(1, 19)},1661140340,,nan`,
      `${go(2, 21)},1661140400,abc,0.5,extra`,
      `${go(3)},1661140460,0.007`, // a short row: the last column is missing
      'not a time,1,2,3', // skipped
      '',
    ].join('\n');
    const t = parseMinuteTable(text, 'source_50.csv');
    expect(t.names).toEqual(['frontend_cart', 'checkout_cart']);
    expect(t.rows.size).toBe(4);
    expect([...(t.rows.get(minute(0)) ?? [])]).toEqual([0.004, 0.003]);
    expect([...(t.rows.get(minute(1)) ?? [])].every(Number.isNaN)).toBe(true);
    expect(t.rows.get(minute(2))?.[0]).toBeNaN();
    expect(t.rows.get(minute(2))?.[1]).toBe(0.5);
    expect(t.rows.get(minute(3))?.[1]).toBeNaN();
  });

  it('reads the service a front_service.csv names, and refuses a file without a time column', () => {
    const t = parseMinuteTable(`Time,TimeStamp,ServiceName,SuccessRate(%)\n${go(0)},1,Frontend,100\n`, 'front_service.csv');
    expect(t.names).toEqual(['SuccessRate(%)']);
    expect(t.service).toBe('frontend');
    expect(() => parseMinuteTable('a,b\n1,2\n', 'x.csv')).toThrow(InputError);
    expect(() => parseMinuteTable('a,b\n1,2\n', 'x.csv')).toThrow(/x\.csv:1: no "time" column/);
  });
});

describe('service names and edges', () => {
  it('strips the ReplicaSet hash and pod suffix, or a StatefulSet ordinal', () => {
    expect(serviceOfPod('cartservice-579f59597d-wc2lz')).toBe('cartservice');
    expect(serviceOfPod('currencyservice-cf787dd48-vpjrd')).toBe('currencyservice');
    expect(serviceOfPod('redis-cart-0')).toBe('redis-cart');
    expect(serviceOfPod('standalone')).toBe('standalone');
    expect(splitEdge('frontend_cartservice')).toEqual(['frontend', 'cartservice']);
    expect(splitEdge('timestamp')).toBeUndefined();
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

describe('readNezhaMesh and readNezhaCallEdges on a folder', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kad-mesh-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the files that are there, and the call graph without the IP hosts', () => {
    mkdirSync(join(dir, 'a'));
    writeFileSync(join(dir, 'a', 'source_50.csv'), `time,frontend_cart\n${go(0)},0.01\n`);
    const mesh = readNezhaMesh(join(dir, 'a'));
    expect(mesh.source?.names).toEqual(['frontend_cart']);
    expect(mesh.destination).toBeUndefined();
    expect(readNezhaCallEdges(join(dir, 'a'))).toEqual([['frontend', 'cart']]); // no dependency.csv: from the edge names
    writeFileSync(join(dir, 'a', 'dependency.csv'), 'Source,Target,Weight\nfrontend,cart,1\ncart,33.33.33.80,1\nloadgenerator,33.33.33.79,1\n');
    expect(readNezhaCallEdges(join(dir, 'a'))).toEqual([['frontend', 'cart']]);
    writeFileSync(join(dir, 'a', 'dependency.csv'), 'a,b\n1,2\n');
    expect(() => readNezhaCallEdges(join(dir, 'a'))).toThrow(/dependency\.csv:1: expected "Source" and "Target"/);
  });
});
