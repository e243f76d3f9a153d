/**
 * Boolean query parameters accept `true`/`false` and `1`/`0` (`/detect?flagged=1`). The schema's
 * validator coerces only the words; this preValidation hook turns `1`/`0` into them first, for every
 * query property the route's schema types as boolean, so the OpenAPI document keeps `boolean`.
 */
import type { FastifyInstance } from 'fastify';

const WORDS: Readonly<Record<string, string>> = { '1': 'true', '0': 'false' };

/** The names of the boolean properties of a querystring schema. */
function booleanProperties(schema: unknown): string[] {
  const props = (schema as { properties?: Record<string, { type?: unknown }> } | undefined)?.properties ?? {};
  return Object.entries(props).filter(([, p]) => p.type === 'boolean').map(([name]) => name);
}

/** Adds the hook to `app` (register on the root instance, before the routes). */
export function acceptNumericBooleans(app: FastifyInstance): void {
  app.addHook('preValidation', async (req) => {
    const names = booleanProperties(req.routeOptions.schema?.querystring);
    if (names.length === 0) return;
    const query = req.query as Record<string, unknown>;
    for (const name of names) {
      const v = query[name];
      if (typeof v === 'string' && v in WORDS) query[name] = WORDS[v];
    }
  });
}
