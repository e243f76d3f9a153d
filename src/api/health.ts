/**
 * /healthz (the process is up, and what it knows) and /readyz (503 until a model is trained or while
 * the metrics source is down, with the reason).
 */
import { Type } from 'typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { ApiDeps } from './deps.js';
import { sinksDown } from '../notify/base.js';

const Status = Type.Object({
  status: Type.String(),
  version: Type.String(),
  trained: Type.Boolean(),
  trainedAt: Type.Union([Type.String(), Type.Null()]),
  source: Type.String(),
  sourceUp: Type.Boolean(),
  models: Type.Integer(),
  pods: Type.Integer(),
  lastCycleAt: Type.Union([Type.String(), Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()]),
  modelVersion: Type.Union([Type.String(), Type.Null()]),
}, { additionalProperties: true });

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

/** Registers /healthz and /readyz. */
export const healthRoutes: FastifyPluginAsync<ApiDeps> = async (app, deps) => {
  const a = app.withTypeProvider<TypeBoxTypeProvider>();
  a.get('/healthz', { schema: { description: 'Liveness: always 200 while the process runs, with what the engine knows.', tags: ['health'], response: { 200: Status } } }, async () => {
    const s = deps.engine.status();
    return {
      status: 'ok', version: deps.version, ...deps.info,
      trained: s.trained, trainedAt: iso(s.trainedAt), source: s.source, sourceUp: s.sourceUp,
      models: s.models, pods: s.pods, lastCycleAt: iso(s.lastCycleAt), lastError: s.lastError,
      modelVersion: s.modelVersion, notify: s.notify, forecast: deps.engine.forecastStatus(),
    };
  });

  a.get('/readyz', {
    schema: {
      description: 'Readiness: 200 when a model is trained, the metrics source answers and alert sinks accept deliveries; 503 with the reason otherwise.',
      tags: ['health'],
      response: { 200: Type.Object({ ready: Type.Boolean() }), 503: Type.Object({ ready: Type.Boolean(), reason: Type.String() }) },
    },
  }, async (_req, reply) => {
    const s = deps.engine.status();
    if (!s.trained) return reply.status(503).send({ ready: false, reason: `not trained yet${s.lastError ? `: ${s.lastError}` : ''}` });
    if (!s.sourceUp) return reply.status(503).send({ ready: false, reason: `metrics source ${s.source} is down${s.lastError ? `: ${s.lastError}` : ''}` });
    const down = sinksDown(s.notify?.sinks ?? {});
    if (down.length) {
      const why = down.map(([name, v]) => `${name} is down${v.lastError ? `: ${v.lastError}` : ''} (${v.pending} alerts waiting)`).join('; ');
      return reply.status(503).send({ ready: false, reason: `alert sink ${why}` });
    }
    return { ready: true };
  });
};
