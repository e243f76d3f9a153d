/**
 * Access control of mutating endpoints: read-only routes stay open (as a Prometheus exporter's
 * are); a route that changes state takes {@link requireToken} as its `onRequest` hook and needs
 * `Authorization: Bearer <token>`, the token being `KAD_API_TOKEN` or the content of
 * `KAD_API_TOKEN_FILE` (read at each such request, so a rotated Kubernetes Secret takes effect).
 * No token configured: mutations are disabled, 403. Missing or wrong token: 401 with
 * `WWW-Authenticate: Bearer`. The comparison takes the same time whatever the token sent (both sides
 * are hashed with SHA-256 first, then compared with `timingSafeEqual`).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ConfigError, ForbiddenError, UnauthorizedError } from '../core/errors.js';

/** Where the API token comes from (config section `api`). */
export interface ApiAuth {
  token?: string;
  tokenFile?: string;
}

/**
 * Checks the settings at start: not both a token and a token file, and a token file that can be read.
 * Throws {@link ConfigError} naming the setting.
 */
export function checkApiAuth(auth: ApiAuth): void {
  if (auth.token !== undefined && auth.tokenFile !== undefined) throw new ConfigError('Set KAD_API_TOKEN or KAD_API_TOKEN_FILE, not both');
  if (auth.tokenFile !== undefined) expectedToken(auth);
}

/** The configured token (trimmed file content), or undefined when none is set. Throws {@link ConfigError} when the file cannot be read or is empty. */
function expectedToken(auth: ApiAuth): string | undefined {
  if (auth.token !== undefined) return auth.token;
  if (auth.tokenFile === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(auth.tokenFile, 'utf8').trim();
  } catch (e) {
    throw new ConfigError(`cannot read the API token file ${auth.tokenFile} (KAD_API_TOKEN_FILE): ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (text === '') throw new ConfigError(`the API token file ${auth.tokenFile} (KAD_API_TOKEN_FILE) is empty`);
  return text;
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Whether `given` is `expected`, in time that does not depend on where they differ. */
export function sameToken(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/** An `onRequest` hook that lets a request through only with the configured bearer token; see the module comment. */
export function requireToken(auth: ApiAuth | undefined): (req: FastifyRequest, reply: FastifyReply) => Promise<void> {
  return async (req, reply) => {
    const expected = expectedToken(auth ?? {});
    if (expected === undefined) throw new ForbiddenError('Changes through the API are disabled: set KAD_API_TOKEN or KAD_API_TOKEN_FILE to allow them with a bearer token');
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(req.headers.authorization ?? '');
    if (!m || !sameToken(m[1], expected)) {
      reply.header('www-authenticate', 'Bearer realm="kad"');
      throw new UnauthorizedError(m ? 'The bearer token is not the one configured (KAD_API_TOKEN)' : 'This endpoint needs the header Authorization: Bearer <token> (the token in KAD_API_TOKEN)');
    }
  };
}
