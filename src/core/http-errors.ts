/**
 * One error shape for every HTTP answer that is not a success, from any kad server (the API, the
 * simulator's exporter): `{ code, error, message }` with a stable `KAD_ERR_…` code, and the security
 * headers. Here are the body by status and the answer to what the HTTP parser rejects before a
 * server sees a request; the API's fastify handlers (api/error-shape.ts) build on them.
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { KadErrorCode } from './errors.js';
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

/**
 * A `clientError` handler (node:http's, or fastify's `clientErrorHandler`): answers what the HTTP
 * parser rejects (431 headers too large, 408, a malformed request) in the error shape, with the
 * security headers, then closes the socket.
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
