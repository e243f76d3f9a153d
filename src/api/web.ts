/**
 * The dashboard's files: `GET /` answers web/index.html, `GET /ui/…` the files of web/ (plain ES
 * modules and CSS, no build step), and `/ui/vendor/uPlot.esm.js` / `uPlot.min.css` the chart library
 * from the installed `uplot` package. Every file is read once, when the server is built, into a table
 * keyed by its URL path, so a request can only name a file of that table (no path is ever joined
 * from the URL: `..` and encoded tricks find nothing and answer 404 in the error shape). Answers carry
 * a strong ETag (If-None-Match answers 304), `cache-control: no-cache` (always revalidated: the names
 * carry no version), gzip when the client takes it, and a Content-Security-Policy stricter than the
 * API's: scripts, styles and connections from this origin only (no inline styles: the dashboard sets
 * styles through the CSSOM, which CSP allows).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { NotFoundError } from '../core/errors.js';
import { CONTENT_SECURITY_POLICY } from '../core/security-headers.js';

/** The dashboard's CSP: the API's (core/security-headers.ts) without inline styles or `data:` fonts (Swagger UI needs those, the dashboard does not). */
export const DASHBOARD_CSP = CONTENT_SECURITY_POLICY.replace("style-src 'self' 'unsafe-inline'", "style-src 'self'").replace("font-src 'self' data:", "font-src 'self'");

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json; charset=utf-8',
};

/** One file as served. */
interface WebFile {
  type: string;
  body: Buffer;
  /** The body gzipped, when that is smaller by a useful margin. */
  gzip: Buffer | null;
  etag: string;
}

/** Where the dashboard's files are read from. */
export interface WebOptions {
  /** The folder of index.html, app.js, …; default: web/ at the package root (two levels above this file, from src/api or dist/api). */
  dir?: string;
  /** The folder of uPlot.esm.js and uPlot.min.css; default: the installed `uplot` package's dist/. */
  vendorDir?: string;
}

/** The package root's web/ folder (the same two levels up from src/api/web.ts and dist/api/web.js). */
function defaultWebDir(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'web');
}

/** The installed uplot package's dist/ folder. */
function defaultVendorDir(): string {
  return join(dirname(createRequire(import.meta.url).resolve('uplot/package.json')), 'dist');
}

function entry(path: string): WebFile {
  const body = readFileSync(path);
  const gz = gzipSync(body, { level: 9 });
  return {
    type: TYPES[extname(path)] ?? 'application/octet-stream',
    body,
    gzip: gz.length < body.length * 0.9 ? gz : null,
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
  };
}

/** Every file under `dir` with a known type, by its path relative to `dir` with `/` separators. */
function listFiles(dir: string, root = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return listFiles(p, root);
    return e.isFile() && TYPES[extname(e.name)] ? [relative(root, p).split(sep).join('/')] : [];
  });
}

/**
 * The dashboard's files by URL path below /ui/ (`app.js`, `pages/overview.js`, `vendor/uPlot.esm.js`, …).
 * Throws when web/index.html or the uplot files are missing (a broken install, found at start).
 */
export function loadWebFiles(opts: WebOptions = {}): Map<string, WebFile> {
  const dir = opts.dir ?? defaultWebDir();
  if (!existsSync(join(dir, 'index.html'))) throw new Error(`the dashboard's files are missing: no ${join(dir, 'index.html')}`);
  const files = new Map<string, WebFile>();
  for (const rel of listFiles(dir)) files.set(rel, entry(join(dir, rel)));
  const vendor = opts.vendorDir ?? defaultVendorDir();
  for (const name of ['uPlot.esm.js', 'uPlot.min.css']) files.set(`vendor/${name}`, entry(join(vendor, name)));
  return files;
}

function send(req: FastifyRequest, reply: FastifyReply, file: WebFile): FastifyReply {
  void reply
    .header('content-type', file.type)
    .header('etag', file.etag)
    .header('cache-control', 'no-cache')
    .header('vary', 'accept-encoding');
  const match = req.headers['if-none-match'];
  if (match && match.split(',').some((t) => t.trim() === '*' || t.trim().replace(/^W\//, '') === file.etag)) return reply.status(304).send();
  const accepts = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  if (file.gzip && accepts) return reply.header('content-encoding', 'gzip').send(file.gzip);
  return reply.send(file.body);
}

/** Registers `GET /` (the dashboard) and `GET /ui/*` (its files); reads them once, now. */
export const webRoutes: FastifyPluginAsync<WebOptions> = async (app, opts) => {
  const files = loadWebFiles(opts);
  const index = files.get('index.html')!;
  // Runs after the root's security headers hook (registered first), so this CSP replaces the API's on these routes.
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('content-security-policy', DASHBOARD_CSP);
    return payload;
  });
  app.get('/', { schema: { hide: true } }, async (req, reply) => send(req, reply, index));
  app.get('/ui/*', { schema: { hide: true } }, async (req, reply) => {
    const path = (req.params as { '*': string })['*'];
    const file = files.get(path);
    if (!file) throw new NotFoundError(`No dashboard file /ui/${path}`);
    return send(req, reply, file);
  });
};
