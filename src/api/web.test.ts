/**
 * The dashboard's files as kad serves them: / is web/index.html, every file it loads (and every module
 * those import) answers 200 with its type, ETag revalidation answers 304, gzip when asked, the
 * dashboard's CSP (no inline styles) while /docs keeps the API's, the JSON index at /api, and no path
 * leaves the table of files (404 in the error shape).
 */
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { Registry } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../engine/engine.js';
import { CONTENT_SECURITY_POLICY } from '../core/security-headers.js';
import { createTelemetry } from '../telemetry/metrics.js';
import { buildServer } from './server.js';
import { DASHBOARD_CSP, loadWebFiles } from './web.js';

/** GET `path` exactly as written (no normalisation of `..`), on a real socket. */
function rawGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('dashboard files (src/api/web.ts)', () => {
  let app: FastifyInstance;

  beforeAll(async () => {
    // The routes under test never reach the engine.
    app = await buildServer({ engine: {} as Engine, telemetry: createTelemetry(new Registry()), version: 'test' });
  });
  afterAll(async () => app.close());

  it('serves web/index.html at / with the dashboard CSP (scripts, styles, connections: self only)', async () => {
    const r = await app.inject({ method: 'GET', url: '/' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(r.body).toContain('<script type="module" src="/ui/app.js"></script>');
    expect(r.headers['content-security-policy']).toBe(DASHBOARD_CSP);
    for (const d of ["script-src 'self'", "style-src 'self'", "connect-src 'self'"]) expect(DASHBOARD_CSP.split('; ')).toContain(d);
    expect(DASHBOARD_CSP).not.toContain('unsafe');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['x-frame-options']).toBe('DENY');
    expect(r.body, 'no inline script or style').not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>|<style|\sstyle=/);
  });

  it('serves every file the page loads and every module those import, with its type', async () => {
    const index = (await app.inject({ method: 'GET', url: '/' })).body;
    const queue = [...index.matchAll(/(?:src|href)="(\/ui\/[^"]+)"/g)].map((m) => m[1]!);
    expect(queue).toEqual(expect.arrayContaining(['/ui/app.js', '/ui/style.css', '/ui/vendor/uPlot.esm.js', '/ui/vendor/uPlot.min.css']));
    const seen = new Set<string>();
    while (queue.length) {
      const url = queue.shift()!;
      if (seen.has(url)) continue;
      seen.add(url);
      const r = await app.inject({ method: 'GET', url });
      expect(r.statusCode, url).toBe(200);
      expect(r.headers['content-type'], url).toBe(url.endsWith('.css') ? 'text/css; charset=utf-8' : url.endsWith('.svg') ? 'image/svg+xml' : 'text/javascript; charset=utf-8');
      if (url.endsWith('.js') && !url.includes('/vendor/')) {
        for (const m of r.body.matchAll(/^import\s[^'"]*['"]([^'"]+)['"]/gm)) queue.push(new URL(m[1]!, `http://x${url}`).pathname);
      }
    }
    expect(seen.size).toBeGreaterThanOrEqual(12);
  });

  it('answers a known ETag 304 without a body, and gzip when the client takes it', async () => {
    const first = await app.inject({ method: 'GET', url: '/ui/vendor/uPlot.esm.js' });
    expect(first.headers['cache-control']).toBe('no-cache');
    const etag = String(first.headers.etag);
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await app.inject({ method: 'GET', url: '/ui/vendor/uPlot.esm.js', headers: { 'if-none-match': etag } });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    expect((await app.inject({ method: 'GET', url: '/', headers: { 'if-none-match': '*' } })).statusCode).toBe(304);
    expect((await app.inject({ method: 'GET', url: '/', headers: { 'if-none-match': '"other"' } })).statusCode).toBe(200);
    const gz = await app.inject({ method: 'GET', url: '/ui/vendor/uPlot.esm.js', headers: { 'accept-encoding': 'gzip, br' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.rawPayload.length).toBeLessThan(first.rawPayload.length / 2);
    expect(gunzipSync(gz.rawPayload).equals(first.rawPayload)).toBe(true);
  });

  it('keeps the API\'s CSP on /docs and moves the JSON index to /api', async () => {
    const docs = await app.inject({ method: 'GET', url: '/docs' });
    expect(docs.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    const api = await app.inject({ method: 'GET', url: '/api' });
    expect(api.json()).toMatchObject({ name: 'k8s-anomaly-detector', version: 'test', endpoints: expect.arrayContaining(['/detect', '/docs']) });
  });

  it('answers an unknown file or a path that leaves web/ 404 (or 400) in the error shape', async () => {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const port = (app.server.address() as AddressInfo).port;
    for (const path of ['/ui/nope.js', '/ui/../package.json', '/ui/%2e%2e/package.json', '/ui/..%2f..%2fpackage.json', '/ui/pages/../../src/main.ts',
      '/ui//etc/passwd', '/ui/%2fetc%2fpasswd', '/ui/vendor/../../node_modules/uplot/package.json', '/ui/', '/ui/%00', '/ui/%']) {
      const r = await rawGet(port, path);
      expect([400, 404], path).toContain(r.status);
      expect(JSON.parse(r.body), path).toMatchObject({ code: expect.stringMatching(/^KAD_ERR_(NOT_FOUND|INPUT)$/), message: expect.any(String) });
    }
  });

  it('refuses to start without the dashboard\'s files', () => {
    expect(() => loadWebFiles({ dir: '/nonexistent' })).toThrow(/dashboard's files are missing/);
  });
});
