/**
 * The HTTP API: fastify with TypeBox schemas, OpenAPI at /docs/json and Swagger UI at /docs. Every
 * error answer, fastify's own included, is `{ code, error, message }` with a `KAD_ERR_…` code
 * (error-shape.ts); every answer carries the security headers (security-headers.ts).
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { clientErrorHandler } from '../core/http-errors.js';
import { frameworkErrors, installErrorShape } from './error-shape.js';
import { acceptNumericBooleans } from './query-booleans.js';
import { addSecurityHeaders } from './security-headers.js';
import { detectRoutes } from './detect.js';
import { forecastRoutes } from './forecast.js';
import { healthRoutes } from './health.js';
import { modelsRoutes } from './models.js';
import { eventRoutes } from './events.js';
import { webRoutes } from './web.js';
import { OperatorFeedback } from '../policy/feedback.js';
import { WorkloadBars } from '../policy/workload-bars.js';
import { openEventStore } from '../store/event-store.js';
import { remoteWriteRoutes } from './remote-write.js';
import type { ApiDeps } from './deps.js';

/** The routes of the JSON index at GET /api. */
const ENDPOINTS = ['/api', '/api/pods', '/api/series', '/api/alerts', '/api/incidents', '/api/events', '/anomalies', '/detect', '/forecast', '/scaling', '/models', '/healthz', '/readyz', '/metrics', '/docs'];

/** How the server logs. */
export interface ServerOptions {
  /** A pino logger shared with the rest of the service; none: no request logs. */
  logger?: FastifyBaseLogger;
}

/** Builds the fastify app (not listening). */
export async function buildServer(deps: ApiDeps, opts: ServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    ...(opts.logger ? { loggerInstance: opts.logger } : { logger: false }),
    logController: new LogController({ disableRequestLogging: true }),
    clientErrorHandler,
    frameworkErrors,
    // Node answers an HTTP/1.1 request without Host with a bare 400 of its own; error-shape.ts answers it instead.
    http: { requireHostHeader: false },
  }).withTypeProvider<TypeBoxTypeProvider>();

  installErrorShape(app);
  addSecurityHeaders(app);
  acceptNumericBooleans(app);

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'k8s-anomaly-detector',
        description: 'Per-pod anomaly scores and flags for a Kubernetes cluster.',
        version: deps.version,
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'KAD_API_TOKEN (or the content of KAD_API_TOKEN_FILE)' } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  await app.register(healthRoutes, deps);
  await app.register(detectRoutes, deps);
  await app.register(forecastRoutes, deps);
  await app.register(modelsRoutes, deps);
  const events = deps.events ?? openEventStore();
  if (!deps.events) app.addHook('onClose', async () => events.close());
  const feedback = deps.feedback ?? new OperatorFeedback(events, new WorkloadBars(), { now: Date.now });
  await app.register(eventRoutes, { ...deps, events, feedback });
  await app.register(remoteWriteRoutes, deps);

  app.get('/metrics', { schema: { description: 'Prometheus metrics (text exposition format).', tags: ['metrics'] } }, async (_req, reply) => {
    reply.header('content-type', deps.telemetry.registry.contentType);
    return deps.telemetry.registry.metrics();
  });

  // The JSON index (GET / is the dashboard's: web.ts).
  app.get('/api', { schema: { hide: true } }, async () => ({
    name: 'k8s-anomaly-detector',
    version: deps.version,
    endpoints: [...ENDPOINTS, ...(deps.incidents ? ['/incidents'] : [])],
  }));
  await app.register(webRoutes);

  if (deps.incidents) {
    const incidents = deps.incidents;
    app.get('/incidents', { schema: { description: 'Ground truth of the simulated cluster: incidents and benign events so far.', tags: ['simulator'] } }, async () => incidents());
  }
  return app;
}
