/**
 * A sink: somewhere alerts are delivered to (Alertmanager, a webhook). One interface, one file per
 * kind; the notifier keeps an outbox per sink and retries what a sink could not take.
 */
import { KadError } from '../core/errors.js';
import type { AlertPayload } from './payload.js';

/** A destination for alert state changes. */
export interface Sink {
  /** Stable name: the `sink` label of `anomaly_detector_notify_up` and the outbox file's suffix. */
  readonly name: string;
  /** Where it delivers to (for messages). */
  readonly url: string;
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
 * POSTs `body` as JSON to `url` within `timeoutMs`; resolves on a 2xx answer, otherwise throws a
 * {@link DeliveryError} whose message starts with `what` and the URL and says why.
 */
export async function postJson(url: string, body: unknown, timeoutMs: number, what: string): Promise<void> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'kad' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    throw new DeliveryError(`${what} ${url}: ${networkReason(e, timeoutMs)}`, false, null, { cause: e });
  }
  if (res.ok) {
    await res.body?.cancel();
    return;
  }
  const text = (await res.text().catch(() => '')).trim().replace(/\s+/g, ' ').slice(0, 300);
  const permanent = res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429;
  throw new DeliveryError(
    `${what} ${url}: HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}${text ? `: ${text}` : ''}` +
      (permanent ? ' (rejected; this batch is dropped)' : ''),
    permanent,
    res.status,
  );
}

/**
 * GETs `url` within `timeoutMs` and resolves to its JSON body on a 2xx answer; otherwise throws a
 * {@link DeliveryError} (not permanent) whose message starts with `what` and the URL and says why.
 */
export async function getJson(url: string, timeoutMs: number, what: string): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, { headers: { accept: 'application/json', 'user-agent': 'kad' }, signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    throw new DeliveryError(`${what} ${url}: ${networkReason(e, timeoutMs)}`, false, null, { cause: e });
  }
  if (!res.ok) {
    const text = (await res.text().catch(() => '')).trim().slice(0, 200);
    throw new DeliveryError(`${what} ${url}: HTTP ${res.status}${text ? `: ${text}` : ''}`, false, res.status);
  }
  try {
    return await res.json();
  } catch (e) {
    throw new DeliveryError(`${what} ${url}: the answer is not JSON (${(e as Error).message})`, false, res.status, { cause: e });
  }
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

/** Why a fetch threw, in words: "connection refused (ECONNREFUSED)", "no answer within 5 s". */
export function networkReason(e: unknown, timeoutMs: number): string {
  const err = e as Error & { cause?: { code?: string; message?: string } };
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError') return `no answer within ${timeoutMs / 1000} s`;
  const code = err?.cause?.code;
  const words: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ECONNRESET: 'connection reset',
    ENOTFOUND: 'host not found',
    EAI_AGAIN: 'host name lookup failed',
    EHOSTUNREACH: 'host unreachable',
    ETIMEDOUT: 'connection timed out',
  };
  if (code) return `${words[code] ?? err.cause?.message ?? 'network error'} (${code})`;
  return err?.cause?.message ?? err?.message ?? String(e);
}
