/**
 * An HA Alertmanager: two real Alertmanager 0.25 servers named in one ALERTMANAGER_URL, as the
 * replicas of a cluster are (Prometheus, and kad, send every alert to each replica: the replicas
 * gossip notifications and silences, not alerts). Each gets every alert; one replica down leaves kad
 * ready and is reported as its own sink; back up, it gets the firing alerts again from kad's outbox.
 * (The two run unclustered: gossip is Alertmanager's business, not what is tested here.)
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { ShardOwnership } from '../src/core/shard.js';
import { manualClock } from '../src/core/clock.js';
import { checkAlertmanagerCluster } from '../src/notify/alertmanager.js';
import { sinksDown } from '../src/notify/base.js';
import { createNotifier } from '../src/notify/notifier.js';
import { flaggedPod, recordingLogger } from '../src/notify/notify.testkit.js';
import { ShardAlertWatcher } from '../src/notify/shard-alerts.js';
import { SilenceWatcher } from '../src/notify/silences.js';
import { openEventStore } from '../src/store/event-store.js';
import { startAlertmanager, type AlertmanagerServer } from './alertmanager.js';
import { describeWithServers, freePort, tempDir } from './integration.js';

describeWithServers('an HA Alertmanager: every alert to each replica', ['alertmanager'], () => {
  let am: AlertmanagerServer[] = [];

  beforeAll(async () => {
    am = await Promise.all([startAlertmanager(), startAlertmanager()]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(am.map((a) => a.stop()));
  });

  it('delivers to both, stays ready while one is down, and catches the restarted one up', async () => {
    const config = loadConfig({ env: { ALERTMANAGER_URL: am.map((a) => a.url).join(','), KAD_STATE_DIR: tempDir('ha-state'), KAD_ALERT_RESEND_SECONDS: '60' } });
    // Near real time: Alertmanager judges endsAt by its own clock.
    const clock = manualClock(Math.floor(Date.now() / 1000) * 1000 - 120_000);
    const notifier = createNotifier(config, { clock, log: recordingLogger(), retry: false, timeoutMs: 2000 });
    const holds = async (a: AlertmanagerServer) => (await a.alerts()).filter((x) => x.labels.pod === 'api-0').length;

    await notifier.update(clock.now(), [flaggedPod('api-0')]);
    expect(await Promise.all(am.map(holds))).toEqual([1, 1]);
    const log = recordingLogger();
    expect(await checkAlertmanagerCluster([am[0].url], undefined, log)).toBe(0); // clustering off: nothing to say
    expect(log.text('warn')).toBe('');
    expect(Object.keys(notifier.status().sinks)).toEqual(['alertmanager', 'alertmanager-2']);

    await am[1].stop();
    clock.advance(60_000);
    await notifier.update(clock.now(), [flaggedPod('api-0')]);
    const status = notifier.status().sinks;
    expect(status.alertmanager).toMatchObject({ up: true, pending: 0 });
    expect(status['alertmanager-2']).toMatchObject({ up: false, pending: 1 });
    expect(status['alertmanager-2'].lastError).toMatch(/connection refused/);
    expect(sinksDown(status)).toEqual([]); // /readyz stays 200: the alerts reach the cluster

    // Silences are read from the first replica that answers.
    const events = openEventStore();
    const reversed = new SilenceWatcher({ url: [...am].reverse().map((a) => a.url).join(','), events, now: () => clock.now() });
    await reversed.pollOnce();
    expect(reversed.status()).toMatchObject({ up: true, lastError: null });
    events.close();

    // Restarted with no alerts (Alertmanager keeps them in memory only): the next cycle re-sends the firing one.
    await am[1].restart();
    expect(await holds(am[1])).toBe(0);
    // The other shards' alerts are read from every replica, merged: the restarted one, asked first, knows none yet.
    const pod = flaggedPod('api-0');
    const notOwner = [0, 1].map((shard) => new ShardOwnership({ shard, shards: 2 })).find((s) => !s.owns(pod))!;
    const shards = new ShardAlertWatcher({ url: [...am].reverse().map((a) => a.url).join(','), shard: notOwner });
    expect(await shards.pollOnce()).toBe(true);
    expect([...shards.firing().values()]).toEqual([['api-0']]);
    await shards.stop();
    clock.advance(60_000);
    await notifier.update(clock.now(), [flaggedPod('api-0')]);
    expect(notifier.status().sinks['alertmanager-2']).toMatchObject({ up: true, pending: 0 });
    expect(await holds(am[1])).toBe(1);
    await notifier.close();
  });
});

describeWithServers('a clustered Alertmanager behind one URL', ['alertmanager'], () => {
  let am: AlertmanagerServer[] = [];

  beforeAll(async () => {
    const [g1, g2] = [await freePort(), await freePort()];
    am = await Promise.all([
      startAlertmanager({ cluster: { listen: `127.0.0.1:${g1}`, peers: [`127.0.0.1:${g2}`] } }),
      startAlertmanager({ cluster: { listen: `127.0.0.1:${g2}`, peers: [`127.0.0.1:${g1}`] } }),
    ]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(am.map((a) => a.stop()));
  });

  it('warns at start that ALERTMANAGER_URL names one of its two replicas; not when it names both', async () => {
    const log = recordingLogger();
    // The replicas find each other by gossip within a few seconds of starting.
    let peers: number | null = null;
    for (const end = Date.now() + 20_000; Date.now() < end && peers !== 2; await new Promise((r) => setTimeout(r, 200))) {
      peers = await checkAlertmanagerCluster([am[0].url], undefined, log);
    }
    expect(peers).toBe(2);
    expect(log.text('warn')).toContain('Alertmanager is a cluster of 2 replicas and ALERTMANAGER_URL names 1: each alert reaches only the replica the Service picks; list every replica\'s own URL in ALERTMANAGER_URL');
    const quiet = recordingLogger();
    expect(await checkAlertmanagerCluster(am.map((a) => a.url), undefined, quiet)).toBe(2);
    expect(quiet.text('warn')).toBe('');
    expect(await checkAlertmanagerCluster(['http://127.0.0.1:1'], undefined, quiet)).toBeNull();
  });
});
