import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { manualClock } from '../core/clock.js';
import { AlertNotifier, createNotifier, type AlertNotifierOptions } from './notifier.js';
import { sinksDown } from './base.js';
import { flaggedPod, MemorySink, recordingLogger, startReceiver } from './notify.testkit.js';
import { DeliveryError } from './sink.js';

const T0 = Date.UTC(2024, 0, 1, 12);
const R = 60;
const tmp = () => mkdtempSync(join(tmpdir(), 'kad-notifier-'));

function make(over: Partial<AlertNotifierOptions> = {}) {
  const sink = new MemorySink('am');
  const log = recordingLogger();
  const statuses: [string, boolean][] = [];
  const clock = manualClock(T0);
  const opts: AlertNotifierOptions = {
    sinks: [sink], clock, stateDir: tmp(), resendSeconds: R, severity: 'critical', log,
    onSinkStatus: (s, up) => statuses.push([s, up]), retry: false, ...over,
  };
  return { n: new AlertNotifier(opts), sink, log, statuses, clock, opts };
}

const down = () => new DeliveryError('Alertmanager http://am/api/v2/alerts: connection refused (ECONNREFUSED)', false);

describe('AlertNotifier', () => {
  it('delivers firing, re-sends and the resolution, and reports status', async () => {
    const { n, sink, statuses } = make();
    expect(n.status()).toEqual({ sinks: { am: { up: true, lastError: null, pending: 0, dropped: 0 } }, firing: 0 });
    expect(statuses).toEqual([['am', true]]);
    await n.update(T0, [flaggedPod('a')]);
    await n.update(T0 + 30_000, [flaggedPod('a')]);
    await n.update(T0 + 60_000, [flaggedPod('a')]);
    expect(n.status().firing).toBe(1);
    await n.update(T0 + 70_000, []);
    expect(sink.alerts.map((a) => [a.status, a.labels.severity, a.startsAt, a.endsAt])).toEqual([
      ['firing', 'critical', new Date(T0).toISOString(), new Date(T0 + 240_000).toISOString()],
      ['firing', 'critical', new Date(T0).toISOString(), new Date(T0 + 300_000).toISOString()],
      ['resolved', 'critical', new Date(T0).toISOString(), new Date(T0 + 70_000).toISOString()],
    ]);
    expect(n.status()).toEqual({ sinks: { am: { up: true, lastError: null, pending: 0, dropped: 0 } }, firing: 0 });
  });

  it('keeps what a failing sink could not take, reports it down, and delivers it in order later', async () => {
    const { n, sink, statuses, log } = make();
    sink.fail = down();
    await expect(n.update(T0, [flaggedPod('a')])).resolves.toBeUndefined();
    await n.update(T0 + 10_000, []);
    await n.update(T0 + 20_000, [flaggedPod('a')]);
    expect(n.status().sinks.am).toEqual({ up: false, lastError: down().message, pending: 2, dropped: 0 });
    expect(statuses).toEqual([['am', true], ['am', false]]);
    expect(log.lines.filter((l) => l.level === 'warn')).toHaveLength(1);
    sink.fail = null;
    await n.update(T0 + 30_000, [flaggedPod('a')]);
    expect(sink.alerts.map((a) => [a.status, a.startsAt])).toEqual([
      ['resolved', new Date(T0).toISOString()],
      ['firing', new Date(T0 + 20_000).toISOString()],
    ]);
    expect(n.status().sinks.am).toMatchObject({ up: true, lastError: null, pending: 0 });
    expect(statuses.at(-1)).toEqual(['am', true]);
  });

  it('drops a batch the sink rejects, logs it, and goes on with the next', async () => {
    const { n, sink, log } = make({ batchSize: 1 });
    let calls = 0;
    const send = sink.send.bind(sink);
    sink.send = async (alerts) => {
      if (calls++ === 0) throw new DeliveryError('Alertmanager http://am/api/v2/alerts: HTTP 400 Bad Request: bad', true, 400);
      return send(alerts);
    };
    await n.update(T0, [flaggedPod('a'), flaggedPod('b')]);
    expect(sink.alerts.map((a) => a.labels.pod)).toEqual(['b']);
    expect(n.status().sinks.am).toMatchObject({ up: true, pending: 0, dropped: 1 });
    expect(log.text('error')).toMatch(/am rejected 1 alert\(s\), dropped: .*HTTP 400/);
  });

  it('never throws from update(), whatever the sink throws', async () => {
    const { n, sink } = make();
    sink.send = async () => { throw 'not even an Error'; };
    await expect(n.update(T0, [flaggedPod('a')])).resolves.toBeUndefined();
    expect(n.status().sinks.am).toMatchObject({ up: false, lastError: 'not even an Error', pending: 1 });
  });

  it('a restarted notifier over the same state dir delivers what the old one could not, same episode', async () => {
    const first = make();
    first.sink.fail = down();
    await first.n.update(T0, [flaggedPod('a')]);
    await first.n.close();
    const sink = new MemorySink('am');
    const second = new AlertNotifier({ ...first.opts, sinks: [sink] });
    expect(second.status()).toMatchObject({ firing: 1, sinks: { am: { pending: 1 } } });
    await second.update(T0 + 10_000, [flaggedPod('a')]);
    expect(sink.alerts.map((a) => [a.status, a.startsAt])).toEqual([['firing', new Date(T0).toISOString()]]);
    await second.update(T0 + 20_000, []);
    expect(sink.alerts.map((a) => [a.status, a.startsAt])).toEqual([
      ['firing', new Date(T0).toISOString()], ['resolved', new Date(T0).toISOString()],
    ]);
  });

  it('moves a corrupt alert state file aside and carries on', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'alerts.json'), '{"kind":');
    const { n, sink, log } = make({ stateDir: dir });
    await n.update(T0, [flaggedPod('a')]);
    expect(sink.alerts).toHaveLength(1);
    expect(log.text('error')).toMatch(/alerts\.json is not valid/);
    expect(readdirSync(dir).some((f) => f.startsWith('alerts.json.corrupt-'))).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'alerts.json'), 'utf8'))).toMatchObject({ kind: 'kad-alert-lifecycle' });
  });

  it('retries on its own timer with backoff between cycles', async () => {
    const { n, sink } = make({ retry: { initialMs: 20, maxMs: 40 } });
    let failures = 3;
    const send = sink.send.bind(sink);
    sink.send = async (alerts) => {
      if (failures-- > 0) throw down();
      return send(alerts);
    };
    await n.update(T0, [flaggedPod('a')]);
    for (let i = 0; i < 100 && sink.alerts.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(sink.alerts).toHaveLength(1);
    expect(n.status().sinks.am.up).toBe(true);
    await n.close();
  });

  it('does nothing after close()', async () => {
    const { n, sink } = make();
    await n.close();
    await n.update(T0, [flaggedPod('a')]);
    expect(sink.alerts).toEqual([]);
  });
});

describe('createNotifier', () => {
  const base = { resendSeconds: 60, severity: 'warning', silencePollSeconds: 60, insecureSkipVerify: false };

  it('builds an Alertmanager and a webhook sink from the config', async () => {
    const dir = tmp();
    const up: string[] = [];
    const n = createNotifier(
      { alertmanager: { ...base, url: 'http://127.0.0.1:1', webhookUrl: 'http://127.0.0.1:1/hook' }, state: { dir } },
      { clock: manualClock(T0), log: recordingLogger(), onSinkStatus: (s) => up.push(s), retry: false, timeoutMs: 500 },
    );
    expect(Object.keys(n.status().sinks)).toEqual(['alertmanager', 'webhook']);
    expect(up).toEqual(['alertmanager', 'webhook']);
    await n.update(T0, [flaggedPod('a')]);
    expect(n.status().sinks.alertmanager).toMatchObject({ up: false, pending: 1 });
    expect(n.status().sinks.alertmanager.lastError).toContain('http://127.0.0.1:1/api/v2/alerts');
    expect(readdirSync(dir).sort()).toEqual(['alerts.json', 'outbox-alertmanager.json', 'outbox-webhook.json']);
    await n.close();
  });

  it('sends every alert to each Alertmanager of an HA cluster (ALERTMANAGER_URL with commas), each with its own outbox and status', async () => {
    const [a, b] = [await startReceiver(), await startReceiver()];
    try {
      const dir = tmp();
      const n = createNotifier(
        { alertmanager: { ...base, url: `${a.url}/, ${b.url}/prefix` }, state: { dir } },
        { clock: manualClock(T0), log: recordingLogger(), retry: false, timeoutMs: 2000 },
      );
      b.respond = () => ({ status: 503 });
      await n.update(T0, [flaggedPod('a')]);
      expect(a.requests.map((r) => r.url)).toEqual(['/api/v2/alerts']);
      expect(b.requests.map((r) => r.url)).toEqual(['/prefix/api/v2/alerts']);
      expect(n.status().sinks).toMatchObject({
        alertmanager: { up: true, pending: 0, group: 'alertmanager' },
        'alertmanager-2': { up: false, pending: 1, group: 'alertmanager' },
      });
      // One replica down leaves kad ready (its alerts reach the other); both down does not.
      expect(sinksDown(n.status().sinks)).toEqual([]);
      a.respond = () => ({ status: 503 });
      await n.update(T0 + 60_000, [flaggedPod('a')]);
      expect(sinksDown(n.status().sinks).map(([name]) => name)).toEqual(['alertmanager', 'alertmanager-2']);
      expect(readdirSync(dir).sort()).toEqual(['alerts.json', 'outbox-alertmanager-2.json', 'outbox-alertmanager.json']);
      await n.close();
      // The second replica taken out of ALERTMANAGER_URL: its outbox, with what it still holds, is said to be left.
      const log = recordingLogger();
      const one = createNotifier({ alertmanager: { ...base, url: a.url }, state: { dir } }, { clock: manualClock(T0), log, retry: false, timeoutMs: 2000 });
      expect(log.text('warn')).toContain('outbox-alertmanager-2.json is the outbox of an alert sink no longer configured (ALERTMANAGER_URL, KAD_WEBHOOK_URL): what it holds is not sent');
      expect(log.text('warn')).not.toContain('outbox-alertmanager.json');
      await one.close();
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('without URLs delivers and writes nothing but still reports status', async () => {
    const dir = join(tmp(), 'unused');
    const n = createNotifier({ alertmanager: base, state: { dir } }, { clock: manualClock(T0), log: recordingLogger() });
    await n.update(T0, [flaggedPod('a')]);
    expect(n.status()).toEqual({ sinks: {}, firing: 1 });
    expect(existsSync(dir)).toBe(false);
    await n.close();
  });
});
