/**
 * The notifier against a real Alertmanager 0.25: an alert's whole life (firing, re-sent, resolved),
 * an Alertmanager outage, and a restart of kad, each checked on what Alertmanager holds and on what
 * it notifies. The clock is manual but kept near real time, because Alertmanager judges endsAt by its
 * own clock: firing alerts must end after real now, resolutions at or before it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock, type ManualClock } from '../src/core/clock.js';
import { AlertmanagerSink } from '../src/notify/alertmanager.js';
import type { FlaggedPod } from '../src/notify/base.js';
import { AlertNotifier, type AlertNotifierOptions } from '../src/notify/notifier.js';
import { flaggedPod, recordingLogger, startReceiver, type Receiver } from '../src/notify/notify.testkit.js';
import { WebhookSink, type WebhookPayload } from '../src/notify/webhook.js';
import { startAlertmanager, type AlertmanagerServer, type GettableAlert } from './alertmanager.js';
import { describeWithServers, tempDir } from './integration.js';

const R = 120; // resendSeconds
const FIRING = 'alertmanager_alerts_received_total{status="firing",version="v2"}';
const RESOLVED = 'alertmanager_alerts_received_total{status="resolved",version="v2"}';

function pod(name: string): FlaggedPod {
  return flaggedPod(name, {
    namespace: 'payments',
    workload: 'api',
    node: 'node-3',
    score: 0.987654321,
    threshold: 0.75,
    modelVersion: 'payments/api@7',
    topFeatures: [
      { name: 'cpu_above_peers', value: 1.38, z: 13.8, expected: [-0.2, 0.3] },
      { name: 'rx_drop_share', value: 0.12, z: 9.1, expected: [0, 0.01] },
    ],
  });
}

const ms = (iso: string) => Date.parse(iso);
const waitUntil = async (what: string, ok: () => boolean, timeoutMs = 10_000) => {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

describeWithServers('AlertNotifier against a real Alertmanager', ['alertmanager'], () => {
  let am: AlertmanagerServer;
  let hook: Receiver; // what Alertmanager notifies
  let clock: ManualClock;
  let opts: AlertNotifierOptions;
  let notifier: AlertNotifier;
  const health: [string, boolean][] = [];
  const log = recordingLogger();
  const of = (alerts: GettableAlert[], name: string) => alerts.filter((a) => a.labels.pod === name);
  const notified = (name: string, status: string) =>
    hook.requests.flatMap((r) => (r.body as WebhookPayload).alerts).filter((a) => a.labels.pod === name && a.status === status);

  beforeAll(async () => {
    hook = await startReceiver();
    am = await startAlertmanager({ webhookUrl: `${hook.url}/am` });
    // 2.5 resend intervals in the past: two re-sends later the clock is still behind real time.
    clock = manualClock(Math.floor(Date.now() / 1000) * 1000 - 2.5 * R * 1000);
    opts = {
      sinks: [new AlertmanagerSink({ url: am.url, timeoutMs: 2000 })],
      clock, stateDir: tempDir('notify-state'), resendSeconds: R, severity: 'page',
      externalUrl: 'https://kad.example.com', log, onSinkStatus: (s, up) => health.push([s, up]), retry: false,
    };
    notifier = new AlertNotifier(opts);
  });

  afterAll(async () => {
    await notifier?.close();
    await am?.stop();
    await hook?.close();
  });

  it('fires, re-sends as one alert, and resolves', async () => {
    const t0 = clock.now();
    await notifier.update(t0, [pod('api-0')]);
    const first = of(await am.alerts(), 'api-0');
    expect(first).toHaveLength(1);
    let a = first[0];
    expect(a.labels).toEqual({
      alertname: 'KadPodAnomaly', namespace: 'payments', pod: 'api-0', workload: 'api', severity: 'page', source: 'kad',
    });
    expect(a.annotations).toMatchObject({
      score: '0.987654',
      threshold: '0.75',
      model_version: 'payments/api@7',
      top_features: 'cpu_above_peers=1.38 (z=13.8, expected -0.2..0.3); rx_drop_share=0.12 (z=9.1, expected 0..0.01)',
      expected_range: '-0.2..0.3',
      link: 'https://kad.example.com/detect?namespace=payments',
    });
    expect(a.annotations.summary).toContain('Pod payments/api-0');
    expect(a.annotations.description).toContain('payments/api@7');
    expect(a.generatorURL).toBe('https://kad.example.com/detect?namespace=payments');
    expect(a.status.state).toBe('active');
    expect([ms(a.startsAt), ms(a.endsAt)]).toEqual([t0, t0 + 4 * R * 1000]);
    const firing0 = await am.metric(FIRING);

    // Flagged every 25 s for just over two resend intervals: re-sent at +125 s and +250 s.
    for (let i = 0; i < 10; i++) {
      clock.advance(25_000);
      await notifier.update(clock.now(), [pod('api-0')]);
      const now = of(await am.alerts(), 'api-0');
      expect(now).toHaveLength(1);
      expect(now[0].fingerprint).toBe(a.fingerprint);
      expect(ms(now[0].startsAt)).toBe(t0);
    }
    [a] = of(await am.alerts(), 'api-0');
    expect(ms(a.endsAt)).toBe(t0 + 250_000 + 4 * R * 1000);
    expect((await am.metric(FIRING)) - firing0).toBe(2);
    await waitUntil('the firing notification', () => notified('api-0', 'firing').length > 0);
    expect(notified('api-0', 'firing')).toHaveLength(1);

    clock.advance(10_000);
    const resolvedAt = clock.now();
    expect(resolvedAt).toBeLessThanOrEqual(Date.now());
    const resolved0 = await am.metric(RESOLVED);
    await notifier.update(resolvedAt, []);
    expect((await am.metric(RESOLVED)) - resolved0).toBe(1);
    // Alertmanager 0.25 leaves resolved alerts out of /api/v2/alerts whatever the filters…
    expect(of(await am.alerts(), 'api-0')).toEqual([]);
    expect(of(await am.alerts('active=false&silenced=false&inhibited=false&unprocessed=true'), 'api-0')).toEqual([]);
    expect(of(await am.alerts('active=true&silenced=true&inhibited=true&unprocessed=true'), 'api-0')).toEqual([]);
    // …and notifies the resolution, with our endsAt.
    await waitUntil('the resolved notification', () => notified('api-0', 'resolved').length > 0);
    const [r] = notified('api-0', 'resolved');
    expect([ms(r.startsAt), ms(r.endsAt)]).toEqual([t0, resolvedAt]);
    expect(notifier.status()).toEqual({ sinks: { alertmanager: { up: true, lastError: null, pending: 0, dropped: 0, group: 'alertmanager' } }, firing: 0 });
  });

  it('keeps an alert through an Alertmanager outage and delivers it once when it is back', async () => {
    await am.stop();
    clock.advance(10_000);
    const tB = clock.now();
    await expect(notifier.update(tB, [pod('api-1')])).resolves.toBeUndefined();
    const s = notifier.status().sinks.alertmanager;
    expect(s).toMatchObject({ up: false, pending: 1 });
    expect(s.lastError).toBe(`Alertmanager ${am.url}/api/v2/alerts: connection refused (ECONNREFUSED)`);
    expect(health.at(-1)).toEqual(['alertmanager', false]);
    clock.advance(10_000);
    await notifier.update(clock.now(), [pod('api-1')]);
    expect(notifier.status().sinks.alertmanager.pending).toBe(1);

    await am.restart();
    clock.advance(10_000);
    await notifier.update(clock.now(), [pod('api-1')]);
    expect(notifier.status().sinks.alertmanager).toEqual({ up: true, lastError: null, pending: 0, dropped: 0, group: 'alertmanager' });
    expect(health.at(-1)).toEqual(['alertmanager', true]);
    const got = of(await am.alerts(), 'api-1');
    expect(got).toHaveLength(1);
    expect(ms(got[0].startsAt)).toBe(tB);
    expect(await am.metric(FIRING)).toBe(1); // a fresh Alertmanager received exactly one alert
    expect(log.text('warn')).toContain('connection refused');
    expect(log.text('info')).toContain('works again');
  });

  it('a restarted kad delivers what the stopped one could not, then re-sends what Alertmanager lost', async () => {
    await am.stop();
    clock.advance(10_000);
    const tC = clock.now();
    await notifier.update(tC, [pod('api-1'), pod('api-2')]);
    expect(notifier.status().sinks.alertmanager).toMatchObject({ up: false, pending: 1 });
    await notifier.close();

    await am.restart();
    notifier = new AlertNotifier(opts);
    expect(notifier.status()).toMatchObject({ firing: 2, sinks: { alertmanager: { up: true, pending: 1 } } });
    clock.advance(10_000);
    await notifier.update(clock.now(), [pod('api-1'), pod('api-2')]);
    expect(await am.metric(FIRING)).toBe(1);
    const got = of(await am.alerts(), 'api-2');
    expect(got).toHaveLength(1);
    expect(ms(got[0].startsAt)).toBe(tC);
    expect(notifier.status().sinks.alertmanager.pending).toBe(0);

    // The restarted Alertmanager forgot api-1; its next re-send brings it back, same episode.
    expect(of(await am.alerts(), 'api-1')).toEqual([]);
    clock.advance(R * 1000);
    await notifier.update(clock.now(), [pod('api-1'), pod('api-2')]);
    const all = await am.alerts();
    expect(of(all, 'api-1')).toHaveLength(1);
    expect(of(all, 'api-2')).toHaveLength(1);
    expect(ms(of(all, 'api-2')[0].startsAt)).toBe(tC);
  });
});

describe('AlertNotifier with a webhook', () => {
  it('posts firing and resolved payloads, retries a 5xx on the next cycle and drops a 4xx', async () => {
    const rx = await startReceiver();
    try {
      const clock = manualClock(Date.UTC(2024, 0, 1));
      const n = new AlertNotifier({
        sinks: [new WebhookSink({ url: `${rx.url}/hook`, timeoutMs: 2000, externalUrl: 'http://kad' })],
        clock, stateDir: tempDir('notify-webhook'), resendSeconds: 60, severity: 'warning', log: recordingLogger(), retry: false,
      });
      const bodies = () => rx.requests.map((r) => r.body as WebhookPayload);
      await n.update(clock.now(), [flaggedPod('w-0')]);
      expect(bodies()).toHaveLength(1);
      expect(bodies()[0]).toMatchObject({ version: '4', status: 'firing', externalURL: 'http://kad' });
      expect(bodies()[0].alerts[0].labels.pod).toBe('w-0');

      rx.respond = () => ({ status: 503, body: 'busy' });
      clock.advance(10_000);
      await n.update(clock.now(), []);
      expect(n.status().sinks.webhook).toMatchObject({ up: false, pending: 1 });
      expect(n.status().sinks.webhook.lastError).toBe(`webhook ${rx.url}/…: HTTP 503 Service Unavailable: busy`);
      rx.respond = () => ({ status: 200 });
      clock.advance(10_000);
      await n.update(clock.now(), []);
      expect(bodies().map((b) => b.status)).toEqual(['firing', 'resolved', 'resolved']);
      expect(n.status().sinks.webhook).toMatchObject({ up: true, pending: 0 });

      rx.respond = () => ({ status: 422, body: 'unwanted' });
      await n.update(clock.now(), [flaggedPod('w-1')]);
      expect(n.status().sinks.webhook).toMatchObject({ up: false, pending: 0, dropped: 1 });
      await n.update(clock.now() + 1000, [flaggedPod('w-1')]);
      expect(rx.requests).toHaveLength(4); // not retried
      await n.close();
    } finally {
      await rx.close();
    }
  });
});
