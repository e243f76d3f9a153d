import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fingerprint } from './alerts.js';
import type { AlertPayload } from './payload.js';
import { startReceiver, type Receiver } from './notify.testkit.js';
import { DeliveryError } from './sink.js';
import { WebhookSink, webhookPayload, type WebhookPayload } from './webhook.js';

function alert(pod: string, status: 'firing' | 'resolved'): AlertPayload {
  return {
    status,
    labels: { alertname: 'KadPodAnomaly', namespace: 'ns', pod, severity: 'warning' },
    annotations: { summary: `pod ${pod}`, model_version: 'v1' },
    startsAt: '2024-01-01T00:00:00.000Z',
    endsAt: '2024-01-01T00:04:00.000Z',
    generatorURL: 'http://kad/detect?namespace=ns',
  };
}

let rx: Receiver;
beforeEach(async () => { rx = await startReceiver(); });
afterEach(async () => { await rx.close(); });

describe('WebhookSink', () => {
  it("POSTs Alertmanager's webhook payload", async () => {
    const sink = new WebhookSink({ url: `${rx.url}/hook`, externalUrl: 'http://kad' });
    expect(sink.name).toBe('webhook');
    await sink.send([alert('a', 'firing'), alert('b', 'resolved')]);
    const body = rx.requests[0].body as WebhookPayload;
    expect(rx.requests[0].url).toBe('/hook');
    expect(body).toMatchObject({
      version: '4', status: 'firing', receiver: 'kad', externalURL: 'http://kad', truncatedAlerts: 0, groupLabels: {},
      commonLabels: { alertname: 'KadPodAnomaly', namespace: 'ns', severity: 'warning' },
      commonAnnotations: { model_version: 'v1' },
    });
    expect(body.alerts).toEqual([
      { ...alert('a', 'firing'), endsAt: '0001-01-01T00:00:00Z', fingerprint: fingerprint(alert('a', 'firing').labels) },
      { ...alert('b', 'resolved'), fingerprint: fingerprint(alert('b', 'resolved').labels) },
    ]);
  });

  it('says resolved when every alert in the batch is', () => {
    expect(webhookPayload([alert('a', 'resolved')]).status).toBe('resolved');
    expect(webhookPayload([]).commonLabels).toEqual({});
  });

  it('fails with the URL and the reason', async () => {
    rx.respond = () => ({ status: 404, body: 'no such hook' });
    const e = await new WebhookSink({ url: `${rx.url}/x` }).send([alert('a', 'firing')]).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(DeliveryError);
    expect((e as DeliveryError).permanent).toBe(true);
    expect((e as Error).message).toBe(`webhook ${rx.url}/…: HTTP 404 Not Found: no such hook (rejected; this batch is dropped)`);
  });
});
