/**
 * The HTTP API's contract with a stub engine (fastify `inject`, and a loopback socket for what the
 * HTTP parser rejects): one error shape `{ code, error, message }` with a KAD_ERR_ code for every
 * framework error, 405 with `Allow`, security headers on every answer (Swagger UI included), filters
 * that match nothing answering alike on every route, and booleans as true/false/1/0.
 */
import { connect, type AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine, PodResult } from '../engine/engine.js';
import { createTelemetry } from '../telemetry/metrics.js';
import { buildServer } from './server.js';

const T0 = Date.UTC(2026, 0, 1);

function pod(name: string, flagged: boolean): PodResult {
  return {
    ref: { namespace: 'shop', pod: name, workload: 'frontend', node: 'n1' },
    sample: { cpu: 0.1, memory: 1e8, restarts: 0, rxBytes: 10, txBytes: 10 },
    flagged, score: flagged ? 0.9 : 0.1, threshold: 0.5, model: 'workload', modelScore: 0.1, peerScore: 0,
    features: {}, t: T0,
  } as unknown as PodResult;
}

function stubEngine(): Engine {
  const forecasts = {
    backfilling: false,
    workloads: () => [['shop', 'frontend']],
    get: () => ({ forecast: undefined, accuracy: undefined, status: undefined }),
    recommendations: () => new Map([['shop/frontend', {
      namespace: 'shop', workload: 'frontend',
      recommendation: { replicas: 2, currentReplicas: 2, reactiveReplicas: 2, predictiveReplicas: null, mode: 'reactive', forecastPeak: null, forecastPeakAt: null, limitedBy: null, reason: 'no forecast yet' },
    }]]),
  };
  return {
    detect: () => [pod('a', true), pod('b', false)],
    status: () => ({ trained: true, sourceUp: true, source: 'stub', models: 1, pods: 2, trainedAt: T0, lastCycleAt: T0, lastError: null, modelVersion: null }),
    workloadForecasts: () => forecasts,
    forecastStatus: () => ({ enabled: true, backfilling: false, lastError: null }),
  } as unknown as Engine;
}

const SHAPE = { code: expect.stringMatching(/^KAD_ERR_[A-Z_]+$/), error: expect.any(String), message: expect.any(String) };

function expectSecurityHeaders(headers: Record<string, unknown>): void {
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['x-frame-options']).toBe('DENY');
  expect(headers['referrer-policy']).toBe('no-referrer');
  expect(String(headers['content-security-policy'])).toContain("frame-ancestors 'none'");
}

/** Sends `request` as raw bytes to `port` and resolves with the whole answer. */
function raw(port: number, request: string): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    socket.on('data', (d) => (data += d.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      const [head = '', body = ''] = data.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      const status = Number(statusLine.split(' ')[1]);
      if (!status) reject(new Error(`no answer to ${request.slice(0, 60)}`));
      else resolve({ status, headers, body });
    });
    socket.write(request);
  });
}

describe('HTTP API contract', () => {
  let app: FastifyInstance;

  beforeAll(async () => {
    app = await buildServer({ engine: stubEngine(), telemetry: createTelemetry(new Registry()), version: 'test' });
  });
  afterAll(async () => app.close());

  it('answers an unknown route 404 in the error shape', async () => {
    const r = await app.inject({ method: 'GET', url: '/nope?x=1' });
    expect(r.statusCode).toBe(404);
    expect(r.json()).toEqual({ ...SHAPE, code: 'KAD_ERR_NOT_FOUND', error: 'NotFoundError' });
    expect(r.json().message).toContain('/nope');
    expectSecurityHeaders(r.headers);
  });

  it('answers a method a route does not have 405 with Allow', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const) {
      for (const url of ['/detect', '/forecast?namespace=x', '/metrics', '/docs/json']) {
        const r = await app.inject({ method, url });
        expect(r.statusCode, `${method} ${url}`).toBe(405);
        expect(r.headers.allow).toBe('GET, HEAD');
        expect(r.json()).toEqual({ ...SHAPE, code: 'KAD_ERR_METHOD_NOT_ALLOWED', error: 'MethodNotAllowedError' });
      }
    }
    expect((await app.inject({ method: 'HEAD', url: '/detect' })).statusCode).toBe(200);
  });

  it('answers a body too large 413 and an unsupported content type 415 in the error shape', async () => {
    const big = await app.inject({ method: 'POST', url: '/detect', headers: { 'content-type': 'application/json' }, payload: `"${'x'.repeat(2_000_000)}"` });
    expect(big.statusCode).toBe(413);
    expect(big.json()).toEqual({ ...SHAPE, code: 'KAD_ERR_PAYLOAD_TOO_LARGE', error: 'PayloadTooLargeError' });
    expectSecurityHeaders(big.headers);
    const bad = await app.inject({ method: 'POST', url: '/detect', headers: { 'content-type': 'no type at all' }, payload: 'x' });
    expect(bad.statusCode).toBe(415);
    expect(bad.json()).toEqual({ ...SHAPE, code: 'KAD_ERR_UNSUPPORTED_MEDIA_TYPE', error: 'UnsupportedMediaTypeError' });
  });

  it('answers a validation failure 400 KAD_ERR_INPUT', async () => {
    const r = await app.inject({ method: 'GET', url: '/detect?flagged=maybe' });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toEqual({ ...SHAPE, code: 'KAD_ERR_INPUT', error: 'InputError' });
    const metric = await app.inject({ method: 'GET', url: '/forecast?metric=disk' });
    expect(metric.statusCode).toBe(400);
    expect(metric.json()).toMatchObject({ code: 'KAD_ERR_INPUT' });
  });

  it('accepts true/false/1/0 for booleans', async () => {
    const flaggedPods = async (v: string) => (await app.inject({ method: 'GET', url: `/detect?flagged=${v}` })).json().pods.map((p: { pod: string }) => p.pod);
    expect(await flaggedPods('true')).toEqual(['a']);
    expect(await flaggedPods('1')).toEqual(['a']);
    expect(await flaggedPods('false')).toEqual(['b']);
    expect(await flaggedPods('0')).toEqual(['b']);
  });

  it('answers a filter that matches nothing 200 with an empty list on every route', async () => {
    const detect = await app.inject({ method: 'GET', url: '/detect?namespace=nope' });
    const scaling = await app.inject({ method: 'GET', url: '/scaling?namespace=nope' });
    const forecast = await app.inject({ method: 'GET', url: '/forecast?namespace=nope' });
    const workload = await app.inject({ method: 'GET', url: '/forecast?workload=nope' });
    for (const r of [detect, scaling, forecast, workload]) expect(r.statusCode).toBe(200);
    expect(detect.json()).toEqual({ pods: [], count: 0 });
    expect(scaling.json()).toEqual({ recommendations: [], count: 0 });
    expect(forecast.json()).toEqual({ forecasts: [], count: 0, backfilling: false });
    expect(workload.json()).toEqual({ forecasts: [], count: 0, backfilling: false });
    // The filters still select: the stub's workload is there under its own namespace.
    expect((await app.inject({ method: 'GET', url: '/forecast?namespace=shop' })).json().count).toBe(2);
    expect((await app.inject({ method: 'GET', url: '/scaling?namespace=shop' })).json().count).toBe(1);
  });

  it('puts the security headers on a normal answer and on Swagger UI, whose assets stay same-origin', async () => {
    const detect = await app.inject({ method: 'GET', url: '/detect' });
    expect(detect.statusCode).toBe(200);
    expectSecurityHeaders(detect.headers);
    const docs = await app.inject({ method: 'GET', url: '/docs' });
    expect(docs.statusCode).toBe(200);
    expectSecurityHeaders(docs.headers);
    const csp = String(docs.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    // Every script and stylesheet the page loads is served here, under the same CSP.
    const assets = [...docs.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThan(3);
    expect(docs.body).not.toMatch(/<script>(?!\s*<\/script>)|<script[^>]*>[^<\s]/);
    for (const a of assets) {
      expect(a).toMatch(/^\/docs\/static\//);
      const r = await app.inject({ method: 'GET', url: a });
      expect(r.statusCode, a).toBe(200);
      expectSecurityHeaders(r.headers);
    }
    const spec = await app.inject({ method: 'GET', url: '/docs/json' });
    expectSecurityHeaders(spec.headers);
  });

  it('keeps the OpenAPI document valid, /forecast answering 200 with its list', async () => {
    const spec = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
    expect(spec.openapi).toMatch(/^3\./);
    const forecast = spec.paths['/forecast'].get;
    expect(Object.keys(forecast.responses)).toEqual(['200']);
    expect(forecast.responses['200'].content['application/json'].schema.properties.forecasts.type).toBe('array');
    const flagged = spec.paths['/detect'].get.parameters.find((p: { name: string }) => p.name === 'flagged');
    expect(flagged.schema.type).toBe('boolean');
  });

  describe('on a socket (what inject cannot send)', () => {
    let port = 0;
    beforeAll(async () => {
      await app.listen({ port: 0, host: '127.0.0.1' });
      port = (app.server.address() as AddressInfo).port;
    });

    it('answers headers too large 431 in the error shape, with the security headers', async () => {
      const r = await raw(port, `GET /detect HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(40_000)}\r\n\r\n`);
      expect(r.status).toBe(431);
      expect(JSON.parse(r.body)).toEqual({ ...SHAPE, code: 'KAD_ERR_HEADERS_TOO_LARGE', error: 'HeadersTooLargeError' });
      expectSecurityHeaders(r.headers);
    });

    it('answers a malformed request 400 in the error shape', async () => {
      const r = await raw(port, 'NOT HTTP AT ALL\r\n\r\n');
      expect(r.status).toBe(400);
      expect(JSON.parse(r.body)).toMatchObject({ code: 'KAD_ERR_INPUT' });
    });

    it('answers an HTTP/1.1 request without Host 400 in the error shape (not Node\'s bare 400)', async () => {
      const r = await raw(port, 'GET /detect HTTP/1.1\r\nConnection: close\r\n\r\n');
      expect(r.status).toBe(400);
      expect(JSON.parse(r.body)).toEqual({ ...SHAPE, code: 'KAD_ERR_INPUT', error: 'InputError' });
      expectSecurityHeaders(r.headers);
      expect((await raw(port, 'GET /healthz HTTP/1.0\r\n\r\n')).status).toBe(200);
    });

    it('answers a request sent with Connection: close and more bytes after it, and ignores the bytes', async () => {
      const r = await raw(port, 'GET /detect HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGARBAGE');
      expect(r.status).toBe(200);
      expect(JSON.parse(r.body).count).toBe(2);
      const put = await raw(port, 'PUT /detect HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nTR*d');
      expect(put.status).toBe(405);
      expect(JSON.parse(put.body)).toMatchObject({ code: 'KAD_ERR_METHOD_NOT_ALLOWED' });
    });

    it('answers a path traversal under /docs/static/ 404 or 400 in the error shape, never internal', async () => {
      for (const path of ['/docs/static/../../package.json', '/docs/static/%2e%2e/%2e%2e/package.json', '/docs/static/..%2f..%2fpackage.json',
        '/docs/static/%2e%2e%2f%2e%2e%2fpackage.json', '/docs/static/....//....//package.json', '/docs/static/%00', '/docs/static/%']) {
        const r = await raw(port, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
        expect([400, 404], path).toContain(r.status);
        const body = JSON.parse(r.body);
        expect(body, path).toEqual(SHAPE);
        expect(body.code, path).toMatch(/^KAD_ERR_(NOT_FOUND|INPUT)$/);
        expectSecurityHeaders(r.headers);
      }
    });
  });
});
