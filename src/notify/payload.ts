/**
 * The alert payload: one alert state change as every sink and the outbox carry it, in the shape of
 * Alertmanager's v2 API (`PostableAlert`) plus the status its webhook payload carries. The
 * Alertmanager body and the webhook's alerts are views of it; this is the one place its fields are
 * named and checked.
 */
import { isStringRecord } from '../core/guards.js';
import type { AlertChange } from '../policy/alert-lifecycle.js';

/**
 * One alert state change: the lifecycle's {@link AlertChange} with its times as ISO 8601 strings.
 * `generatorURL` links back to kad (empty when no external URL is configured).
 */
export type AlertPayload = Omit<AlertChange, 'startsAt' | 'endsAt'> & { startsAt: string; endsAt: string };

/** One alert as Alertmanager's `POST /api/v2/alerts` takes it: no status (derived from endsAt), no empty link. */
export type PostableAlert = Omit<AlertPayload, 'status' | 'generatorURL'> & { generatorURL?: string };

/** One alert in a webhook payload: the payload with Alertmanager's fingerprint of its labels. */
export type WebhookAlert = AlertPayload & { fingerprint: string };

/** The payload of a lifecycle's state change. */
export function toPayload(c: AlertChange): AlertPayload {
  return { status: c.status, labels: c.labels, annotations: c.annotations, startsAt: iso(c.startsAt), endsAt: iso(c.endsAt), generatorURL: c.generatorURL };
}

/** The v2 body of one alert (no status: Alertmanager derives it from endsAt). */
export function toPostable(a: AlertPayload): PostableAlert {
  const p: PostableAlert = { labels: a.labels, annotations: a.annotations, startsAt: a.startsAt, endsAt: a.endsAt };
  if (a.generatorURL) p.generatorURL = a.generatorURL;
  return p;
}

/** True when `a` has every field of an {@link AlertPayload} with the right type (e.g. read back from a file). */
export function isAlertPayload(a: unknown): a is AlertPayload {
  const x = a as AlertPayload;
  return !!x && (x.status === 'firing' || x.status === 'resolved') && isStringRecord(x.labels) && isStringRecord(x.annotations) &&
    typeof x.startsAt === 'string' && typeof x.endsAt === 'string' && typeof x.generatorURL === 'string';
}

function iso(t: number): string {
  return new Date(t).toISOString();
}
