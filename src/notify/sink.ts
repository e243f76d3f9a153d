/**
 * A sink: somewhere alerts are delivered to (Alertmanager, a webhook). One interface, one file per
 * kind; the notifier keeps an outbox per sink and retries what a sink could not take.
 */
import { KadError } from '../core/errors.js';
import { HttpSendError, httpSend, type HttpAnswer, type HttpEndpoint } from '../core/http-endpoint.js';
import { redact } from '../core/http-headers.js';
import type { AlertPayload } from './payload.js';

/** A destination for alert state changes. */
export interface Sink {
  /** Stable name: the `sink` label of `anomaly_detector_notify_up` and the outbox file's suffix. */
  readonly name: string;
  /** Where it delivers to (for messages). */
  readonly url: string;
  /**
   * Sinks of one group are replicas of one receiver (the Alertmanagers of an HA cluster, each sent
   * every alert): the group is down for readiness only when every one of them is.
   */
  readonly group?: string;
  /** Ends its kept-alive connections (the notifier's close). */
  close?(): void;
  /** Delivers one batch; throws a {@link DeliveryError} naming the URL and the reason when it fails. */
  send(alerts: AlertPayload[]): Promise<void>;
}

/** Minimal logger (fastify's pino logger fits; same shape as the engine's). */
export type { Logger as NotifyLogger } from '../core/logger.js';

/**
 * A delivery failed. `permanent` failures (the receiver rejected the batch: HTTP 4xx other than 408
 * and 429) are not retried; the others (5xx, timeouts, network errors) are.
 */
export class DeliveryError extends KadError {
  constructor(
    message: string,
    readonly permanent: boolean,
    readonly httpStatus: number | null = null,
    options?: { cause?: unknown },
  ) {
    super('KAD_ERR_NOTIFY', message, 502, 1, options);
  }
}

/**
 * POSTs `body` as JSON to `path` under `endpoint` (its credentials, TLS and headers) within
 * `timeoutMs`; resolves on a 2xx answer, otherwise throws a {@link DeliveryError} whose message starts
 * with `what` and the URL (never its credentials) and says why.
 */
export async function postJson(endpoint: HttpEndpoint, path: string, body: unknown, timeoutMs: number, what: string): Promise<void> {
  const res = await exchange(endpoint, path, 'POST', JSON.stringify(body), timeoutMs, what);
  if (res.status >= 200 && res.status < 300) return;
  const permanent = res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429;
  throw new DeliveryError(`${answerError(endpoint, path, res, what, 300)}${permanent ? ' (rejected; this batch is dropped)' : ''}`, permanent, res.status);
}

/**
 * GETs `path` under `endpoint` within `timeoutMs` and resolves to its JSON body on a 2xx answer;
 * otherwise throws a {@link DeliveryError} (not permanent) whose message starts with `what` and the
 * URL and says why.
 */
export async function getJson(endpoint: HttpEndpoint, path: string, timeoutMs: number, what: string): Promise<unknown> {
  const res = await exchange(endpoint, path, 'GET', undefined, timeoutMs, what);
  if (res.status < 200 || res.status >= 300) throw new DeliveryError(answerError(endpoint, path, res, what, 200), false, res.status);
  try {
    return JSON.parse(res.body.toString('utf8'));
  } catch (e) {
    throw new DeliveryError(`${what} ${endpoint.shown(path)}: the answer is not JSON (${(e as Error).message})`, false, res.status, { cause: e });
  }
}

/**
 * {@link getJson} from the first of `endpoints` that answers: the replicas of an HA Alertmanager hold
 * the same silences (they gossip them) and the same alerts (kad sends every alert to each). With
 * none answering, the error names each one's failure.
 */
export async function getJsonFromAny(endpoints: readonly HttpEndpoint[], path: string, timeoutMs: number, what: string): Promise<unknown> {
  const errors: string[] = [];
  for (const e of endpoints) {
    try {
      return await getJson(e, path, timeoutMs, what);
    } catch (err) {
      if (endpoints.length === 1) throw err;
      errors.push((err as Error).message);
    }
  }
  throw new DeliveryError(errors.join('; '), false, null);
}

/** One request; a network failure, a timeout or an unreadable secret file is a {@link DeliveryError} (retried). */
async function exchange(endpoint: HttpEndpoint, path: string, method: 'GET' | 'POST', body: string | undefined, timeoutMs: number, what: string): Promise<HttpAnswer> {
  const url = endpoint.resolve(path);
  const shown = endpoint.shown(path);
  try {
    const headers = {
      ...(await endpoint.headers()),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      accept: 'application/json',
      'user-agent': 'kad',
    };
    return await httpSend(endpoint, url, { method, headers, body, timeoutMs });
  } catch (e) {
    const reason = e instanceof HttpSendError ? sendReason(e, endpoint) : (e as Error).message;
    throw new DeliveryError(`${what} ${shown}: ${reason}`, false, null, { cause: e });
  }
}

/** The message of a non-2xx answer: status, the start of its body, and what to check after a 401 or 403. */
function answerError(endpoint: HttpEndpoint, path: string, res: HttpAnswer, what: string, chars: number): string {
  const text = res.body.toString('utf8').trim().replace(/\s+/g, ' ').slice(0, chars);
  const location = res.headers.location;
  const hint = res.status === 401 || res.status === 403
    ? `; check ${endpoint.authSettings}`
    : res.status >= 300 && res.status < 400 && location
      ? `; it redirects to ${redact(new URL(location, endpoint.resolve(path)).origin)}/…, another server, where kad does not follow with its credentials: set the URL to where it redirects`
      : '';
  return `${what} ${endpoint.shown(path)}: HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}${text ? `: ${text}` : ''}${hint}`;
}

/** Why a request failed, in words: "connection refused (ECONNREFUSED)", "no answer within 5 s", a TLS failure and what to set. */
function sendReason(e: HttpSendError, endpoint: HttpEndpoint): string {
  if (e.kind === 'timeout') return e.message;
  if (e.kind === 'cut-off') return `the answer was cut off (${e.message})`;
  if (e.tls) return `TLS handshake failed (${e.code || e.message}); ${endpoint.tlsAdvice(e)}`;
  const words: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ECONNRESET: 'connection reset',
    ENOTFOUND: 'host not found',
    EAI_AGAIN: 'host name lookup failed',
    EHOSTUNREACH: 'host unreachable',
    ETIMEDOUT: 'connection timed out',
  };
  return e.code ? `${words[e.code] ?? e.message} (${e.code})` : e.message;
}

/**
 * Runs `poll` now and then every `intervalMs` (an unref'd timer: it does not keep the process up); a
 * poll that throws is passed to `onError`. `stop` ends the polling and waits for a poll in flight.
 */
export function pollEvery(intervalMs: number, poll: () => Promise<unknown>, onError: (e: unknown) => void): { stop(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  const tick = () => {
    running = poll().catch(onError);
  };
  tick();
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
