/**
 * One error shape for every answer that is not a success: `{ code, error, message }` with a stable
 * `KAD_ERR_…` code. KadErrors keep their own code and status; fastify's own errors (`FST_ERR_…`:
 * validation, body too large, bad media type, bad URL) and static-file errors are mapped by their
 * status (`frameworkErrors` for the router's own); unknown routes answer 404 and known routes asked with a method they lack 405 with `Allow`;
 * errors the HTTP parser raises before fastify sees a request (431 headers too large, 408, 400) are
 * written in the same shape by the server's client error handler (core/http-errors.ts, with the
 * body by status, shared with the simulator's exporter), and an HTTP/1.1 request without Host is
 * answered 400 in the same shape (instead of Node's bare 400).
 */
import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { InputError, KadError } from '../core/errors.js';
import { errorBody, type ErrorBody } from '../core/http-errors.js';
import { SECURITY_HEADERS } from '../core/security-headers.js';

/** Maps any thrown error to its status and coded body. */
export function toErrorAnswer(err: unknown): { status: number; body: ErrorBody } {
  if (err instanceof KadError) return { status: err.statusCode, body: { code: err.code, error: err.name, message: err.message } };
  const e = (err ?? {}) as { statusCode?: number; status?: number; message?: string; validation?: unknown };
  if (e.validation) return { status: 400, body: errorBody(400, e.message ?? 'invalid request') };
  let status = e.statusCode ?? e.status;
  status = status !== undefined && status >= 400 && status <= 599 ? status : 500;
  // A path that leaves a static folder (`/docs/static/../…`) is a file that is not there.
  if (status === 403) return { status: 404, body: errorBody(404, 'Not found') };
  return { status, body: errorBody(status, e.message || STATUS_CODES[status] || 'error') };
}

/** The route patterns `app` serves, with their methods, for 405 answers. */
class RouteTable {
  private readonly routes: { pattern: RegExp; methods: Set<string> }[] = [];
  private readonly byUrl = new Map<string, Set<string>>();

  add(url: string, method: string | string[]): void {
    let methods = this.byUrl.get(url);
    if (!methods) {
      methods = new Set();
      this.byUrl.set(url, methods);
      const src = url.split('/').map((part) => (part === '*' ? '.*' : part.startsWith(':') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/');
      this.routes.push({ pattern: new RegExp(`^${src}$`), methods });
    }
    for (const m of [method].flat()) {
      methods.add(m.toUpperCase());
      if (m.toUpperCase() === 'GET') methods.add('HEAD');
    }
  }

  /** The methods of the routes that match `path`, sorted; empty when none matches. */
  allowed(path: string): string[] {
    const out = new Set<string>();
    for (const r of this.routes) if (r.pattern.test(path)) for (const m of r.methods) out.add(m);
    return [...out].sort();
  }
}

/**
 * Installs the error handler, the 404/405 handler and the route table on the root `app`. Call before
 * registering any route, so that every route is known to the 405 answer.
 */
export function installErrorShape(app: FastifyInstance): void {
  const table = new RouteTable();
  app.addHook('onRoute', (route) => table.add(route.url, route.method));

  // RFC 9112 3.2: an HTTP/1.1 request without Host is a 400 (the server is built with Node's own check off, see server.ts).
  app.addHook('onRequest', async (req) => {
    if (req.raw.httpVersion === '1.1' && req.headers.host === undefined) throw new InputError('An HTTP/1.1 request needs a Host header');
  });

  app.setErrorHandler((err, _req, reply) => {
    const { status, body } = toErrorAnswer(err);
    if (status >= 500) app.log.error({ err }, 'request failed');
    return reply.status(status).send(body);
  });

  app.setNotFoundHandler((req: FastifyRequest, reply: FastifyReply) => {
    const path = req.url.split('?')[0] ?? req.url;
    const allowed = table.allowed(path);
    if (allowed.length > 0 && !allowed.includes(req.method)) {
      return reply.status(405).header('allow', allowed.join(', '))
        .send(errorBody(405, `${req.method} is not allowed on ${path}; allowed: ${allowed.join(', ')}`));
    }
    return reply.status(404).send(errorBody(404, `No route ${req.method} ${path}; see /docs for the routes`));
  });
}

/**
 * fastify's `frameworkErrors`: what its router rejects before any route or hook runs (a URL that does
 * not decode, a parameter too long), in the error shape with the security headers.
 */
export function frameworkErrors(err: FastifyError, _req: FastifyRequest, reply: FastifyReply): void {
  const { status, body } = toErrorAnswer(err);
  void reply.headers(SECURITY_HEADERS).status(status).send(body);
}
