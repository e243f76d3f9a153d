/**
 * HTTP fuzz over every route of the OpenAPI document (`/docs/json`), plus the routes it hides (`/`,
 * `/docs`, its static files) and paths that are not routes: random methods, paths (trailing and
 * doubled slashes, other case, traversal, bad percent-encoding), query strings (each route's own
 * parameters with good and bad values, repeated, unknown ones), headers (content types, accept,
 * encodings, odd names) and bodies (JSON, text, bytes), through fastify's `inject` on the real
 * server of a real engine trained on the simulated cluster, and raw bytes on a loopback socket for
 * what `inject` cannot send. Every answer must be below 500, carry the security headers, and, when it
 * is an error, be `{ code, error, message }` with a `KAD_ERR_` code (405s with `Allow`). The same
 * server before its first training answers 503 only where it says it is not ready.
 */
import { connect, type AddressInfo } from 'node:net';
import { rmSync } from 'node:fs';
import fc from 'fast-check';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/api/server.js';
import { loadConfig } from '../../src/config/load.js';
import { manualClock } from '../../src/core/clock.js';
import { buildRuntime, type Runtime } from '../../src/main.js';
import { tempDir } from '../integration.js';
import { params, runs, Tally } from './fuzz.testkit.js';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;
const SHAPE_KEYS = ['code', 'error', 'message'];

interface Route {
  path: string;
  query: { name: string; type: string }[];
}

/** What every answer must be. Returns the answer's status. */
function checkAnswer(what: string, status: number, headers: Record<string, unknown>, body: string, method: string): void {
  if (status >= 500) expect.fail(`${what}: answered ${status}: ${body.slice(0, 300)}`);
  expect(headers['x-content-type-options'], what).toBe('nosniff');
  expect(headers['x-frame-options'], what).toBe('DENY');
  expect(String(headers['content-security-policy']), what).toContain("frame-ancestors 'none'");
  if (status >= 400) {
    if (status === 405) expect(String(headers.allow ?? ''), what).toMatch(/^[A-Z]+(, [A-Z]+)*$/);
    if (method === 'HEAD') return;
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(body) as Record<string, unknown>;
    } catch {
      return expect.fail(`${what}: ${status} with a body that is not JSON: ${body.slice(0, 200)}`);
    }
    expect(Object.keys(parsed).sort(), `${what}: ${body.slice(0, 200)}`).toEqual(SHAPE_KEYS);
    expect(parsed.code, what).toMatch(/^KAD_ERR_[A-Z_]+$/);
    expect(typeof parsed.error, what).toBe('string');
    expect(typeof parsed.message, what).toBe('string');
  }
}

/** A query value: good ones for the parameter's type, and junk. */
function queryValue(type: string, known: string[]): fc.Arbitrary<string> {
  const good = type === 'boolean' ? fc.constantFrom('true', 'false', '1', '0') : fc.constantFrom(...known, 'cpu', 'memory');
  return fc.oneof(
    { weight: 3, arbitrary: good },
    { weight: 2, arbitrary: fc.constantFrom('', ' ', 'TRUE', 'yes', '2', '-1', 'null', 'undefined', '[]', '{}', '%', '%zz', '%00', '%C0%AF', '%E2%9C%93', '..%2F..', '<script>', "' or 1=1", 'a'.repeat(3000)) },
    { weight: 1, arbitrary: fc.string({ maxLength: 20 }).map(encodeURIComponent) },
    { weight: 1, arbitrary: fc.string({ maxLength: 10, unit: 'binary' }) },
  );
}

/** A path: a route as written, or bent, or one that is not there. */
function pathOf(routes: Route[]): fc.Arbitrary<{ path: string; route: Route | null }> {
  const known = fc.constantFrom(...routes).chain((r) =>
    fc.oneof(
      { weight: 6, arbitrary: fc.constant(r.path) },
      { weight: 1, arbitrary: fc.constantFrom(`${r.path}/`, `/${r.path}`, r.path.toUpperCase(), `${r.path}/x`, `${r.path}%2F`, `${r.path}/..`, `${r.path};x`, `${r.path}%00`) },
    ).map((path) => ({ path, route: path === r.path ? r : null })),
  );
  const other = fc.oneof(
    fc.constantFrom('/nope', '/docs/static/../../package.json', '/docs/static/%2e%2e/%2e%2e/package.json', '/docs/static/index.html', '/docs/static/swagger-ui.css',
      '/docs/json', '/docs/yaml', '/docs/static/%', '/%', '/%zz', '/..', '/./detect', '//', '/detect/../healthz', '/\u00e9', '/' + 'a'.repeat(2000), '/*', '/docs/'),
    fc.array(fc.string({ maxLength: 8 }).map(encodeURIComponent), { minLength: 1, maxLength: 4 }).map((parts) => `/${parts.join('/')}`),
  ).map((path) => ({ path, route: null }));
  return fc.oneof({ weight: 4, arbitrary: known }, { weight: 1, arbitrary: other });
}

/** A whole request: method, URL with a query string, headers and body. */
function request(routes: Route[], names: string[]): fc.Arbitrary<InjectOptions & { method: string; url: string }> {
  return pathOf(routes).chain(({ path, route }) => {
    const own = route?.query ?? [];
    const param = fc.oneof(
      ...(own.length ? [{ weight: 4, arbitrary: fc.constantFrom(...own).chain((q) => queryValue(q.type, names).map((v) => `${q.name}=${v}`)) }] : []),
      { weight: 1, arbitrary: fc.tuple(fc.constantFrom('namespace', 'flagged', 'metric', 'workload', 'x', '', '__proto__', 'constructor', 'a[b]'), queryValue('string', names)).map(([k, v]) => `${k}=${v}`) },
      { weight: 1, arbitrary: fc.constantFrom('flagged', 'namespace', '&', '=', '==', 'a=1=2') },
    );
    const header = fc.oneof(
      fc.constantFrom<[string, string]>(
        ['content-type', 'application/json'], ['content-type', 'text/plain'], ['content-type', 'application/x-www-form-urlencoded'],
        ['content-type', 'multipart/form-data'], ['content-type', 'no type at all'], ['content-type', 'application/json; charset=utf-16'],
        ['accept', 'text/html'], ['accept', 'application/xml'], ['accept', '*/*;q=0'], ['accept-encoding', 'gzip, br'], ['accept-encoding', 'x-nope'],
        ['x-forwarded-for', '::1, 10.0.0.1'], ['host', 'evil.example'], ['origin', 'https://evil.example'], ['range', 'bytes=0-10'],
        ['if-none-match', '*'], ['if-modified-since', 'yesterday'], ['transfer-encoding', 'chunked'], ['expect', '100-continue'], ['cookie', 'a=1'],
      ),
      fc.tuple(fc.stringMatching(/^x-[a-z0-9-]{1,12}$/), fc.stringMatching(/^[ -~]{0,40}$/)),
    );
    const body = fc.oneof(
      { weight: 3, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.json({ maxDepth: 2 }) },
      { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)) },
    );
    return fc.record({
      method: fc.oneof({ weight: 4, arbitrary: fc.constant('GET') }, { weight: 3, arbitrary: fc.constantFrom(...METHODS) }),
      query: fc.array(param, { maxLength: 4 }),
      headers: fc.array(header, { maxLength: 4 }),
      payload: body,
    }).map(({ method, query, headers, payload }) => {
      const h: Record<string, string> = {};
      for (const [k, v] of headers) h[k] = v;
      const hasBody = payload !== undefined && method !== 'GET' && method !== 'HEAD';
      return { method, url: query.length ? `${path}?${query.join('&')}` : path, headers: h, ...(hasBody ? { payload } : {}) };
    });
  });
}

/** Routes and their query parameters from the OpenAPI document, plus the ones it hides. */
async function routesOf(app: FastifyInstance): Promise<Route[]> {
  const spec = (await app.inject({ method: 'GET', url: '/docs/json' })).json() as {
    paths: Record<string, Record<string, { parameters?: { name: string; in: string; schema?: { type?: string } }[] }>>;
  };
  // GET /api/events is an endless event stream: inject would wait for its end (api/events.test.ts tests it on a socket).
  const routes = Object.entries(spec.paths).filter(([path]) => path !== '/api/events').map(([path, ops]) => ({
    path,
    query: Object.values(ops).flatMap((op) => op.parameters ?? []).filter((p) => p.in === 'query').map((p) => ({ name: p.name, type: p.schema?.type ?? 'string' })),
  }));
  return [...routes, { path: '/', query: [] }, { path: '/api', query: [] }, { path: '/docs', query: [] }, { path: '/docs/static/index.html', query: [] }];
}

/**
 * Sends raw bytes to `port` and reads until the server closes; after 300 ms of nothing, half-closes
 * (the parser then sees the end of what was sent), after 2 s gives up. Resolves with the first
 * answer's status (0: closed without an answer), headers and body.
 */
function raw(port: number, bytes: Buffer): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const quiet = setTimeout(() => socket.end(), 300);
    const timer = setTimeout(() => socket.destroy(), 2_000);
    socket.on('data', (d) => {
      chunks.push(d);
      clearTimeout(quiet);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(quiet);
      clearTimeout(timer);
      const data = Buffer.concat(chunks).toString('latin1');
      const cut = data.indexOf('\r\n\r\n');
      const [statusLine = '', ...lines] = (cut < 0 ? data : data.slice(0, cut)).split('\r\n');
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      const rest = cut < 0 ? '' : data.slice(cut + 4);
      const length = Number(headers['content-length']);
      resolve({ status: Number(statusLine.split(' ')[1]) || 0, headers, body: Number.isInteger(length) ? rest.slice(0, length) : rest });
    });
    socket.write(bytes);
  });
}

describe('fuzz: the HTTP API', () => {
  const trained = new Tally('HTTP requests to a trained service (inject)');
  const sockets = new Tally('raw HTTP requests on a socket');
  const untrained = new Tally('HTTP requests before the first training (inject)');
  let rt: Runtime;
  let app: FastifyInstance;
  let cold: FastifyInstance;
  let routes: Route[] = [];
  let names: string[] = [];
  const dir = tempDir('fuzz-http');
  const byStatus = (t: Tally, status: number) => t.note(status < 400 ? 'ok' : `HTTP ${status}`);

  beforeAll(async () => {
    const clock = manualClock(Date.UTC(2026, 0, 5, 12));
    const config = loadConfig({ env: { KAD_LOG_LEVEL: 'silent', KAD_FORECAST_HISTORY_DAYS: '1', KAD_STATE_DIR: dir } });
    rt = await buildRuntime(config, { clock });
    await rt.engine.step();
    for (let i = 0; i < 5; i++) {
      clock.advance(60_000);
      await rt.engine.step();
    }
    await rt.engine.forecastsLoaded();
    app = await buildServer({ engine: rt.engine, telemetry: rt.telemetry, version: 'fuzz', incidents: rt.incidents, info: { prometheusUrl: null } });
    routes = await routesOf(app);
    names = [...new Set(rt.engine.detect().flatMap((r) => [r.ref.namespace, r.ref.workload]))];
    // The same wiring before any training.
    const coldRt = await buildRuntime(config, { clock: manualClock(Date.UTC(2026, 0, 5, 12)) });
    cold = await buildServer({ engine: coldRt.engine, telemetry: coldRt.telemetry, version: 'fuzz' });
  }, 60_000);

  afterAll(async () => {
    for (const t of [trained, sockets, untrained]) t.report();
    await app?.close();
    await cold?.close();
    await rt?.source.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds the routes of the OpenAPI document', () => {
    const paths = routes.map((r) => r.path);
    for (const p of ['/detect', '/forecast', '/scaling', '/healthz', '/readyz', '/metrics', '/incidents']) expect(paths).toContain(p);
    expect(routes.find((r) => r.path === '/detect')!.query.map((q) => q.name).sort()).toEqual(['flagged', 'namespace']);
  });

  const N_INJECT = runs(500);
  it(`answers random requests on every route below 500, with security headers and the error shape (${N_INJECT} requests)`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.constant(null).chain(() => request(routes, names)), async (req) => {
        const res = await app.inject(req);
        byStatus(trained, res.statusCode);
        checkAnswer(`${req.method} ${req.url}`, res.statusCode, res.headers, res.body, req.method);
        if (res.statusCode === 200 && req.method === 'GET' && /^\/(detect|forecast|scaling|healthz|readyz|incidents)(\?|$)/.test(req.url)) {
          expect(() => JSON.parse(res.body), req.url).not.toThrow();
        }
      }),
      params(N_INJECT),
    );
    expect(trained.count('ok')).toBeGreaterThan(N_INJECT / 5);
  }, 120_000);

  const N_RAW = runs(150);
  it(`answers raw requests on a socket below 500 (or closes), in the error shape (${N_RAW} requests)`, async () => {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as AddressInfo).port;
    const token = fc.stringMatching(/^[!-~]{1,12}$/);
    const target = fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...routes.map((r) => r.path)) },
      { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...routes.map((r) => r.path)), fc.stringMatching(/^[!-~]{0,20}$/)).map(([p, q]) => `${p}?${q}`) },
      { weight: 1, arbitrary: fc.oneof(token, fc.constantFrom('*', '//x', 'http://evil.example/detect', '/%', '/\u00ff')) },
    );
    const requestLine = fc.tuple(
      fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...METHODS) }, { weight: 1, arbitrary: token }),
      target,
      fc.oneof({ weight: 4, arbitrary: fc.constant('HTTP/1.1') }, { weight: 1, arbitrary: fc.constantFrom('HTTP/1.0', 'HTTP/2.0', 'HTTP/9', 'http/1.1', '') }),
    );
    const headerLine = fc.oneof(fc.constantFrom('Content-Length: 5', 'Content-Length: -1', 'Content-Length: 99999999999', 'Content-Length: 1, 2', 'Transfer-Encoding: chunked', 'Transfer-Encoding: x',
      'Content-Type: application/json', 'Expect: 100-continue', 'Connection: keep-alive', ': no name', 'No-Colon', 'X-Big: ' + 'a'.repeat(20_000), 'Host: b', 'Host:', 'X-Ctl: \u0001'),
    fc.stringMatching(/^[ -~]{0,30}$/));
    const someHeader = fc.oneof(
      { weight: 2, arbitrary: headerLine },
      { weight: 3, arbitrary: fc.tuple(fc.stringMatching(/^[A-Za-z0-9-]{1,12}$/), fc.stringMatching(/^[ -~]{0,30}$/)).map(([k, v]) => `X-${k}: ${v}`) },
    );
    const body = fc.oneof({ weight: 3, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.string({ maxLength: 40 }) });
    const bytes = fc.oneof(
      {
        weight: 5,
        arbitrary: fc.tuple(requestLine, fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }), fc.array(someHeader, { maxLength: 4 }), body)
          .map(([[m, p, v], host, hs, b]) => Buffer.from(`${m} ${p} ${v}\r\n${[...(host ? ['Host: kad'] : []), ...hs, 'Connection: close'].join('\r\n')}\r\n\r\n${b}`, 'latin1')),
      },
      { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 200 }).map((b) => Buffer.from(b)) },
    );
    await fc.assert(
      fc.asyncProperty(bytes, async (b) => {
        const res = await raw(port, b);
        const what = JSON.stringify(b.toString('latin1').slice(0, 80));
        if (res.status === 0) {
          sockets.note('closed without an answer');
          return;
        }
        byStatus(sockets, res.status);
        // A HEAD answer, or one to an unfinished request line, may come without its body.
        const method = b.toString('latin1').split(' ')[0];
        checkAnswer(what, res.status, res.headers, res.body, method === 'HEAD' ? 'HEAD' : 'GET');
      }),
      params(N_RAW),
    );
  }, 120_000);

  const N_COLD = runs(150);
  it(`before training, answers 503 only where it is not ready, in the error shape (${N_COLD} requests)`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.constant(null).chain(() => request(routes, names)), async (req) => {
        const res = await cold.inject(req);
        byStatus(untrained, res.statusCode);
        const what = `${req.method} ${req.url}`;
        if (res.statusCode === 503) {
          const path = req.url.split('?')[0];
          if (req.method === 'HEAD') return;
          // /readyz answers its probe body; /detect the error shape with KAD_ERR_NOT_READY.
          if (path === '/readyz') expect(res.json(), what).toMatchObject({ ready: false });
          else expect(res.json(), what).toMatchObject({ code: 'KAD_ERR_NOT_READY' });
          return;
        }
        checkAnswer(what, res.statusCode, res.headers, res.body, req.method);
      }),
      params(N_COLD),
    );
  }, 120_000);
});
