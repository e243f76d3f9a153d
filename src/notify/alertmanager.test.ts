import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AlertPayload } from './payload.js';
import { AlertmanagerSink } from './alertmanager.js';
import { startReceiver, type Receiver } from './notify.testkit.js';
import { DeliveryError } from './sink.js';

const firing: AlertPayload = {
  status: 'firing',
  labels: { alertname: 'KadPodAnomaly', namespace: 'ns', pod: 'p' },
  annotations: { summary: 's' },
  startsAt: '2024-01-01T00:00:00.000Z',
  endsAt: '2024-01-01T00:04:00.000Z',
  generatorURL: 'http://kad/detect?namespace=ns',
};

let rx: Receiver;
beforeEach(async () => { rx = await startReceiver(); });
afterEach(async () => { await rx.close(); });

async function failure(p: Promise<void>): Promise<DeliveryError> {
  const e = await p.then(() => null, (err: unknown) => err);
  expect(e).toBeInstanceOf(DeliveryError);
  return e as DeliveryError;
}

describe('AlertmanagerSink', () => {
  it('POSTs the v2 shape to /api/v2/alerts under the base URL, path prefix kept', async () => {
    const sink = new AlertmanagerSink({ url: `${rx.url}/am/` });
    expect(sink.name).toBe('alertmanager');
    await sink.send([firing, { ...firing, status: 'resolved', generatorURL: '' }]);
    expect(rx.requests).toHaveLength(1);
    const r = rx.requests[0];
    expect([r.method, r.url, r.headers['content-type']]).toEqual(['POST', '/am/api/v2/alerts', 'application/json']);
    const { status: _s, ...postable } = firing;
    const { status: _s2, generatorURL: _g, ...resolved } = { ...firing, status: 'resolved' };
    expect(r.body).toEqual([postable, resolved]);
    await sink.send([]);
    expect(rx.requests).toHaveLength(1);
  });

  it('reports a 4xx as a permanent failure naming the URL and the reason', async () => {
    rx.respond = () => ({ status: 400, body: '"start time must be before end time"' });
    const e = await failure(new AlertmanagerSink({ url: rx.url }).send([firing]));
    expect(e.permanent).toBe(true);
    expect(e.httpStatus).toBe(400);
    expect(e.message).toBe(`Alertmanager ${rx.url}/api/v2/alerts: HTTP 400 Bad Request: "start time must be before end time" (rejected; this batch is dropped)`);
  });

  it('reports 5xx, 429 and 408 as failures to retry', async () => {
    for (const status of [500, 503, 429, 408]) {
      rx.respond = () => ({ status });
      const e = await failure(new AlertmanagerSink({ url: rx.url }).send([firing]));
      expect([e.permanent, e.httpStatus]).toEqual([false, status]);
      expect(e.message).toContain(`HTTP ${status}`);
    }
  });

  it('names the reason of a network failure and of a timeout', async () => {
    await rx.close();
    const refused = await failure(new AlertmanagerSink({ url: rx.url }).send([firing]));
    expect(refused.permanent).toBe(false);
    expect(refused.message).toBe(`Alertmanager ${rx.url}/api/v2/alerts: connection refused (ECONNREFUSED)`);
    rx = await startReceiver();
    rx.respond = () => ({ status: 200, delayMs: 2000 });
    const slow = await failure(new AlertmanagerSink({ url: rx.url, timeoutMs: 100 }).send([firing]));
    expect(slow.message).toBe(`Alertmanager ${rx.url}/api/v2/alerts: no answer within 0.1 s`);
  });
});
