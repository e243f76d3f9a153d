import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { minuteOf, parseMinuteTable, readNezhaCallEdges, readNezhaMesh, serviceMeshReader, serviceOfPod, splitEdge } from './nezha-mesh.js';

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
  });
});

describe('serviceMeshReader', () => {
  const source = parseMinuteTable(`time,frontend_cart,checkout_cart,cart_redis\n${go(0)},0.01,0.03,0.5\n${go(1)},0.02,,0.5\n${go(2)},,,0.5\n`, 'source_50.csv');
  const front = parseMinuteTable(`Time,TimeStamp,ServiceName,SuccessRate(%),LatencyP50(s)\n${go(0)},1,Frontend,100,0.2\n${go(1)},1,Frontend,96.5,0.3\n`, 'f.csv');

  it('gives a service the mean caller-side latency of the calls into it that minute, and no error share', () => {
    const cart = serviceMeshReader({ source, front }, 'cart');
    expect(cart(minute(0)).latencyS).toBeCloseTo(0.02, 12); // (0.01 + 0.03) / 2: not its own calls to redis
    expect(cart(minute(1)).latencyS).toBeCloseTo(0.02, 12); // the caller that called
    expect(Number.isNaN(cart(minute(2)).latencyS) && Number.isNaN(cart(minute(0)).errorRatio)).toBe(true);
    expect(Number.isNaN(serviceMeshReader({ source }, 'nothing-calls-it')(minute(0)).latencyS)).toBe(true);
  });

  it('counts the services a service calls regularly (5 of the 10 minutes up to now) that got no call this minute; NaN when it calls none regularly', () => {
    // checkout calls cart every minute, payment until minute 9, email at minutes 0, 4 and 8 only.
    const rows = Array.from({ length: 12 }, (_, m) => `${go(m)},0.01,${m <= 9 ? '0.02' : ''},${m % 4 === 0 ? '0.03' : ''},0.5`);
    const table = parseMinuteTable(`time,checkout_cart,checkout_payment,checkout_email,cart_redis\n${rows.join('\n')}\n`, 'source_50.csv');
    const checkout = serviceMeshReader({ source: table }, 'checkout');
    // Minutes 0-3: fewer than 5 minutes of calls to anything, so no callee is regular yet.
    expect([0, 1, 2, 3].map((m) => checkout(minute(m)).missingCallees)).toEqual([NaN, NaN, NaN, NaN]);
    // From minute 4 on cart and payment are regular; email (3 minutes of 10 at most) never is.
    expect([4, 8, 9].map((m) => checkout(minute(m)).missingCallees)).toEqual([0, 0, 0]);
    expect([10, 11].map((m) => checkout(minute(m)).missingCallees)).toEqual([1, 1]);
    // cart's only callee, redis, is called every minute; redis calls nothing.
    expect(serviceMeshReader({ source: table }, 'cart')(minute(6)).missingCallees).toBe(0);
    expect(serviceMeshReader({ source: table }, 'redis')(minute(6)).missingCallees).toBeNaN();
    // No row for the minute: unknown.
    expect(checkout(minute(12)).missingCallees).toBeNaN();
  });

  it('gives the entry point front_service\'s latency and failed share', () => {
    const fe = serviceMeshReader({ source, front }, 'frontend');
    expect(fe(minute(1)).latencyS).toBe(0.3);
    expect(fe(minute(1)).errorRatio).toBeCloseTo(0.035, 12);
    expect(Number.isNaN(fe(minute(2)).latencyS)).toBe(true);
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
