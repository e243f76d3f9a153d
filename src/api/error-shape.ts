/**
 * One error shape for every answer that is not a success: `{ code, error, message }` with a stable
 * `KAD_ERR_…` code. KadErrors keep their own code and status; fastify's own errors (`FST_ERR_…`:
 * validation, body too large, bad media type, bad URL) and static-file errors are mapped by their
 * status (`frameworkErrors` for the router's own); unknown routes answer 404 and known routes asked with a method they lack 405 with `Allow`;
 * errors the HTTP parser raises before fastify sees a request (431 headers too large, 408, 400) are
 * written in the same shape by the server's client error handler, and an HTTP/1.1 request without
 * Host is answered 400 in the same shape (instead of Node's bare 400).
 */
import type { Socket } from 'node:net';
import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { InputError, KadError, type KadErrorCode } from '../core/errors.js';
import { SECURITY_HEADERS } from './security-headers.js';

/** The body of every error answer. */
export interface ErrorBody {
  code: KadErrorCode;
  error: string;
  message: string;
}

const BY_STATUS: Readonly<Record<number, readonly [KadErrorCode, string]>> = {
  400: ['KAD_ERR_INPUT', 'InputError'],
  404: ['KAD_ERR_NOT_FOUND', 'NotFoundError'],
  405: ['KAD_ERR_METHOD_NOT_ALLOWED', 'MethodNotAllowedError'],
  408: ['KAD_ERR_TIMEOUT', 'TimeoutError'],
  413: ['KAD_ERR_PAYLOAD_TOO_LARGE', 'PayloadTooLargeError'],
  415: ['KAD_ERR_UNSUPPORTED_MEDIA_TYPE', 'UnsupportedMediaTypeError'],
  431: ['KAD_ERR_HEADERS_TOO_LARGE', 'HeadersTooLargeError'],
};

/** The coded body for an answer of `status` that is not a KadError (4xx unknown here: input; 5xx: internal). */
export function errorBody(status: number, message: string): ErrorBody {
  const [code, error] = BY_STATUS[status] ?? (status >= 500 ? ['KAD_ERR_INTERNAL', 'InternalError'] : ['KAD_ERR_INPUT', 'InputError']);
  return { code, error, message };
}

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

/**
 * fastify's `clientErrorHandler`: answers what the HTTP parser rejects (431 headers too large, 408,
 * a malformed request) in the error shape, with the security headers, then closes the socket.
 */
export function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  // Bytes after a request that said `Connection: close` are ignored (RFC 9112 9.6): its own answer,
  // maybe not written yet, is still sent, and Node closes the connection after it.
  if (err.code === 'HPE_CLOSED_CONNECTION') return;
  // An answer already under way on this socket is not interrupted by a second one (Node's own rule).
  if ((socket as Socket & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage?.headersSent) {
    socket.destroy(err);
    return;
  }
  const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const message = status === 431 ? 'Request headers are too large' : status === 408 ? 'The request took too long to arrive' : 'Malformed HTTP request';
  const body = JSON.stringify(errorBody(status, message));
  const headers = { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(body)), connection: 'close', ...SECURITY_HEADERS };
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n${body}`);
  }
  socket.destroy(err);
}
