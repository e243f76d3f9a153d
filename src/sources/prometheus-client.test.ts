import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load.js';
import { ConfigError, SourceError } from '../core/errors.js';
import { makeTestPki, OPENSSL } from '../core/pki.testkit.js';
import { parseSampleValue, PrometheusClient, prometheusClientSettings, PrometheusQueryError, truncate } from './prometheus-client.js';

/** The client's timeout and retries as the config's defaults give them. */
const SETTINGS = prometheusClientSettings(loadConfig({ env: {} }).prometheus);

interface Seen {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  form: URLSearchParams;
  at: number;
}

type Handler = (req: Seen, res: ServerResponse) => void;

const servers: Server[] = [];
const clients: PrometheusClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((r) => { s.closeAllConnections(); s.close(() => r()); })));
});

/** A tiny fake Prometheus: records each request and answers with `handler`. */
async function fake(handler: Handler, make: (h: (req: IncomingMessage, res: ServerResponse) => void) => Server = (h) => createServer(h)) {
  const seen: Seen[] = [];
  const server = make((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const s = { method: req.method!, path: req.url!, headers: req.headers, form: new URLSearchParams(body), at: Date.now() };
      seen.push(s);
      handler(s, res);
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return { seen, port };
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

const VECTOR = { status: 'success', data: { resultType: 'vector', result: [{ metric: { pod: 'a' }, value: [1700000000.5, '0.25'] }] } };

function client(opts: Partial<ConstructorParameters<typeof PrometheusClient>[0]> & { url: string }): PrometheusClient {
  const c = new PrometheusClient({ ...SETTINGS, retryBaseMs: 5, retryMaxMs: 50, random: () => 0.5, ...opts });
  clients.push(c);
  return c;
}

async function rejection(p: Promise<unknown>): Promise<PrometheusQueryError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(SourceError);
    expect(e).toBeInstanceOf(PrometheusQueryError);
    return e as PrometheusQueryError;
  }
  throw new Error('expected a rejection');
}

describe('PrometheusClient', () => {
  it('POSTs instant queries form-encoded under the base path and parses the vector', async () => {
    const { seen, port } = await fake((_req, res) => json(res, 200, VECTOR));
    const c = client({ url: `http://127.0.0.1:${port}/prefix/`, timeoutMs: 2500 });
    const long = `sum(rate(x{pod=~"${'p|'.repeat(5000)}q"}[1m]))`;
    const out = await c.query(long, 1_700_000_000_123);
    expect(out).toEqual([{ metric: { pod: 'a' }, t: 1_700_000_000_500, value: 0.25 }]);
    expect(seen[0].method).toBe('POST');
    expect(seen[0].path).toBe('/prefix/api/v1/query');
    expect(seen[0].headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(seen[0].form.get('query')).toBe(long);
    expect(seen[0].form.get('time')).toBe('1700000000.123');
    expect(seen[0].form.get('timeout')).toBe('2500ms');
    expect(seen[0].headers.authorization).toBeUndefined();
  });

  it('parses range matrices, special values and scalars', async () => {
    const { seen, port } = await fake((req, res) => {
      if (req.path.endsWith('query_range')) {
        json(res, 200, { status: 'success', data: { resultType: 'matrix', result: [
          { metric: { pod: 'a' }, values: [[1000, '1'], [1060, 'NaN'], [1120, '+Inf'], [1180, '-Inf'], [1240, '1e3']] },
        ] } });
      } else {
        json(res, 200, { status: 'success', data: { resultType: 'scalar', result: [1000, '42'] } });
      }
    });
    const c = client({ url: `http://127.0.0.1:${port}` });
    const [m] = await c.queryRange('x', 1_000_000, 1_240_000, 60_000);
    expect(Array.from(m.times)).toEqual([1_000_000, 1_060_000, 1_120_000, 1_180_000, 1_240_000]);
    expect(Array.from(m.values)).toEqual([1, NaN, Infinity, -Infinity, 1000]);
    expect(seen[0].path).toBe('/api/v1/query_range');
    expect(Object.fromEntries(seen[0].form)).toMatchObject({ query: 'x', start: '1000.000', end: '1240.000', step: '60.000' });
    expect(await c.query('scalar(x)', 1_000_000)).toEqual([{ metric: {}, t: 1_000_000, value: 42 }]);
    expect(parseSampleValue('NaN')).toBeNaN();
  });

  it('decodes gzip answers', async () => {
    const { seen, port } = await fake((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end(gzipSync(JSON.stringify(VECTOR)));
    });
    const out = await client({ url: `http://127.0.0.1:${port}`, gzip: true }).query('x', 0);
    expect(out[0].value).toBe(0.25);
    expect(seen[0].headers['accept-encoding']).toBe('gzip');
    await client({ url: `http://127.0.0.1:${port}` }).query('x', 0);
    expect(seen[1].headers['accept-encoding']).toBeUndefined();
  });

  it('retries 5xx and 429 with growing, jittered backoff, honouring Retry-After', async () => {
    let n = 0;
    const { seen, port } = await fake((_req, res) => {
      n++;
      if (n === 1) return json(res, 503, { status: 'error', errorType: 'timeout', error: 'query timed out' });
      if (n === 2) return json(res, 429, { status: 'error', errorType: 'too_many', error: 'slow down' }, { 'retry-after': '0.1' });
      if (n === 3) { res.writeHead(502); return res.end('bad gateway'); }
      json(res, 200, VECTOR);
    });
    const c = client({ url: `http://127.0.0.1:${port}`, maxRetries: 3, retryBaseMs: 20, retryMaxMs: 1000, random: () => 0 });
    expect((await c.query('x', 0))[0].value).toBe(0.25);
    expect(seen).toHaveLength(4);
    const gaps = seen.slice(1).map((s, i) => s.at - seen[i].at);
    expect(gaps[0]).toBeGreaterThanOrEqual(9); // 20 ms, equal jitter with random 0 → 10 ms
    expect(gaps[1]).toBeGreaterThanOrEqual(95); // Retry-After 0.1 s beats 20 ms
    expect(gaps[2]).toBeGreaterThanOrEqual(39); // 80 ms → 40 ms
  });

  it('gives up after maxRetries with a message naming the URL, the reason and the attempts', async () => {
    const { seen, port } = await fake((_req, res) => json(res, 500, { status: 'error', errorType: 'internal', error: 'boom' }));
    const e = await rejection(client({ url: `http://127.0.0.1:${port}`, maxRetries: 2 }).query('up', 0));
    expect(seen).toHaveLength(3);
    expect(e.message).toBe(`Prometheus http://127.0.0.1:${port} internal: boom (HTTP 500) for query up (3 attempts)`);
    expect(e.code).toBe('KAD_ERR_SOURCE');
    expect(e.status).toBe(500);
  });

  it('does not retry bad_data, and truncates the query in the message', async () => {
    const { seen, port } = await fake((_req, res) => json(res, 400, { status: 'error', errorType: 'bad_data', error: 'parse error at char 5' }));
    const q = `rate(container_cpu_usage_seconds_total{namespace=~"${'a'.repeat(200)}"}[1m])`;
    const e = await rejection(client({ url: `http://127.0.0.1:${port}`, maxRetries: 3 }).query(q, 0));
    expect(seen).toHaveLength(1);
    expect(e.message).toMatch(new RegExp(`^Prometheus http://127\\.0\\.0\\.1:${port} bad_data: parse error at char 5 \\(HTTP 400\\) for query rate\\(container_cpu_usage_seconds_total\\{namespace=~"a+…$`));
    expect(e.message.length).toBeLessThan(200);
    expect(e.attempts).toBe(1);
    expect(truncate('a  b\n c', 10)).toBe('a b c');
  });

  it('explains 401 and answers that are not the query API', async () => {
    let status = 401;
    const { port } = await fake((_req, res) => {
      res.writeHead(status, { 'content-type': 'text/html' });
      res.end(status === 200 ? '<html>grafana</html>' : 'Unauthorized');
    });
    const c = client({ url: `http://127.0.0.1:${port}`, maxRetries: 0 });
    expect((await rejection(c.query('up', 0))).message).toContain('HTTP 401 Unauthorized: Unauthorized; check PROMETHEUS_BEARER_TOKEN(_FILE)');
    status = 404;
    expect((await rejection(c.query('up', 0))).message).toContain('…/api/v1/query must exist');
    status = 200;
    expect((await rejection(c.query('up', 0))).message).toContain('not the query API\'s JSON');
  });

  it('refuses a successful answer of the wrong shape with a coded error, not a TypeError', async () => {
    let data: unknown = { resultType: 'matrix', result: null };
    const { port } = await fake((_req, res) => json(res, 200, { status: 'success', data }));
    const c = client({ url: `http://127.0.0.1:${port}`, maxRetries: 0 });
    expect((await rejection(c.queryRange('up', 0, 60_000, 15_000))).message).toContain('sent a malformed answer (unexpected null in data.result)');
    data = { resultType: 'matrix', result: [{ metric: {}, values: [[1, 2]] }] };
    expect((await rejection(c.queryRange('up', 0, 60_000, 15_000))).message).toContain('sent a malformed answer (unexpected [1,2]');
    data = { resultType: 'vector', result: [{ metric: null, value: [1, '2'] }] };
    expect((await rejection(c.query('up', 0))).message).toContain('sent a malformed answer');
    data = { resultType: 'vector', result: { length: 1 } };
    expect((await rejection(c.query('up', 0))).message).toContain('sent a malformed answer');
  });

  it('says an answer was cut off, not that the server is unreachable, and retries it', async () => {
    const { seen, port } = await fake((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '500' });
      res.write('{"status":"success","data":');
      setTimeout(() => res.socket?.destroy(), 10);
    });
    const e = await rejection(client({ url: `http://127.0.0.1:${port}`, maxRetries: 1 }).query('up', 0));
    expect(e.message).toMatch(/sent an answer cut off before its end \((response aborted|connection closed mid-response)\) for query up \(2 attempts\)/);
    expect(seen).toHaveLength(2);
  });

  it('reports an unreachable server quickly', async () => {
    const { port } = await fake(() => {});
    await new Promise<void>((r) => servers.pop()!.close(() => r()));
    const t0 = Date.now();
    const e = await rejection(client({ url: `http://127.0.0.1:${port}`, maxRetries: 2 }).query('rate(container_cpu_usage_seconds_total[1m])', 0));
    expect(e.message).toBe(`Prometheus http://127.0.0.1:${port} unreachable (ECONNREFUSED) for query rate(container_cpu_usage_seconds_total[1m]) (3 attempts)`);
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it('times out each attempt after timeoutMs', async () => {
    const { seen, port } = await fake(() => {}); // never answers
    const t0 = Date.now();
    const e = await rejection(client({ url: `http://127.0.0.1:${port}`, timeoutMs: 150, maxRetries: 1 }).query('up', 0));
    const took = Date.now() - t0;
    expect(e.message).toContain('timed out after 0.15 s (REQUEST_TIMEOUT_SECONDS)');
    expect(seen).toHaveLength(2);
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(1500);
  });

  it('stops retrying when the caller aborts', async () => {
    const { seen, port } = await fake((_req, res) => json(res, 503, { status: 'error', errorType: 'unavailable', error: 'x' }));
    const ctl = new AbortController();
    const c = client({ url: `http://127.0.0.1:${port}`, maxRetries: 10, retryBaseMs: 200, retryMaxMs: 200 });
    setTimeout(() => ctl.abort(), 100);
    const t0 = Date.now();
    const e = await rejection(c.query('up', 0, ctl.signal));
    expect(e.reason).toBe('query aborted');
    expect(seen).toHaveLength(1);
    expect(Date.now() - t0).toBeLessThan(500);
  });

  it('sends a bearer token re-read from its file on every request', async () => {
    const { seen, port } = await fake((_req, res) => json(res, 200, VECTOR));
    const dir = mkdtempSync(join(tmpdir(), 'kad-token-'));
    const file = join(dir, 'token');
    writeFileSync(file, 'first\n');
    const c = client({ url: `http://127.0.0.1:${port}`, bearerTokenFile: file });
    await c.query('up', 0);
    writeFileSync(file, 'rotated');
    await c.query('up', 0);
    expect(seen.map((s) => s.headers.authorization)).toEqual(['Bearer first', 'Bearer rotated']);
    await c.query('up', 0);
    const e = await rejection(client({ url: `http://127.0.0.1:${port}`, bearerTokenFile: join(dir, 'missing') }).query('up', 0));
    expect(e.message).toContain(`cannot read the bearer token file (PROMETHEUS_BEARER_TOKEN_FILE) ${join(dir, 'missing')} (ENOENT)`);
    await client({ url: `http://127.0.0.1:${port}`, bearerToken: 'inline', headers: { 'X-Scope-OrgID': 'team-a' } }).query('up', 0);
    expect(seen.at(-1)!.headers.authorization).toBe('Bearer inline');
    expect(seen.at(-1)!.headers['x-scope-orgid']).toBe('team-a');
  });

  it('sends basic auth from a password, a password file, or the URL (kept out of messages)', async () => {
    const { seen, port } = await fake((_req, res) => json(res, 200, VECTOR));
    const dir = mkdtempSync(join(tmpdir(), 'kad-pw-'));
    writeFileSync(join(dir, 'pw'), 's3cret\n');
    const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
    await client({ url: `http://127.0.0.1:${port}`, username: 'kad', password: 'pw' }).query('up', 0);
    await client({ url: `http://127.0.0.1:${port}`, username: 'kad', passwordFile: join(dir, 'pw') }).query('up', 0);
    const viaUrl = client({ url: `http://bob:p%40ss@127.0.0.1:${port}` });
    await viaUrl.query('up', 0);
    expect(seen.map((s) => s.headers.authorization)).toEqual([basic('kad', 'pw'), basic('kad', 's3cret'), basic('bob', 'p@ss')]);
    expect(viaUrl.url).toBe(`http://127.0.0.1:${port}`);
  });

  it('refuses conflicting or invalid settings with a ConfigError', () => {
    expect(() => new PrometheusClient({ ...SETTINGS, url: 'ftp://x' })).toThrow(ConfigError);
    expect(() => new PrometheusClient({ ...SETTINGS, url: 'http://x', bearerToken: 't', username: 'u' })).toThrow(/both set/);
    expect(() => new PrometheusClient({ ...SETTINGS, url: 'http://x', password: 'p' })).toThrow(/without PROMETHEUS_USERNAME/);
    expect(() => new PrometheusClient({ ...SETTINGS, url: 'https://x', caFile: '/nonexistent/ca.pem' })).toThrow(/PROMETHEUS_CA_FILE="\/nonexistent\/ca.pem" cannot be read/);
  });

  it.runIf(existsSync(OPENSSL))('trusts a custom CA file, or skips verification when told; otherwise says what to set', async () => {
    const pki = makeTestPki(mkdtempSync(join(tmpdir(), 'kad-tls-')));
    const { port } = await fake((_req, res) => json(res, 200, VECTOR), (h) =>
      createHttpsServer({ key: readFileSync(pki.serverKey), cert: readFileSync(pki.serverCert) }, h));
    const url = `https://127.0.0.1:${port}`;
    const e = await rejection(client({ url, maxRetries: 3 }).query('up', 0));
    expect(e.attempts).toBe(1);
    expect(e.message).toMatch(/TLS handshake failed \(.+\); set PROMETHEUS_CA_FILE .* or PROMETHEUS_INSECURE_SKIP_VERIFY=true/);
    expect((await client({ url, caFile: pki.ca }).query('up', 0))[0].value).toBe(0.25);
    expect((await client({ url, insecureSkipVerify: true }).query('up', 0))[0].value).toBe(0.25);
  });
});

describe('PrometheusClient and a long-lived abort signal', () => {
  it('leaves no listener behind on the caller signal after each request (no per-request leak)', async () => {
    const { EventEmitter } = await import('node:events');
    const { port } = await fake((_req, res) => json(res, 200, VECTOR));
    const c = client({ url: `http://127.0.0.1:${port}` });
    const life = new AbortController();
    for (let i = 0; i < 50; i++) await c.query('up', 1_700_000_000_000, life.signal);
    expect(EventEmitter.getEventListeners(life.signal, 'abort')).toHaveLength(0);
  });
});
