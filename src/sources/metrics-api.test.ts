/**
 * Tests of the metrics-api source. No real Kubernetes API server (nor metrics-server) can run here,
 * so a small fake API server on 127.0.0.1 stands in for one: it serves recorded-style `PodList` and
 * `metrics.k8s.io/v1beta1` `PodMetricsList` answers from `fixtures/metrics-api/`, pages the pod list
 * like the real one (`limit` / `continue`), checks the bearer token, and can answer 404 (no
 * metrics-server), 403, 503 or not at all. The source reaches it through @kubernetes/client-node with
 * a kubeconfig file written to a temporary directory, over plain HTTP (`insecure-skip-tls-verify`)
 * and, where `openssl` exists, over HTTPS with a throwaway CA.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../config/load.js';
import { ConfigError, InputError, SourceError } from '../core/errors.js';
import type { PodSample } from '../core/samples.js';
import { SeriesStore } from '../store/series-store.js';
import { cpuMemoryRatio, loadKubeConfig, MetricsApiSource, metricsApiSettings, parseQuantity, podWorkload, type MetricsApiSourceOptions } from './metrics-api.js';

const FIXTURES = new URL('./fixtures/metrics-api/', import.meta.url);
const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8'));
const TOKEN = 'eyJhbGciOiJSUzI1NiIsImtpZCI6ImthZC10ZXN0In0.fake-token';
const MI = 2 ** 20;
const GI = 2 ** 30;

interface FakeState {
  pods: unknown;
  metrics: unknown;
  /** Answer metrics.k8s.io requests with this status and body instead. */
  metricsStatus?: number;
  metricsBody?: string;
  /** Never answer (for timeouts). */
  hang?: boolean;
}

interface Fake {
  url: string;
  port: number;
  state: FakeState;
  requests: { path: string; auth?: string }[];
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  res.writeHead(status, { 'content-type': type });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

function status(code: number, reason: string, message: string) {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

/** The fake API server's request handler. */
function handler(fake: Fake) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    fake.requests.push({ path: url.pathname + url.search, auth: req.headers.authorization });
    const s = fake.state;
    if (s.hang) return; // the client's timeout ends it
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return send(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
    let m = /^\/apis\/metrics\.k8s\.io\/v1beta1\/(?:namespaces\/([^/]+)\/)?pods$/.exec(url.pathname);
    if (m) {
      if (s.metricsStatus) return send(res, s.metricsStatus, s.metricsBody ?? '', s.metricsBody?.startsWith('{') ? 'application/json' : 'text/plain; charset=utf-8');
      const list = structuredClone(s.metrics) as { items: { metadata: { namespace: string } }[] };
      if (m[1]) list.items = list.items.filter((i) => i.metadata.namespace === m![1]);
      return send(res, 200, list);
    }
    m = /^\/api\/v1\/(?:namespaces\/([^/]+)\/)?pods$/.exec(url.pathname);
    if (m) {
      const list = structuredClone(s.pods) as { metadata: Record<string, unknown>; items: { metadata: { namespace: string }; status: { phase: string } }[] };
      let items = list.items.filter((i) => !m![1] || i.metadata.namespace === m![1]);
      const phase = /^status\.phase=(\w+)$/.exec(url.searchParams.get('fieldSelector') ?? '');
      if (phase) items = items.filter((i) => i.status.phase === phase[1]);
      const limit = Number(url.searchParams.get('limit') ?? 0);
      const from = Number(url.searchParams.get('continue') ?? 0);
      if (limit > 0) {
        if (from + limit < items.length) list.metadata.continue = String(from + limit);
        items = items.slice(from, from + limit);
      }
      list.items = items;
      return send(res, 200, list);
    }
    send(res, 404, '404 page not found\n', 'text/plain; charset=utf-8');
  };
}

async function listen(server: Server, fake: Omit<Fake, 'url' | 'port' | 'close'>, scheme: 'http' | 'https'): Promise<Fake> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(fake as Fake, {
    port,
    url: `${scheme}://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  });
}

async function fakeApiServer(): Promise<Fake> {
  const fake = { state: { pods: fixture('pods-1.json'), metrics: fixture('pod-metrics-1.json') }, requests: [] } as unknown as Fake;
  return listen(createHttpServer(handler(fake)), fake, 'http');
}

let dir: string;
let fake: Fake;
let kubeconfig: string;
const sources: MetricsApiSource[] = [];

/** Writes a kubeconfig for `server` and returns its path. */
function writeKubeconfig(name: string, server: string, cluster: string, token = TOKEN): string {
  const path = join(dir, name);
  writeFileSync(path, [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: fake',
    '  cluster:',
    `    server: ${server}`,
    ...cluster.split('\n').filter(Boolean).map((l) => `    ${l}`),
    'users:',
    '- name: kad',
    '  user:',
    `    token: ${token}`,
    'contexts:',
    '- name: fake',
    '  context:',
    '    cluster: fake',
    '    user: kad',
    'current-context: fake',
    '',
  ].join('\n'));
  return path;
}

/** The source's settings as the config's defaults give them. */
const SETTINGS = metricsApiSettings(loadConfig({ env: {} }));

function source(opts: Partial<MetricsApiSourceOptions> = {}): MetricsApiSource {
  const store = new SeriesStore({ stepMs: opts.stepMs ?? SETTINGS.stepMs, recentCycles: 1, history: null, workloadTtlMs: 3_600_000 });
  const s = new MetricsApiSource({ ...SETTINGS, kubeconfigPath: kubeconfig, store, ...opts });
  sources.push(s);
  return s;
}

function byPod(pods: PodSample[]): Map<string, PodSample> {
  return new Map(pods.map((p) => [`${p.ref.namespace}/${p.ref.pod}`, p]));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kad-metrics-api-'));
  fake = await fakeApiServer();
  kubeconfig = writeKubeconfig('kubeconfig', fake.url, 'insecure-skip-tls-verify: true');
});

afterEach(async () => {
  vi.unstubAllEnvs();
  await Promise.all(sources.splice(0).map((s) => s.close()));
  fake.state = { pods: fixture('pods-1.json'), metrics: fixture('pod-metrics-1.json') };
  fake.requests.length = 0;
});

afterAll(async () => {
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('parseQuantity', () => {
  it.each([
    ['0', 0], ['1', 1], ['500m', 0.5], ['0.1', 0.1], ['1.5', 1.5], ['.5', 0.5], ['+2', 2], ['-1', -1],
    ['12345678n', 0.012345678], ['1500u', 0.0015], ['250m', 0.25],
    ['2k', 2000], ['3M', 3e6], ['4G', 4e9], ['5T', 5e12], ['6P', 6e15], ['1E', 1e18],
    ['1Ki', 1024], ['123456Ki', 123456 * 1024], ['256Mi', 256 * MI], ['1.5Gi', 1.5 * GI], ['2Ti', 2 * 2 ** 40],
    ['1Pi', 2 ** 50], ['1Ei', 2 ** 60],
    ['1e3', 1000], ['1E3', 1000], ['12e-3', 0.012], ['1.5e+2', 150], ['129e6', 129e6],
  ])('%s → %s', (q, v) => {
    expect(parseQuantity(q as string)).toBe(v);
  });

  it.each(['', 'm', '1K', '1 Mi', '1mi', '1.2.3', '1e', '1Gib', 'abc', '1x', '--1'])('refuses %j with an InputError', (q) => {
    expect(() => parseQuantity(q)).toThrow(InputError);
    expect(() => parseQuantity(q)).toThrow(/is not a Kubernetes quantity/);
  });
});

describe('cpuMemoryRatio', () => {
  it('is CPU cores per GiB of memory, NaN when either is unknown or memory is 0', () => {
    expect(cpuMemoryRatio({ cpu: 0.5, memory: 2 * GI })).toBe(0.25);
    expect(cpuMemoryRatio({ cpu: 0.00075, memory: 59.08e6 })).toBeCloseTo(0.00075 / (59.08e6 / GI), 12);
    expect(cpuMemoryRatio({ cpu: 0.5, memory: 0 })).toBeNaN();
    expect(cpuMemoryRatio({ cpu: NaN, memory: GI })).toBeNaN();
    expect(cpuMemoryRatio({ cpu: 1, memory: NaN })).toBeNaN();
  });
});

describe('podWorkload', () => {
  const owned = (kind: string, name: string, labels?: Record<string, string>) => ({
    metadata: { name: 'x', labels, ownerReferences: [{ apiVersion: 'v1', kind, name, uid: 'u', controller: true }] },
  });
  it('names the workload from the controlling owner', () => {
    expect(podWorkload(owned('ReplicaSet', 'api-gateway-66b6c48dd5', { 'pod-template-hash': '66b6c48dd5' }))).toBe('api-gateway');
    expect(podWorkload(owned('ReplicaSet', 'api-gateway-66b6c48dd5'))).toBe('api-gateway'); // no hash label
    expect(podWorkload(owned('StatefulSet', 'kafka'))).toBe('kafka');
    expect(podWorkload(owned('DaemonSet', 'node-exporter'))).toBe('node-exporter');
    expect(podWorkload(owned('Job', 'backup-28597860'))).toBe('backup'); // from a CronJob
    expect(podWorkload(owned('Job', 'migrate'))).toBe('migrate');
    expect(podWorkload({ metadata: { name: 'debug' } })).toBe('debug');
    expect(podWorkload({ metadata: { name: 'web-7d4b9c8f6d-x2k9p' } })).toBe('web'); // no owner: from the name
  });
});

describe('MetricsApiSource', () => {
  it('maps every pod: CPU cores, memory bytes, restarts, limits, node, workload, start time; no network', async () => {
    const src = source();
    expect(src.name).toBe('metrics-api');
    const snap = await src.current(1_715_677_260_000);
    expect(snap.t).toBe(1_715_677_260_000);
    const pods = byPod(snap.pods);
    expect([...pods.keys()]).toEqual([
      'batch/report-28597860-5xq2w',
      'default/debug',
      'default/redis-0',
      'default/web-7d4b9c8f6d-q8m4z',
      'default/web-7d4b9c8f6d-x2k9p',
      'kube-system/coredns-5dd5756b68-7xk2p',
      'kube-system/kube-proxy-8hxfj',
    ]);

    const web = pods.get('default/web-7d4b9c8f6d-x2k9p')!;
    expect(web.ref).toEqual({ namespace: 'default', pod: 'web-7d4b9c8f6d-x2k9p', workload: 'web', node: 'node-a' });
    expect(web.cpu).toBeCloseTo(0.012345678 + 0.0015, 12); // 12345678n + 1500u, summed over containers
    expect(web.memory).toBe((123456 + 31232) * 1024); // Ki
    expect(web.cpuLimit).toBeCloseTo(0.6, 12); // 500m + 0.1
    expect(web.memoryLimit).toBe(256 * MI + 64 * MI);
    expect(web.restarts).toBe(0);
    expect(web.startedAt).toBe(Date.parse('2024-05-14T08:00:00Z'));
    for (const k of ['rxBytes', 'txBytes', 'rxPackets', 'rxDropped'] as const) expect(web[k]).toBeNaN();

    const web2 = pods.get('default/web-7d4b9c8f6d-q8m4z')!;
    expect(web2.ref).toMatchObject({ workload: 'web', node: 'node-b' });
    expect(web2.cpu).toBeCloseTo(0.252, 12);
    expect(web2.memory).toBe(120 * MI);
    expect(web2.restarts).toBe(3);

    const redis = pods.get('default/redis-0')!;
    expect(redis.ref).toMatchObject({ workload: 'redis', node: 'node-b' });
    expect(redis.cpu).toBeCloseTo(0.003912006, 12);
    expect(redis.memory).toBe(10 * MI);
    expect(redis.cpuLimit).toBe(1);
    expect(redis.memoryLimit).toBe(GI);
    expect(redis.restarts).toBe(1);

    const coredns = pods.get('kube-system/coredns-5dd5756b68-7xk2p')!;
    expect(coredns.ref.workload).toBe('coredns');
    expect(coredns.cpuLimit).toBeNaN(); // memory limit only
    expect(coredns.memoryLimit).toBe(170 * MI);

    const proxy = pods.get('kube-system/kube-proxy-8hxfj')!;
    expect(proxy.ref.workload).toBe('kube-proxy');
    expect(proxy.cpuLimit).toBeNaN();
    expect(proxy.memoryLimit).toBeNaN();

    const job = pods.get('batch/report-28597860-5xq2w')!;
    expect(job.ref.workload).toBe('report');
    expect(job.cpu).toBeCloseTo(1.523448291, 12);
    expect(job.memoryLimit).toBe(1.5 * GI);

    const debug = pods.get('default/debug')!;
    expect(debug.ref).toEqual({ namespace: 'default', pod: 'debug', workload: 'debug', node: 'node-a' });
    expect(debug.cpu).toBe(0);
    expect(debug.memory).toBe(412 * 1024);

    // Only running pods are listed, and every request carried the kubeconfig's bearer token.
    expect(fake.requests.map((r) => r.path).sort()).toEqual([
      '/api/v1/pods?fieldSelector=status.phase%3DRunning&limit=500',
      '/apis/metrics.k8s.io/v1beta1/pods',
    ]);
    for (const r of fake.requests) expect(r.auth).toBe(`Bearer ${TOKEN}`);
  });

  it('follows the pod list across pages', async () => {
    const src = source({ podPageSize: 2 });
    const snap = await src.current(Date.now());
    expect(snap.pods).toHaveLength(7);
    expect(snap.pods.every((p) => Number.isFinite(p.restarts) && p.ref.node)).toBe(true);
    expect(fake.requests.filter((r) => r.path.startsWith('/api/v1/pods')).map((r) => new URL(r.path, 'http://x').searchParams.get('continue'))).toEqual([
      null, '2', '4', '6',
    ]);
  });

  it('watches only the namespaces NAMESPACE_REGEX matches, anchored', async () => {
    const regex = source({ namespaceRegex: 'kube-.*|batch' });
    const keys = (await regex.current(Date.now())).pods.map((p) => `${p.ref.namespace}/${p.ref.pod}`);
    expect(keys).toEqual(['batch/report-28597860-5xq2w', 'kube-system/coredns-5dd5756b68-7xk2p', 'kube-system/kube-proxy-8hxfj']);

    expect((await source({ namespaceRegex: 'kube' }).current(Date.now())).pods).toHaveLength(0); // not a prefix match

    // Plain names are asked for namespace by namespace (a namespaced Role is enough).
    fake.requests.length = 0;
    const named = source({ namespaceRegex: 'default|batch' });
    const pods = (await named.current(Date.now())).pods;
    expect(new Set(pods.map((p) => p.ref.namespace))).toEqual(new Set(['default', 'batch']));
    expect(pods).toHaveLength(5);
    expect(fake.requests.map((r) => r.path.split('?')[0]).sort()).toEqual([
      '/api/v1/namespaces/batch/pods',
      '/api/v1/namespaces/default/pods',
      '/apis/metrics.k8s.io/v1beta1/namespaces/batch/pods',
      '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods',
    ]);
  });

  it('refuses an invalid NAMESPACE_REGEX with a ConfigError', () => {
    expect(() => source({ namespaceRegex: '(' })).toThrow(ConfigError);
    expect(() => source({ namespaceRegex: '(' })).toThrow(/NAMESPACE_REGEX="\(" is invalid/);
  });

  it('follows pods appearing and disappearing between polls', async () => {
    const src = source();
    const first = byPod((await src.current(1000)).pods);
    expect(first.has('default/redis-0')).toBe(true);
    expect(first.has('default/web-7d4b9c8f6d-n5v7c')).toBe(false);

    fake.state = { pods: fixture('pods-2.json'), metrics: fixture('pod-metrics-2.json') };
    const second = byPod((await src.current(61_000)).pods);
    expect(second.has('default/redis-0')).toBe(false);
    const fresh = second.get('default/web-7d4b9c8f6d-n5v7c')!;
    expect(fresh.ref).toEqual({ namespace: 'default', pod: 'web-7d4b9c8f6d-n5v7c', workload: 'web', node: 'node-c' });
    expect(fresh.startedAt).toBe(Date.parse('2024-05-14T09:00:30Z'));
    expect(fresh.cpu).toBeCloseTo(0.048211903 + 0.0012, 12);
    expect(second.get('default/web-7d4b9c8f6d-q8m4z')!.restarts).toBe(4);
    expect(second.get('default/web-7d4b9c8f6d-q8m4z')!.cpu).toBeCloseTo(0.31 + 0.0021, 12);
  });

  it('joins pods missing from one of the two reads sensibly', async () => {
    // Metrics for a pod the pod list no longer has (deleted in between): kept, workload from its name.
    fake.state = { pods: fixture('pods-2.json'), metrics: fixture('pod-metrics-1.json') };
    const pods = byPod((await source().current(1)).pods);
    const redis = pods.get('default/redis-0')!;
    expect(redis.ref).toEqual({ namespace: 'default', pod: 'redis-0', workload: 'redis' });
    expect(redis.memory).toBe(10 * MI);
    expect(redis.restarts).toBeNaN();
    expect(redis.memoryLimit).toBeNaN();
    // A running pod metrics-server has no metrics for yet: left out, or reported with NaN usage.
    expect(pods.has('default/web-7d4b9c8f6d-n5v7c')).toBe(false);
    const all = byPod((await source({ includePodsWithoutMetrics: true }).current(2)).pods);
    const fresh = all.get('default/web-7d4b9c8f6d-n5v7c')!;
    expect(fresh.cpu).toBeNaN();
    expect(fresh.memory).toBeNaN();
    expect(fresh.restarts).toBe(0);
    expect(fresh.memoryLimit).toBe(320 * MI);
  });

  it('history() says how much it has collected until it has half the window, then answers from its own polls', async () => {
    const step = 40;
    const src = source({ stepMs: step });
    const t0 = Date.now();
    const first = src.history(t0 - 800, t0, step);
    await expect(first).rejects.toThrow(SourceError);
    await expect(first).rejects.toThrow(
      /^metrics-api source has collected 0 of 0\.8 seconds of history; training starts when 0\.4 are collected \(metrics-server keeps no history, so kad polls it every 0\.04 s\)$/,
    );

    // The poller keeps going on its own.
    await sleep(30 * step);
    const metricsPolls = fake.requests.filter((r) => r.path.startsWith('/apis/metrics.k8s.io')).length;
    expect(metricsPolls).toBeGreaterThanOrEqual(12);
    const end = Date.now();
    const snaps = await src.history(end - 800, end, step);
    expect(snaps.length).toBeGreaterThanOrEqual(10);
    expect(snaps.length).toBeLessThanOrEqual(21);
    for (let i = 1; i < snaps.length; i++) expect(snaps[i].t - snaps[i - 1].t).toBeGreaterThanOrEqual(0.9 * step);
    for (const s of snaps) {
      expect(s.t).toBeGreaterThanOrEqual(end - 800);
      expect(s.t).toBeLessThanOrEqual(end);
      expect(s.pods).toHaveLength(7);
    }
    // A coarser step thins what was collected.
    const coarse = await src.history(end - 800, end, 4 * step);
    expect(coarse.length).toBeLessThanOrEqual(6);
    for (let i = 1; i < coarse.length; i++) expect(coarse[i].t - coarse[i - 1].t).toBeGreaterThanOrEqual(0.9 * 4 * step);

    // close() stops the poller. A poll already on the wire when close() is called may still reach
    // the server, so let that land before counting; after it, nothing new may arrive.
    await src.close();
    await sleep(2 * step);
    const before = fake.requests.length;
    await sleep(5 * step);
    expect(fake.requests.length).toBe(before);
    await expect(src.current(Date.now())).rejects.toThrow(/closed/);
  });

  it('history() gives back the polled snapshots from the series store it writes to', async () => {
    const store = new SeriesStore({ stepMs: 60_000, recentCycles: 10, history: null, workloadTtlMs: 3_600_000 });
    const src = source({ store });
    const polled = [await src.current(60_000)];
    fake.state = { pods: fixture('pods-2.json'), metrics: fixture('pod-metrics-2.json') };
    polled.push(await src.current(120_000));
    expect(store.cycleTimes()).toEqual([60_000, 120_000]);
    expect(store.workloads()).toContain('default/web');
    expect(await src.history(60_000, 120_000, 60_000)).toEqual(polled);
    expect(store.options.recentCycles).toBeGreaterThanOrEqual(121); // asked to keep its 2 hours
  });

  it('history() reports the window in minutes and the last poll error', async () => {
    fake.state.metricsStatus = 503;
    fake.state.metricsBody = JSON.stringify(fixture('status-503.json'));
    const src = source({ stepMs: 60_000 });
    const t = Date.now();
    await expect(src.history(t - 3_600_000, t, 60_000)).rejects.toThrow(/registered but not answering/);
    fake.state.metricsStatus = undefined;
    await src.current(t);
    fake.state.metricsStatus = 503;
    await expect(src.current(t + 60_000)).rejects.toThrow(SourceError);
    await expect(src.history(t + 60_000 - 3_600_000, t + 60_000, 60_000)).rejects.toThrow(
      /^metrics-api source has collected 1 of 60 minutes of history; training starts when 30 are collected .*; the last poll failed: the metrics API \(metrics\.k8s\.io\) on http:\/\/127\.0\.0\.1:\d+ is registered but not answering \(503: the server is currently unable to handle the request \(get pods\.metrics\.k8s\.io\)\)/,
    );
  });

  it('says clearly when the metrics API is not served (no metrics-server)', async () => {
    fake.state.metricsStatus = 404;
    fake.state.metricsBody = '404 page not found\n';
    const src = source();
    const err = await src.current(Date.now()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceError);
    expect((err as SourceError).code).toBe('KAD_ERR_SOURCE');
    expect((err as Error).message).toBe(
      `the metrics API (metrics.k8s.io) is not available on ${fake.url} (404: 404 page not found); install metrics-server ` +
        '(https://github.com/kubernetes-sigs/metrics-server), or choose another source with KAD_SOURCE',
    );
    const t = Date.now();
    await expect(src.history(t - 3_600_000, t, 60_000)).rejects.toThrow(/is not available on http:\/\/127\.0\.0\.1:\d+ \(404/);
  });

  it('names RBAC, credentials, timeouts and unreachable servers in its errors', async () => {
    fake.state.metricsStatus = 403;
    fake.state.metricsBody = JSON.stringify(fixture('status-403.json'));
    await expect(source().current(1)).rejects.toThrow(
      new RegExp(`^the Kubernetes API server ${fake.url} does not allow kad to list pod metrics \\(pods\\.metrics\\.k8s\\.io\\) \\(403: pods\\.metrics\\.k8s\\.io is forbidden: User "system:serviceaccount:monitoring:kad" cannot list.*\\); grant get and list on pods and pods\\.metrics\\.k8s\\.io`),
    );
    fake.state.metricsStatus = undefined;

    const wrongToken = writeKubeconfig('wrong-token', fake.url, 'insecure-skip-tls-verify: true', 'not-the-token');
    await expect(source({ kubeconfigPath: wrongToken }).current(1)).rejects.toThrow(
      new RegExp(`^the Kubernetes API server ${fake.url} refused the credentials from KUBECONFIG \\(${wrongToken}\\) \\(401: Unauthorized\\)`),
    );

    fake.state.hang = true;
    const started = Date.now();
    await expect(source({ requestTimeoutMs: 150 }).current(1)).rejects.toThrow(
      new RegExp(`^the Kubernetes API server ${fake.url} did not answer a request for .* within 0\\.15 s \\(REQUEST_TIMEOUT_SECONDS\\)$`),
    );
    expect(Date.now() - started).toBeLessThan(2000);

    const ac = new AbortController();
    const pending = source({ requestTimeoutMs: 10_000 }).current(1, ac.signal);
    setTimeout(() => ac.abort(), 50);
    await expect(pending).rejects.toThrow(/was cancelled$/);
    const closing = source({ requestTimeoutMs: 10_000 });
    const inflight = closing.current(1);
    setTimeout(() => void closing.close(), 50);
    await expect(inflight).rejects.toThrow(/was cancelled$/);
    fake.state.hang = false;

    const closed = await new Promise<number>((resolve) => {
      const s = createHttpServer().listen(0, '127.0.0.1', () => {
        const port = (s.address() as AddressInfo).port;
        s.close(() => resolve(port));
      });
    });
    const nowhere = writeKubeconfig('nowhere', `http://127.0.0.1:${closed}`, 'insecure-skip-tls-verify: true');
    await expect(source({ kubeconfigPath: nowhere }).current(1)).rejects.toThrow(
      new RegExp(`^cannot reach the Kubernetes API server http://127\\.0\\.0\\.1:${closed} to list .*ECONNREFUSED`),
    );
  });

  it('refuses a missing kubeconfig, or no kubeconfig outside a cluster, with a ConfigError', () => {
    const missing = join(dir, 'no-such-kubeconfig');
    expect(() => loadKubeConfig(missing)).toThrow(ConfigError);
    expect(() => loadKubeConfig(missing)).toThrow(new RegExp(`^KUBECONFIG="${missing}" is invalid: must be a readable kubeconfig file`));
    const noContext = join(dir, 'no-context');
    writeFileSync(noContext, 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n');
    expect(() => loadKubeConfig(noContext)).toThrow(/has no current context with a cluster/);
    vi.stubEnv('KUBERNETES_SERVICE_HOST', '');
    expect(() => loadKubeConfig()).toThrow(/^KUBECONFIG is not set and kad is not running in a Kubernetes pod/);
    vi.stubEnv('KUBERNETES_SERVICE_HOST', '10.96.0.1');
    vi.stubEnv('KUBERNETES_SERVICE_PORT', '443');
    const inCluster = loadKubeConfig();
    expect(inCluster.getCurrentCluster()?.server).toBe('https://10.96.0.1:443');
    expect(inCluster.getCurrentCluster()?.caFile).toBe('/var/run/secrets/kubernetes.io/serviceaccount/ca.crt');
    vi.unstubAllEnvs();
  });

  it('merges :-separated KUBECONFIG files, the first one\'s context winning', async () => {
    const other = writeKubeconfig('other', 'https://elsewhere.invalid:6443', '');
    writeFileSync(other, readFileSync(other, 'utf8').replaceAll('name: fake', 'name: other').replaceAll('cluster: fake', 'cluster: other')
      .replaceAll('current-context: fake', 'current-context: other').replaceAll('name: kad', 'name: kad2').replaceAll('user: kad', 'user: kad2'));
    const src = source({ kubeconfigPath: `${kubeconfig}:${other}` });
    expect(src.server).toBe(fake.url);
    expect((await src.current(1)).pods).toHaveLength(7);
  });

  const hasOpenssl = (() => {
    try {
      execFileSync('openssl', ['version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();

  it.skipIf(!hasOpenssl)('talks HTTPS with the kubeconfig\'s CA, as a real API server needs', async () => {
    const key = join(dir, 'tls.key');
    const crt = join(dir, 'tls.crt');
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-keyout', key, '-out', crt, '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
    ], { stdio: 'ignore' });
    const tlsFake = { state: { pods: fixture('pods-1.json'), metrics: fixture('pod-metrics-1.json') }, requests: [] } as unknown as Fake;
    const server = createHttpsServer({ key: readFileSync(key), cert: readFileSync(crt) }, handler(tlsFake));
    const f = await listen(server as unknown as Server, tlsFake, 'https');
    try {
      const caData = readFileSync(crt).toString('base64');
      const path = writeKubeconfig('tls', f.url, `certificate-authority-data: ${caData}`);
      const snap = await source({ kubeconfigPath: path }).current(1);
      expect(snap.pods).toHaveLength(7);
      expect(tlsFake.requests.every((r) => r.auth === `Bearer ${TOKEN}`)).toBe(true);
      // Without the CA the server's certificate is refused.
      const untrusted = writeKubeconfig('tls-untrusted', f.url, '');
      await expect(source({ kubeconfigPath: untrusted }).current(1)).rejects.toThrow(/^cannot reach the Kubernetes API server https:\/\/127\.0\.0\.1:\d+ to list .*(self.signed|certificate)/);
    } finally {
      await f.close();
    }
  });
});
