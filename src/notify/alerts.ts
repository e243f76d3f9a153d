/**
 * The alert lifecycle: turns the pods flagged in each scoring cycle into alert state changes, the way
 * Prometheus's rule manager feeds Alertmanager. A pod newly flagged fires an alert (startsAt = the
 * first cycle it was flagged); while it stays flagged the alert is re-sent every `resendMs` with
 * endsAt = now + 4 × resendMs, so Alertmanager resolves it by itself if kad stops; once it is no
 * longer flagged one resolved message (endsAt = now) is sent and the pod is forgotten.
 *
 * The identity of an alert is its label set (what Alertmanager deduplicates on) and an episode is that
 * label set plus its startsAt: a re-send is the same episode, a pod flagged again after it was
 * resolved is a new one. This file does no I/O; the notifier persists {@link AlertLifecycle.toJSON}.
 */
import { podKey } from '../core/series.js';
import type { FeatureContribution, FlaggedPod } from './base.js';

/** The alert name of every kad alert. */
export const ALERT_NAME = 'KadPodAnomaly';

/** Alertmanager auto-resolves a firing alert this many resend intervals after its last send. */
export const ENDS_AT_RESENDS = 4;

/**
 * One alert state change, in the shape of Alertmanager's v2 API (`PostableAlert`) plus the status
 * its webhook payload carries. Times are ISO 8601 strings.
 */
export interface AlertPayload {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  /** Link back to kad (empty when no external URL is configured). */
  generatorURL: string;
}

/** Settings of an {@link AlertLifecycle}. */
export interface AlertLifecycleOptions {
  /** Re-send interval of a firing alert, ms. */
  resendMs: number;
  /** Value of the `severity` label. */
  severity: string;
  /** The URL users reach kad at (for `link` and generatorURL); unset: no links. */
  externalUrl?: string;
}

/** A firing alert as the lifecycle remembers it (also its persisted form). */
export interface ActiveAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  generatorURL: string;
  /** Epoch ms of the first cycle this episode was flagged. */
  startsAt: number;
  /** Epoch ms of the last time a firing state was emitted. */
  lastSentAt: number;
  /** The endsAt of that last emission: after it Alertmanager considers the alert resolved. */
  endsAt: number;
}

/** Persisted form of an {@link AlertLifecycle}. */
export interface AlertLifecycleSnapshot {
  kind: 'kad-alert-lifecycle';
  formatVersion: 1;
  active: Record<string, ActiveAlert>;
}

/** Tracks which pods have a firing alert and emits the state changes due at each cycle. */
export class AlertLifecycle {
  private active = new Map<string, ActiveAlert>();

  constructor(private readonly opts: AlertLifecycleOptions) {
    if (!(opts.resendMs > 0)) throw new RangeError(`resendMs must be above 0, got ${opts.resendMs}`);
  }

  /**
   * Advances to time `t` (epoch ms) with the pods flagged now and returns the state changes to send:
   * firing alerts that are new or due for a re-send, and resolved alerts of pods no longer flagged.
   */
  update(t: number, flagged: readonly FlaggedPod[]): AlertPayload[] {
    const out: AlertPayload[] = [];
    const now = new Map<string, FlaggedPod>();
    for (const p of flagged) now.set(alertKey(p), p);
    for (const [key, a] of this.active) {
      if (now.has(key)) continue;
      this.active.delete(key);
      // Past its endsAt Alertmanager has already resolved it; a late resolved message adds nothing.
      if (t < a.endsAt) out.push(resolvedPayload(a, Math.max(t, a.startsAt)));
    }
    const endsAt = t + ENDS_AT_RESENDS * this.opts.resendMs;
    for (const [key, p] of now) {
      const labels = alertLabels(p, this.opts.severity);
      const link = detectLink(this.opts.externalUrl, p.namespace);
      const annotations = alertAnnotations(p, link);
      let a = this.active.get(key);
      // Expired (kad was stopped longer than 4 resend intervals) or relabelled: a new episode.
      if (a && (t >= a.endsAt || labelsKey(a.labels) !== labelsKey(labels))) {
        if (t < a.endsAt) out.push(resolvedPayload(a, Math.max(t, a.startsAt)));
        a = undefined;
      }
      if (!a) {
        a = { labels, annotations, generatorURL: link, startsAt: t, lastSentAt: t, endsAt };
        this.active.set(key, a);
        out.push(firingPayload(a));
        continue;
      }
      a.annotations = annotations;
      a.generatorURL = link;
      if (t - a.lastSentAt >= this.opts.resendMs) {
        a.lastSentAt = t;
        a.endsAt = endsAt;
        out.push(firingPayload(a));
      }
    }
    return out;
  }

  /** Number of alerts firing now. */
  firing(): number {
    return this.active.size;
  }

  /** The firing alerts, by `namespace/pod`. */
  activeAlerts(): ReadonlyMap<string, Readonly<ActiveAlert>> {
    return this.active;
  }

  /** The state to persist, so that a restarted kad continues the same episodes. */
  toJSON(): AlertLifecycleSnapshot {
    return { kind: 'kad-alert-lifecycle', formatVersion: 1, active: Object.fromEntries(this.active) };
  }

  /** Restores the state saved by {@link toJSON}; throws a TypeError when `snap` is not one. */
  restore(snap: unknown): void {
    const s = snap as Partial<AlertLifecycleSnapshot> | null;
    if (!s || s.kind !== 'kad-alert-lifecycle' || s.formatVersion !== 1 || typeof s.active !== 'object' || !s.active) {
      throw new TypeError('not a kad-alert-lifecycle snapshot with formatVersion 1');
    }
    const active = new Map<string, ActiveAlert>();
    for (const [key, a] of Object.entries(s.active)) {
      if (!isActiveAlert(a)) throw new TypeError(`alert ${JSON.stringify(key)} is malformed`);
      active.set(key, { ...a });
    }
    this.active = active;
  }
}

function isActiveAlert(a: unknown): a is ActiveAlert {
  const x = a as ActiveAlert;
  return !!x && typeof x === 'object' && isStringRecord(x.labels) && isStringRecord(x.annotations) &&
    typeof x.generatorURL === 'string' && Number.isFinite(x.startsAt) && Number.isFinite(x.lastSentAt) &&
    Number.isFinite(x.endsAt);
}

/** True when `r` is a plain object of string values. */
export function isStringRecord(r: unknown): r is Record<string, string> {
  return !!r && typeof r === 'object' && !Array.isArray(r) && Object.values(r).every((v) => typeof v === 'string');
}

function firingPayload(a: ActiveAlert): AlertPayload {
  return {
    status: 'firing', labels: { ...a.labels }, annotations: { ...a.annotations },
    startsAt: iso(a.startsAt), endsAt: iso(a.endsAt), generatorURL: a.generatorURL,
  };
}

function resolvedPayload(a: ActiveAlert, t: number): AlertPayload {
  return {
    status: 'resolved', labels: { ...a.labels }, annotations: { ...a.annotations },
    startsAt: iso(a.startsAt), endsAt: iso(t), generatorURL: a.generatorURL,
  };
}

function iso(t: number): string {
  return new Date(t).toISOString();
}

/**
 * The key of a pod's alert in the lifecycle: `namespace/pod` for an anomaly (the key persisted state
 * has always used), `alertname/namespace/pod[/label=value…]` for any other alert of the pod.
 */
export function alertKey(p: FlaggedPod): string {
  if (!p.alertname || p.alertname === ALERT_NAME) return podKey(p);
  const extra = Object.keys(p.labels ?? {}).sort().map((k) => `/${k}=${p.labels![k]}`).join('');
  return `${p.alertname}/${podKey(p)}${extra}`;
}

/** The label set of a pod's alert: its identity in Alertmanager. */
export function alertLabels(p: FlaggedPod, severity: string): Record<string, string> {
  return { ...p.labels, alertname: p.alertname ?? ALERT_NAME, namespace: p.namespace, pod: p.pod, workload: p.workload, severity, source: 'kad' };
}

/** `${externalUrl}/detect?namespace=NS`, or '' without an external URL. */
export function detectLink(externalUrl: string | undefined, namespace: string): string {
  if (!externalUrl) return '';
  return `${externalUrl.replace(/\/+$/, '')}/detect?namespace=${encodeURIComponent(namespace)}`;
}

/** The annotations of a pod's alert: what a person reads in the notification. */
export function alertAnnotations(p: FlaggedPod, link: string): Record<string, string> {
  if (p.alertname && p.alertname !== ALERT_NAME) return { ...p.annotations, model_version: p.modelVersion, ...(link ? { link } : {}) };
  const top = p.topFeatures.slice(0, 3);
  const first = top[0];
  const where = `Pod ${p.namespace}/${p.pod} (workload ${p.workload}${p.node ? `, node ${p.node}` : ''})`;
  const a: Record<string, string> = {
    summary: `${where} is anomalous: score ${sig(p.score, 6)} is above the threshold ${num(p.threshold, 6)}` +
      (first ? `; most unusual: ${first.name}=${num(first.value)}, expected ${range(first)}` : ''),
    description: `kad scored ${where} ${sig(p.score, 6)} with model ${p.modelVersion} (flagged at ${num(p.threshold, 6)}).` +
      (top.length ? ` Features furthest from normal: ${top.map(featureText).join('; ')}.` : '') +
      (link ? ` Details: ${link}` : ''),
    score: sig(p.score, 6),
    threshold: num(p.threshold, 6),
    model_version: p.modelVersion,
  };
  if (top.length) {
    a.top_features = top.map(featureText).join('; ');
    a.expected_range = range(first);
  }
  if (link) a.link = link;
  return { ...p.annotations, ...a };
}

/** `cpu_above_peers=1.38 (z=13.8, expected -0.2..0.3)`. */
export function featureText(f: FeatureContribution): string {
  return `${f.name}=${num(f.value)} (z=${num(f.z)}, expected ${range(f)})`;
}

function range(f: FeatureContribution): string {
  return `${num(f.expected[0])}..${num(f.expected[1])}`;
}

/** `x` with `digits` significant digits, as `toPrecision` writes it ("0.973412", "1.00000"). */
export function sig(x: number, digits: number): string {
  return Number.isFinite(x) ? x.toPrecision(digits) : String(x);
}

/** A short number for people: `digits` (default 3) significant digits, trailing zeros dropped ("1.38", "-0.2", "1500"). */
export function num(x: number, digits = 3): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(digits))) : String(x);
}

function labelsKey(labels: Record<string, string>): string {
  return JSON.stringify(Object.keys(labels).sort().map((k) => [k, labels[k]]));
}

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK64 = 0xffffffffffffffffn;

/**
 * Alertmanager's fingerprint of a label set (Prometheus `LabelSet.Fingerprint`: FNV-1a 64 over the
 * sorted names and values, each followed by 0xff), as 16 hex digits. Labels with empty values are
 * left out, as Alertmanager drops them.
 */
export function fingerprint(labels: Record<string, string>): string {
  let h = FNV_OFFSET;
  const mix = (s: string) => {
    for (const b of Buffer.from(s, 'utf8')) h = ((h ^ BigInt(b)) * FNV_PRIME) & MASK64;
    h = ((h ^ 0xffn) * FNV_PRIME) & MASK64;
  };
  for (const name of Object.keys(labels).filter((k) => labels[k] !== '').sort()) {
    mix(name);
    mix(labels[name]);
  }
  return h.toString(16).padStart(16, '0');
}
