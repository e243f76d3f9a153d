/**
 * What the HTTP API's routes are given ({@link ApiDeps}): the server (server.ts) builds it once and
 * each route module takes it, so the routes depend on this file, not on the server that registers them.
 */
import type { Engine } from '../engine/engine.js';
import type { OperatorFeedback } from '../policy/feedback.js';
import type { EventStore } from '../store/event-store.js';
import type { Telemetry } from '../telemetry/metrics.js';
import type { ApiAuth } from './auth.js';
import type { LiveFeed } from './live-feed.js';
import type { ModelsDeps } from './models.js';
import type { RemoteWriteDeps } from './remote-write.js';

/** What the API serves. */
export interface ApiDeps extends RemoteWriteDeps, ModelsDeps {
  engine: Engine;
  telemetry: Telemetry;
  version: string;
  /** Extra facts for /healthz (e.g. the Prometheus URL). */
  info?: Record<string, unknown>;
  /** Ground truth of the simulated cluster, when the source is the simulator. */
  incidents?: () => unknown[];
  /** The event store (anomalies, alert history, pod history); unset: an empty one in memory. */
  events?: EventStore;
  /** Operator feedback; unset: recorded in `events`, with bars no engine reads. */
  feedback?: OperatorFeedback;
  /** Every cycle's result, for GET /api/events; unset: the stream sends the pods once, then pings. */
  feed?: LiveFeed;
  /** The API token (config section `api`); unset or empty: mutating endpoints answer 403. */
  auth?: ApiAuth;
}
