/**
 * Topology inhibition across shards, against a real Alertmanager 0.25: alerts are delivered as kad
 * delivers them (AlertmanagerSink, the labels of notify/alerts.ts) for workloads of both shards of a
 * two-replica kad; replica 0's ShardAlertWatcher reads back only the alerts of the workloads replica 1
 * owns, with their pods; a resolved alert drops out; silenced alerts stay (a silenced callee is still
 * in trouble); when Alertmanager stops, the watcher reports it down and keeps the last answer until
 * it is stale, and recovers once Alertmanager is back (and the other replica has sent its alert again:
 * Alertmanager keeps alerts in memory only). Then the engine's path: replica 0's caller alert
 * is held while the callee firing on replica 1 is in Alertmanager.
 */
import { Registry } from 'prom-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ShardOwnership, shardOf } from '../src/core/shard.js';
import { AlertmanagerSink } from '../src/notify/alertmanager.js';
import { alertLabels } from '../src/notify/alerts.js';
import { flaggedPod } from '../src/notify/notify.testkit.js';
import { ShardAlertWatcher } from '../src/notify/shard-alerts.js';
import { AlertInhibition } from '../src/policy/alert-inhibition.js';
import type { PodOutcome } from '../src/policy/cycle-result.js';
import { callGraph } from '../src/policy/topology-inhibition.js';
import { startAlertmanager, type AlertmanagerServer } from './alertmanager.js';
import { describeWithServers } from './integration.js';

/** The first `n` workload names of namespace `shop` that shard `shard` of 2 owns. */
function owned(shard: number, n: number): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) if (shardOf(`shop/svc${i}`, 2) === shard) out.push(`svc${i}`);
  return out;
}

describeWithServers('topology inhibition across shards, through a real Alertmanager', ['alertmanager'], () => {
  let am: AlertmanagerServer;
  let sink: AlertmanagerSink;
  let watcher: ShardAlertWatcher;
  let clock = Date.now();
  const registry = new Registry();
  const mine = owned(0, 2);
  const theirs = owned(1, 2);

  const send = async (workload: string, pod: string, resolved = false) => {
    const labels = alertLabels(flaggedPod(pod, { namespace: 'shop', workload }), 'warning');
    const now = Date.now();
    await sink.send([{
      status: resolved ? 'resolved' : 'firing', labels, annotations: { summary: `${pod} is anomalous` },
      startsAt: new Date(now - 60_000).toISOString(), endsAt: new Date(resolved ? now - 1000 : now + 3_600_000).toISOString(), generatorURL: '',
    }]);
  };

  beforeAll(async () => {
    am = await startAlertmanager();
    sink = new AlertmanagerSink({ url: am.url });
    watcher = new ShardAlertWatcher({ url: am.url, shard: new ShardOwnership({ shard: 0, shards: 2 }), registry, timeoutMs: 2_000, staleMs: 60_000, now: () => clock });
  }, 60_000);

  afterAll(async () => {
    await watcher?.stop();
    await am?.stop();
  });

  const metric = async (name: string) => (await registry.getSingleMetric(name)!.get()).values[0]?.value;

  it('reads back the other shard\'s firing alerts only, with their pods; a resolved one drops out, a silenced one stays', async () => {
    await send(mine[0], `${mine[0]}-1`);
    await send(theirs[0], `${theirs[0]}-1`);
    await send(theirs[0], `${theirs[0]}-2`);
    await send(theirs[1], `${theirs[1]}-1`);
    await expect.poll(async () => (await am.alerts()).length, { timeout: 10_000 }).toBe(4);
    expect(await watcher.pollOnce()).toBe(true);
    const firing = watcher.firing();
    expect([...firing.keys()].sort()).toEqual(theirs.map((w) => `shop/${w}`).sort());
    expect([...firing.get(`shop/${theirs[0]}`)!].sort()).toEqual([`${theirs[0]}-1`, `${theirs[0]}-2`]);
    expect(await metric('anomaly_detector_shard_alerts_elsewhere')).toBe(3);
    expect(await metric('anomaly_detector_shard_alerts_up')).toBe(1);

    // Resolved: gone from Alertmanager's active alerts, gone here.
    await send(theirs[1], `${theirs[1]}-1`, true);
    await expect.poll(async () => { await watcher.pollOnce(); return watcher.firing().has(`shop/${theirs[1]}`); }, { timeout: 10_000 }).toBe(false);
    // Silenced: Alertmanager suppresses it, but it still fires.
    const res = await fetch(`${am.url}/api/v2/silences`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ matchers: [{ name: 'workload', value: theirs[0], isRegex: false, isEqual: true }], startsAt: new Date().toISOString(), endsAt: new Date(Date.now() + 3_600_000).toISOString(), createdBy: 'test', comment: 'maintenance' }),
    });
    expect(res.status).toBe(200);
    await expect.poll(async () => (await am.alerts('silenced=true')).filter((a) => a.status.silencedBy.length > 0).length, { timeout: 10_000 }).toBe(2);
    await watcher.pollOnce();
    expect(watcher.firing().get(`shop/${theirs[0]}`)?.length).toBe(2);
  });

  it('holds this replica\'s caller while the callee on the other shard fires, as the engine applies it', async () => {
    await watcher.pollOnce();
    const inhibition = new AlertInhibition();
    inhibition.useGraph(callGraph([[`shop/${mine[0]}`, `shop/${theirs[0]}`]]));
    const pod = `${mine[0]}-1`;
    const outcome: PodOutcome = {
      result: { ref: { namespace: 'shop', pod, workload: mine[0] } } as PodOutcome['result'],
      started: true, anomaly: { threshold: 0.5, topFeatures: [], peer: null, change: 'none' }, warnings: [],
    };
    inhibition.apply(Date.now(), [outcome], watcher.firing());
    expect(outcome.held).toBe(true);
    expect(outcome.inhibitedBy?.map((a) => `${a.workload}/${a.pod}`).sort()).toEqual([`${theirs[0]}/${theirs[0]}-1`, `${theirs[0]}/${theirs[0]}-2`]);
  });

  it('keeps the last answer while Alertmanager is down, until it is stale; recovers when it is back', async () => {
    await am.stop();
    expect(await watcher.pollOnce()).toBe(false);
    expect(await metric('anomaly_detector_shard_alerts_up')).toBe(0);
    expect(watcher.firing().has(`shop/${theirs[0]}`)).toBe(true);
    clock += 61_000;
    expect(watcher.firing().size).toBe(0);
    await am.restart();
    await expect.poll(() => watcher.pollOnce(), { timeout: 15_000 }).toBe(true);
    expect(await metric('anomaly_detector_shard_alerts_up')).toBe(1);
    // Alertmanager keeps alerts in memory only: empty until the other replica sends its alert again (as senders do every cycle).
    expect(watcher.firing().size).toBe(0);
    await send(theirs[0], `${theirs[0]}-1`);
    await watcher.pollOnce();
    expect(watcher.firing().get(`shop/${theirs[0]}`)).toEqual([`${theirs[0]}-1`]);
  }, 60_000);
});
