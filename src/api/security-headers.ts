/**
 * Security headers on every answer, error answers and Swagger UI included: no MIME sniffing, no
 * framing, no referrer sent elsewhere, and a Content-Security-Policy that allows only this origin's
 * scripts (Swagger UI's bundle, its initializer) plus inline styles and `data:` images, which
 * Swagger UI uses (the headers are in core/security-headers.ts, shared with the simulator's exporter).
 * Written by one onSend hook instead of a dependency (e.g. `@fastify/helmet`).
 */
import type { FastifyInstance } from 'fastify';
import { SECURITY_HEADERS } from '../core/security-headers.js';

/** Adds {@link SECURITY_HEADERS} to every answer of `app` (register on the root instance, first). */
export function addSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.headers(SECURITY_HEADERS);
    return payload;
  });
}
