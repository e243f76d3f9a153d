import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config/load.js';
import { manualClock } from './core/clock.js';
import { ConfigError } from './core/errors.js';
import { buildRuntime, podModelFactory, startService, type Service } from './main.js';
import { ALERT_STATE_FILE } from './notify/notifier.js';
import type { AlertLifecycleSnapshot } from './policy/alert-lifecycle.js';
import { SIM_CLOCK_FILE } from './store/sim-clock.js';
import { createDetector } from './detectors/index.js';
import type { DetectorSnapshot } from './core/snapshot.js';

describe('podModelFactory (KAD_DETECTOR)', () => {
  it('builds kad score\'s default, adaptive, by default: a streaming model (one per pod) whose members take the pod features\' scale floors', () => {
    const m = podModelFactory(loadConfig({ env: {} }))(1);
    expect(m.kind).toBe('adaptive');
    expect(m.fit).toBeUndefined();
    const members = (m.toJSON().params as { members: { kind: string; params: { minScale?: number[] } }[] }).members;
    expect(members.map((x) => x.params.minScale?.length)).toEqual([9, 9, 9, 9]); // the pod's 5 features and the mesh's 4
  });

  it('builds the per-workload pod model with KAD_DETECTOR=pod-model', () => {
    const m = podModelFactory(loadConfig({ env: { KAD_DETECTOR: 'pod-model' } }))(1);
    expect(m.kind).toBe('max');
    expect(typeof m.fit).toBe('function');
  });

  it('builds the registry\'s pod-model: with the config\'s defaults it is the kind\'s defaults; IFOREST_* settings reach it', () => {
    expect(podModelFactory(loadConfig({ env: { KAD_DETECTOR: 'pod-model' } }))(3).toJSON()).toEqual(createDetector('pod-model', {}, 3).toJSON());
    const m = podModelFactory(loadConfig({ env: { KAD_DETECTOR: 'pod-model', IFOREST_N_ESTIMATORS: '10', IFOREST_MAX_SAMPLES: '64', IFOREST_CONTAMINATION: '0.05' } }))(1);
    const calibrated = (m.toJSON().state as { members: DetectorSnapshot[] }).members[0];
    expect(calibrated.params).toMatchObject({ quantile: 0.95, k: 1 });
    const forest = ((calibrated.state as { inner: DetectorSnapshot }).inner.state as { steps: DetectorSnapshot[] }).steps[1];
    expect(forest.params).toMatchObject({ nEstimators: 10, maxSamples: 64, contamination: 0.05 });
  });

  it('builds any registry kind, with the pod features\' scale floors where the kind takes them', () => {
    const robust = podModelFactory(loadConfig({ env: { KAD_DETECTOR: 'robust-z' } }))(1);
    expect(robust.kind).toBe('robust-z');
    expect((robust.toJSON().params as { minScale?: number[] }).minScale).toHaveLength(9);
    expect(podModelFactory(loadConfig({ env: { KAD_DETECTOR: 'hst' } }))(1).kind).toBe('hst');
  });

  it('refuses an unknown kind at boot, naming the setting and the known kinds', () => {
    expect(() => podModelFactory(loadConfig({ env: { KAD_DETECTOR: 'magic' } }))).toThrow(ConfigError);
    expect(() => podModelFactory(loadConfig({ env: { KAD_DETECTOR: 'magic' } }))).toThrow(/KAD_DETECTOR="magic" is invalid: must be pod-model or one of .*ensemble/);
  });
});

describe('KAD_CLASSIFIER_ALGORITHM', () => {
  it('refuses an unknown classifier kind at boot, naming the setting and the known kinds', async () => {
    const config = loadConfig({ env: { KAD_CLASSIFIER_ALGORITHM: 'magic', KAD_CLASSIFIER_DIR: mkdtempSync(join(tmpdir(), 'kad-main-clf-')), KAD_LOG_LEVEL: 'silent' } });
    await expect(buildRuntime(config, { classifier: true })).rejects.toThrow(/KAD_CLASSIFIER_ALGORITHM="magic" is invalid: must be one of .*random-forest/);
  });
});

describe('KAD_SOURCE=replay', () => {
  it('plays a folder of per-pod CSV files as if it had started one training window ago: kad trains on its start and scores the rest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kad-main-replay-'));
    try {
      for (const [pod, cpu] of [['web-7d4b9c8f6d-x2k9p', 0.2], ['web-7d4b9c8f6d-b8m4q', 0.3]] as const) {
        const rows = Array.from({ length: 120 }, (_, i) => `${1_700_000_000 + 60 * i},${cpu * (1 + 0.01 * Math.sin(i))},${2e8},${1e5},${2e5},1,5e8`);
        writeFileSync(join(dir, `${pod}.csv`), ['timestamp,cpu,memory,rx_bytes,tx_bytes,cpu_limit,memory_limit', ...rows].join('\n') + '\n');
      }
      const now = Date.UTC(2030, 0, 1);
      const config = loadConfig({ env: { KAD_SOURCE: 'replay', KAD_REPLAY_DIR: dir, KAD_FORECAST: 'false', KAD_LOG_LEVEL: 'silent' } });
      const clock = manualClock(now);
      const rt = await buildRuntime(config, { clock });
      expect(rt.source.name).toBe('replay');
      await rt.engine.step();
      expect(rt.engine.status()).toMatchObject({ trained: true, trainedAt: now, pods: 2 });
      clock.advance(10 * 60_000);
      await rt.engine.step();
      expect(rt.engine.detect().map((r) => r.t)).toEqual([now + 10 * 60_000, now + 10 * 60_000]);
      expect(() => loadConfig({ env: { KAD_SOURCE: 'replay' } })).not.toThrow();
      await expect(buildRuntime(loadConfig({ env: { KAD_SOURCE: 'replay', KAD_LOG_LEVEL: 'silent' } }), { clock })).rejects.toThrow(/KAD_SOURCE=replay needs KAD_REPLAY_DIR/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('KAD_SIM_SPEED: simulated time survives a restart', () => {
  /** Polls `f` every 50 ms until it returns a value, for at most `ms`. */
  async function until<T>(f: () => T | undefined, ms: number, what: string): Promise<T> {
    for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) {
      const v = f();
      if (v !== undefined) return v;
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  it('/healthz names the Prometheus it reads without the password given in PROMETHEUS_URL (and stays up while it does not answer)', async () => {
    const config = loadConfig({
      env: {
        PROMETHEUS_URL: 'http://kad:s3cret@127.0.0.1:1/prom', KAD_HOST: '127.0.0.1', PORT: '0', KAD_LOG_LEVEL: 'silent', KAD_STATE_DIR: mkdtempSync(join(tmpdir(), 'kad-main-redact-')),
        REQUEST_TIMEOUT_SECONDS: '0.5', KAD_QUERY_RETRIES: '0', KAD_FORECAST: 'false',
      },
    });
    const service = await startService(config);
    try {
      const text = await (await fetch(`${service.url}/healthz`)).text();
      expect(JSON.parse(text).prometheusUrl).toBe('http://***@127.0.0.1:1/prom');
      expect(text).not.toContain('s3cret');
    } finally {
      await service.close();
    }
  });

  it('a restarted kad serve continues the simulated clock: every cycle after the restart is later, and a saved alert resolves after it started', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kad-sim-restart-'));
    // A webhook receiver that keeps what it is sent.
    const received: { status: string; labels: Record<string, string>; startsAt: string; endsAt: string }[] = [];
    const hook = createServer((req, res) => {
      let body = '';
      req.on('data', (b) => (body += b));
      req.on('end', () => {
        received.push(...(JSON.parse(body) as { alerts: typeof received }).alerts);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    const config = loadConfig({
      env: {
        KAD_SIM_SPEED: '60', KAD_STATE_DIR: dir, KAD_WEBHOOK_URL: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/`,
        KAD_ALERT_RESEND_SECONDS: '21600', KAD_FORECAST: 'false', PORT: '0', KAD_HOST: '127.0.0.1', KAD_LOG_LEVEL: 'silent',
      },
    });
    let service: Service | undefined;
    try {
      service = await startService(config);
      const first = service.runtime.engine;
      await until(() => first.status().lastCycleAt ?? undefined, 30_000, 'a first cycle');
      await service.close();
      const lastBefore = first.status().lastCycleAt!;
      const readBefore = service.runtime.clock.now(); // the latest simulated time the first run read
      service = undefined;

      // A firing alert from the first run, started at its last reading, on a pod that is gone: the
      // restarted kad resolves it on its first cycle.
      const state: AlertLifecycleSnapshot = {
        kind: 'kad-alert-lifecycle', formatVersion: 1,
        active: {
          gone: {
            labels: { alertname: 'KadPodAnomaly', namespace: 'shop', pod: 'gone-0' }, annotations: {}, generatorURL: '',
            startsAt: readBefore, lastSentAt: readBefore, endsAt: readBefore + 24 * 3_600_000,
          },
        },
      };
      writeFileSync(join(dir, ALERT_STATE_FILE), JSON.stringify(state));

      service = await startService(config);
      expect(service.runtime.clock.now()).toBeGreaterThan(readBefore);
      const second = service.runtime.engine;
      const firstAfter = await until(() => second.status().lastCycleAt ?? undefined, 30_000, 'a cycle after the restart');
      expect(firstAfter).toBeGreaterThan(lastBefore);
      const resolved = await until(() => received.find((a) => a.labels.pod === 'gone-0' && a.status === 'resolved'), 30_000, 'the saved alert resolved');
      expect(Date.parse(resolved.startsAt)).toBe(readBefore);
      expect(Date.parse(resolved.endsAt)).toBeGreaterThan(Date.parse(resolved.startsAt));
      expect(JSON.parse(readFileSync(join(dir, SIM_CLOCK_FILE), 'utf8'))).toMatchObject({ speed: 60 });
    } finally {
      await service?.close();
      await new Promise((r) => hook.close(r));
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('KAD_SHARDS: replicas split the simulated cluster', () => {
  it('two shards score disjoint sets of whole workloads whose union is every pod; /metrics and the gauges say so', async () => {
    const now = Date.UTC(2030, 0, 1, 12);
    const env = { KAD_SOURCE: 'simulator', KAD_FORECAST: 'false', KAD_WARMUP_MINUTES: '0', TRAINING_LOOKBACK_MINUTES: '10', KAD_LOG_LEVEL: 'silent' };
    const run = async (extra: Record<string, string>) => {
      const clock = manualClock(now);
      const rt = await buildRuntime(loadConfig({ env: { ...env, ...extra } }), { clock });
      await rt.engine.step();
      clock.advance(60_000);
      await rt.engine.step();
      const pods = rt.engine.detect().map((r) => `${r.ref.namespace}/${r.ref.pod}`);
      const metrics = await rt.telemetry.registry.metrics();
      await rt.source.close();
      return { rt, pods, metrics };
    };
    const all = await run({});
    const parts = [await run({ KAD_SHARDS: '2', KAD_SHARD: '0' }), await run({ KAD_SHARDS: '2', HOSTNAME: 'kad-1' })];
    expect(new Set(all.pods).size).toBeGreaterThan(20);
    const union = parts.flatMap((p) => p.pods);
    expect(union.length).toBe(all.pods.length);
    expect(new Set(union)).toEqual(new Set(all.pods));
    parts.forEach((p, shard) => {
      expect(p.pods.length).toBeGreaterThan(0);
      expect(p.rt.ownership).toMatchObject({ shard, shards: 2 });
      expect(p.metrics).toContain(`anomaly_detector_shard_info{shard="${shard}",shards="2"} 1`);
      expect(p.metrics).toContain(`anomaly_detector_shard_pods ${p.pods.length}`);
      // Only its own pods on /metrics.
      const exported = [...p.metrics.matchAll(/^anomaly_score\{namespace="([^"]+)",pod="([^"]+)"/gm)].map((m) => `${m[1]}/${m[2]}`);
      expect(new Set(exported)).toEqual(new Set(p.pods));
    });
    // A workload's pods stay together.
    const owner = new Map<string, number>();
    parts.forEach((p, shard) => p.rt.engine.detect().forEach(({ ref }) => {
      expect(owner.get(`${ref.namespace}/${ref.workload}`) ?? shard).toBe(shard);
      owner.set(`${ref.namespace}/${ref.workload}`, shard);
    }));
    expect(owner.size).toBeGreaterThan(5);
  }, 120_000);

  it('a sharded replica with ALERTMANAGER_URL reads the other shards\' alerts back for topology inhibition; one replica does not', async () => {
    const env = { KAD_SOURCE: 'simulator', KAD_FORECAST: 'false', KAD_LOG_LEVEL: 'silent', ALERTMANAGER_URL: 'http://127.0.0.1:1' };
    const sharded = await buildRuntime(loadConfig({ env: { ...env, KAD_SHARDS: '2', KAD_SHARD: '1' } }), { clock: manualClock(0) });
    const single = await buildRuntime(loadConfig({ env }), { clock: manualClock(0) });
    expect(sharded.shardAlerts?.url).toBe('http://127.0.0.1:1/api/v2/alerts?filter=alertname%3D%22KadPodAnomaly%22');
    expect(single.shardAlerts).toBeUndefined();
    // Alertmanager does not answer: the replica goes on, and says so on /metrics.
    expect(await sharded.shardAlerts!.pollOnce()).toBe(false);
    expect(await sharded.telemetry.registry.metrics()).toMatch(/^anomaly_detector_shard_alerts_up 0$/m);
    await sharded.source.close();
    await single.source.close();
  });
});
