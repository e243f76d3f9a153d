/**
 * Incidents injected into a running simulated cluster over HTTP (`kad simulate`'s
 * `POST /incidents`, for demos: "inject a CPU runaway, watch the alert fire"). The body is JSON:
 * `{"kind": "cpu_runaway", "namespace": "shop", "workload": "catalog", "replica": 0,
 * "durationSeconds": 300, "inSeconds": 0, "intensity": 0.9}`; only `kind` is required (the default
 * target per kind is used without `workload` or `pod`).
 */
import type { IncomingMessage } from 'node:http';
import type { Clock } from '../core/clock.js';
import { InputError } from '../core/errors.js';
import type { SimulatedCluster } from './cluster.js';
import type { Incident, ScheduledEvent, SchedulableKind } from './types.js';

const MAX_BODY = 16 * 1024;

/** Reads the request body (at most 16 KiB) as text. */
function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > MAX_BODY) reject(new InputError(`the request body is over ${MAX_BODY} bytes`));
    });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

/** Parses an injection request's JSON into a scheduled event at `now` (+ `inSeconds`). */
export function parseInjection(text: string, now: number): ScheduledEvent {
  let b: Record<string, unknown>;
  try {
    b = JSON.parse(text || '{}') as Record<string, unknown>;
  } catch (e) {
    throw new InputError(`the body must be JSON: ${(e as Error).message}`);
  }
  if (typeof b !== 'object' || b === null || Array.isArray(b)) throw new InputError('the body must be a JSON object');
  if (typeof b.kind !== 'string') throw new InputError('"kind" is required (e.g. "cpu_runaway", "memory_leak", "packet_loss", "crash_loop")');
  const str = (k: string) => {
    if (b[k] !== undefined && typeof b[k] !== 'string') throw new InputError(`"${k}" must be a string`);
    return b[k] as string | undefined;
  };
  const num = (k: string) => {
    if (b[k] !== undefined && (typeof b[k] !== 'number' || !Number.isFinite(b[k]) || (b[k] as number) < 0)) throw new InputError(`"${k}" must be a number >= 0`);
    return b[k] as number | undefined;
  };
  const inSeconds = num('inSeconds') ?? 0;
  const duration = num('durationSeconds');
  return {
    kind: b.kind as SchedulableKind,
    at: now + inSeconds * 1000,
    durationMs: duration === undefined ? undefined : duration * 1000,
    namespace: str('namespace'),
    workload: str('workload'),
    pod: str('pod'),
    replica: num('replica'),
    replicas: num('replicas'),
    intensity: num('intensity'),
  };
}

/** Reads a `POST /incidents` request and injects its incident; resolves with the planned ground truth. */
export async function injectFromRequest(cluster: SimulatedCluster, clock: Clock, req: IncomingMessage): Promise<Incident> {
  const text = await readBody(req);
  cluster.advanceTo(clock.now());
  return cluster.inject(parseInjection(text, clock.now()));
}
