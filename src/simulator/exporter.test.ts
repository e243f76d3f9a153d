import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { manualClock } from '../core/clock.js';
import { SECURITY_HEADERS } from '../core/security-headers.js';
import { SimulatedCluster } from './cluster.js';
import { EXPOSITION_CONTENT_TYPE } from './exposition.js';
import { startExporter, type Exporter, type IncidentJson } from './exporter.js';

const MONDAY = Date.parse('2024-03-04T00:00:00Z');
const MIN = 60_000;

describe('startExporter', () => {
  let exporter: Exporter | undefined;
  afterEach(async () => {
    await exporter?.close();
    exporter = undefined;
  });

  it('serves /metrics, advancing the cluster to the clock, over real HTTP', async () => {
    const clock = manualClock(MONDAY);
    const cluster = new SimulatedCluster({ seed: 4, start: MONDAY, scenario: { random: false } });
    exporter = await startExporter({ cluster, clock, host: '127.0.0.1', port: 0, withTimestamps: true });
    expect(exporter.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(exporter.url).not.toMatch(/:0$/);

    const first = await fetch(`${exporter.url}/metrics`);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe(EXPOSITION_CONTENT_TYPE);
    const a = await first.text();
    expect(a).toContain('# TYPE container_cpu_usage_seconds_total counter\n');

    clock.advance(10 * MIN);
    const b = await (await fetch(`${exporter.url}/metrics`)).text();
    expect(cluster.time).toBe(MONDAY + 10 * MIN);
    const cpu = (text: string) => Number(/^container_cpu_usage_seconds_total\{[^}]*pod="frontend-[^}]*\} (\S+) (\d+)$/m.exec(text)![1]);
    const ts = (text: string) => Number(/^container_cpu_usage_seconds_total\{[^}]*\} \S+ (\d+)$/m.exec(text)![1]);
    expect(cpu(b)).toBeGreaterThan(cpu(a));
    expect(ts(a)).toBe(MONDAY);
    expect(ts(b)).toBe(MONDAY + 10 * MIN);
  });

  it('serves /incidents as JSON with epoch and ISO times, /healthz, and 404 / 405 otherwise', async () => {
    const clock = manualClock(MONDAY);
    const cluster = new SimulatedCluster({
      seed: 4, start: MONDAY,
      scenario: { random: false, events: [{ kind: 'packet_loss', at: MONDAY + 5 * MIN, workload: 'cart' }, { kind: 'crash_loop', at: MONDAY + 3 * 3_600_000, workload: 'payment' }] },
    });
    exporter = await startExporter({ cluster, clock, host: '127.0.0.1', port: 0 });
    clock.advance(6 * MIN);
    const res = await fetch(`${exporter.url}/incidents`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const list = (await res.json()) as IncidentJson[];
    const loss = list.find((i) => i.kind === 'packet_loss')!;
    expect(loss).toMatchObject({ namespace: 'shop', workload: 'cart', benign: false, start: MONDAY + 5 * MIN });
    expect(loss.pod).toMatch(/^cart-[0-9a-f]{10}-[0-9a-z]{5}$/);
    expect(loss.startIso).toBe(new Date(loss.start).toISOString());
    expect(loss.endIso).toBe(new Date(loss.end).toISOString());
    expect(list.some((i) => i.kind === 'crash_loop')).toBe(false);

    const future = (await (await fetch(`${exporter.url}/incidents?future=1`)).json()) as IncidentJson[];
    expect(future.find((i) => i.kind === 'crash_loop')).toMatchObject({ workload: 'payment', pod: '', start: MONDAY + 3 * 3_600_000 });

    const health = await fetch(`${exporter.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.text()).toBe('ok\n');
    expect((await fetch(`${exporter.url}/nope`)).status).toBe(404);
    expect((await fetch(`${exporter.url}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('answers errors as the API does: { code, error, message } with a KAD_ERR_ code, and the security headers on every answer', async () => {
    const cluster = new SimulatedCluster({ seed: 4, start: MONDAY, scenario: { random: false } });
    let broken = false;
    const clock = { ...manualClock(MONDAY), now: () => { if (broken) throw new Error('clock broke'); return MONDAY; } };
    exporter = await startExporter({ cluster, clock, host: '127.0.0.1', port: 0 });
    const expectSecure = (r: Response) => {
      for (const [k, v] of Object.entries(SECURITY_HEADERS)) expect(r.headers.get(k), k).toBe(v);
    };
    expectSecure(await fetch(`${exporter.url}/healthz`));
    expectSecure(await fetch(`${exporter.url}/metrics`));

    const missing = await fetch(`${exporter.url}/nope?x=1`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expectSecure(missing);
    expect(await missing.json()).toEqual({ code: 'KAD_ERR_NOT_FOUND', error: 'NotFoundError', message: 'No route GET /nope; try /metrics, /incidents, /healthz' });

    const post = await fetch(`${exporter.url}/metrics`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expectSecure(post);
    expect(await post.json()).toMatchObject({ code: 'KAD_ERR_METHOD_NOT_ALLOWED', error: 'MethodNotAllowedError' });

    broken = true;
    const failed = await fetch(`${exporter.url}/metrics`);
    expect(failed.status).toBe(500);
    expectSecure(failed);
    expect(await failed.json()).toEqual({ code: 'KAD_ERR_INTERNAL', error: 'InternalError', message: 'simulator error: clock broke' });

    // What the HTTP parser rejects before the exporter sees a request: headers too large.
    const { port } = new URL(exporter.url);
    const raw = await new Promise<string>((resolve, reject) => {
      const sock = connect(Number(port), '127.0.0.1', () => sock.write(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`));
      let text = '';
      sock.on('data', (b) => (text += b));
      sock.on('close', () => resolve(text));
      sock.on('error', reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 431 /);
    expect(raw).toContain('x-content-type-options: nosniff');
    expect(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4))).toMatchObject({ code: 'KAD_ERR_HEADERS_TOO_LARGE' });
  });

  it('closes and frees its port', async () => {
    const cluster = new SimulatedCluster({ seed: 4, start: MONDAY });
    const e = await startExporter({ cluster, clock: manualClock(MONDAY), host: '127.0.0.1', port: 0 });
    await fetch(`${e.url}/healthz`);
    await e.close();
    await expect(fetch(`${e.url}/healthz`)).rejects.toThrow();
  });
});
