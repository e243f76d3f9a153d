/**
 * POST /api/v1/write with a real remote-write source behind a stub engine: the answers of remote
 * write 1.0 (204, 400, 415, 429 with Retry-After, all in kad's error shape), and overload over a
 * loopback socket: concurrent pushes past the ingest buffer get 429s, and the same batches retried
 * with backoff are all stored, none twice.
 */
import { Registry } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../core/clock.js';
import type { Engine } from '../engine/engine.js';
import { RemoteWriteSource, type RemoteWriteSourceOptions } from '../sources/remote-write.js';
import { writeRequestBody, type WriteSeries } from '../sources/remote-write.testkit.js';
import { createTelemetry } from '../telemetry/metrics.js';
import { buildServer } from './server.js';
import { unsupportedMediaType } from './remote-write.js';

const T0 = Date.UTC(2026, 0, 1);
const HEADERS = { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' };
const SHAPE = { code: expect.stringMatching(/^KAD_ERR_[A-Z_]+$/), error: expect.any(String), message: expect.any(String) };

const stubEngine = { status: () => ({}), detect: () => [] } as unknown as Engine;

async function serve(opts: Partial<RemoteWriteSourceOptions> = {}, token?: string): Promise<{ app: FastifyInstance; source: RemoteWriteSource; registry: Registry }> {
  const registry = new Registry();
  const source = new RemoteWriteSource({
    namespaceRegex: '.*', podLabel: 'pod', rateWindowMs: 60_000, keepMs: 3_600_000, maxSeries: 100_000, maxSamplesPerSeries: 100, bufferBytes: 1 << 20,
    clock: manualClock(T0), registry, ...opts,
  });
  const app = await buildServer({ engine: stubEngine, telemetry: createTelemetry(registry), version: 'test', remoteWrite: source, auth: { token } });
  return { app, source, registry };
}

/** `n` series of pods `<prefix>-<i>`, one sample each at T0. */
function series(prefix: string, n: number): WriteSeries[] {
  return Array.from({ length: n }, (_, i) => ({
    labels: { __name__: 'container_memory_working_set_bytes', namespace: 'shop', pod: `${prefix}-${i}`, container: 'app', instance: '10.0.0.1:10250', job: 'kubelet', image: 'registry.example.com/shop/app:1.2.3' },
    samples: [{ t: T0, v: i }],
  }));
}

async function metric(registry: Registry, name: string, labels: string): Promise<number> {
  const line = (await registry.metrics()).split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(' ').pop()) : NaN;
}

describe('POST /api/v1/write', () => {
  let app: FastifyInstance;
  let source: RemoteWriteSource;
  let registry: Registry;
  beforeAll(async () => ({ app, source, registry } = await serve({ maxSeries: 3 })));
  afterAll(() => app.close());

  it('takes a remote-write 1.0 request: 204, samples stored', async () => {
    const r = await app.inject({ method: 'POST', url: '/api/v1/write', headers: HEADERS, payload: writeRequestBody(series('a', 2)) });
    expect(r.statusCode).toBe(204);
    expect(r.body).toBe('');
    expect(source.seriesCount().series).toBe(2);
  });

  it('415 for another content type or encoding, remote write 2.0 included, before reading the body', async () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ ...HEADERS, 'content-type': 'application/json' }, /Content-Type "application\/json": remote write sends application\/x-protobuf/],
      [{ ...HEADERS, 'content-type': 'application/x-protobuf;proto=io.prometheus.write.v2.Request' }, /not io\.prometheus\.write\.v2\.request; set protobuf_message: prometheus\.WriteRequest/],
      [{ 'content-type': 'application/x-protobuf' }, /Content-Encoding missing: remote write bodies are snappy-compressed/],
      [{ ...HEADERS, 'content-encoding': 'gzip' }, /Content-Encoding "gzip"/],
    ];
    for (const [headers, why] of cases) {
      const r = await app.inject({ method: 'POST', url: '/api/v1/write', headers, payload: '{"a":1}' });
      expect(r.statusCode).toBe(415);
      expect(r.json()).toEqual({ ...SHAPE, code: 'KAD_ERR_UNSUPPORTED_MEDIA_TYPE' });
      expect(r.json().message).toMatch(why);
    }
    expect(unsupportedMediaType('application/x-protobuf; proto=prometheus.WriteRequest', 'snappy')).toBeUndefined();
    expect(await metric(registry, 'anomaly_detector_remote_write_rejected_total', 'reason="unsupported_media_type"')).toBe(4);
  });

  it('400 for a body that is not a snappy WriteRequest, with where it stopped making sense', async () => {
    for (const [payload, why] of [[Buffer.from('not snappy at all'), /snappy: /], [Buffer.from([2, 4, 0x0b, 0x00]), /snappy: .*|protobuf: /], [Buffer.alloc(0), /The body is empty/]] as const) {
      const r = await app.inject({ method: 'POST', url: '/api/v1/write', headers: HEADERS, payload });
      expect(r.statusCode).toBe(400);
      expect(r.json()).toEqual({ ...SHAPE, code: 'KAD_ERR_INPUT' });
      expect(r.json().message).toMatch(why);
    }
    const proto = await app.inject({ method: 'POST', url: '/api/v1/write', headers: HEADERS, payload: Buffer.from([3, 8, 0x0b, 0, 0]) });
    expect(proto.json().message).toMatch(/protobuf: wire type 3 at byte 1/);
  });

  it('429 with Retry-After for new series past the limit; the rest of the request is stored', async () => {
    const r = await app.inject({ method: 'POST', url: '/api/v1/write', headers: HEADERS, payload: writeRequestBody(series('b', 3)) });
    expect(r.statusCode).toBe(429);
    expect(r.headers['retry-after']).toBe('1');
    expect(r.json()).toEqual({ ...SHAPE, code: 'KAD_ERR_OVERLOADED' });
    expect(r.json().message).toMatch(/kad keeps 3 series, its limit \(KAD_REMOTE_WRITE_MAX_SERIES=3\): 2 new series refused/);
    expect(await metric(registry, 'anomaly_detector_remote_write_rejected_total', 'reason="series_limit"')).toBe(1);
  });

  it('gives back what each request held of the buffer, whatever the answer', async () => {
    expect((await registry.metrics()).match(/^anomaly_detector_remote_write_buffer_bytes (\d+)$/m)?.[1]).toBe('0');
    const big = await app.inject({ method: 'POST', url: '/api/v1/write', headers: { ...HEADERS, 'content-length': String(64 << 20) }, payload: Buffer.alloc(10) });
    expect(big.statusCode).toBe(413);
    expect((await registry.metrics()).match(/^anomaly_detector_remote_write_buffer_bytes (\d+)$/m)?.[1]).toBe('0');
  });

  it('405 for another method; no route at all when the source is not remote-write', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/v1/write' })).statusCode).toBe(405);
    const plain = await buildServer({ engine: stubEngine, telemetry: createTelemetry(new Registry()), version: 'test' });
    expect((await plain.inject({ method: 'POST', url: '/api/v1/write', headers: HEADERS, payload: writeRequestBody(series('a', 1)) })).statusCode).toBe(404);
    await plain.close();
  });
});

describe('POST /api/v1/write with an API token configured', () => {
  it('needs it as a bearer token: 401 without it or with another, 204 with it', async () => {
    const { app } = await serve({}, 's3cret');
    try {
      const send = (headers: Record<string, string>) => app.inject({ method: 'POST', url: '/api/v1/write', headers: { ...HEADERS, ...headers }, payload: writeRequestBody(series('t', 1)) });
      for (const h of [{}, { authorization: 'Bearer nope' }] as Record<string, string>[]) {
        const r = await send(h);
        expect(r.statusCode).toBe(401);
        expect(r.headers['www-authenticate']).toMatch(/^Bearer/);
        expect(r.json()).toEqual({ ...SHAPE, code: 'KAD_ERR_UNAUTHORIZED' });
      }
      expect((await send({ authorization: 'Bearer s3cret' })).statusCode).toBe(204);
    } finally {
      await app.close();
    }
  });
});

describe('POST /api/v1/write under overload (loopback socket)', () => {
  it('answers 429 when the buffer is full, and the same batches retried with backoff are all stored once', async () => {
    const batches = Array.from({ length: 40 }, (_, i) => writeRequestBody(series(`p${i}`, 1000)));
    const { app, source, registry } = await serve({ bufferBytes: 2 * batches[0].length });
    const url = `${await app.listen({ host: '127.0.0.1', port: 0 })}/api/v1/write`;
    try {
      let tooMany = 0;
      let attempts = 0;
      await Promise.all(batches.map(async (body) => {
        for (let backoff = 10; ; backoff = Math.min(2 * backoff, 500)) {
          attempts++;
          const r = await fetch(url, { method: 'POST', headers: HEADERS, body: new Uint8Array(body) });
          if (r.status === 204) return;
          expect(r.status).toBe(429);
          expect(r.headers.get('retry-after')).toBe('1');
          tooMany++;
          await new Promise((resolve) => setTimeout(resolve, backoff));
        }
      }));
      console.log(`[overload] ${batches.length} batches, ${attempts} attempts, ${tooMany} answered 429`);
      expect(tooMany).toBeGreaterThan(0);
      expect(await metric(registry, 'anomaly_detector_remote_write_rejected_total', 'reason="buffer_full"')).toBe(tooMany);
      expect(await metric(registry, 'anomaly_detector_remote_write_samples_total', 'result="stored"')).toBe(40 * 1000);
      expect(await metric(registry, 'anomaly_detector_remote_write_samples_total', 'result="out_of_order"')).toBe(0);
      expect(source.stats().pods).toBe(40 * 1000);
      expect((await registry.metrics()).match(/^anomaly_detector_remote_write_buffer_bytes (\d+)$/m)?.[1]).toBe('0');
    } finally {
      await app.close();
    }
  });
});
