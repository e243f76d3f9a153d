/**
 * What kad's alerts say, and the feed that hands them to the policy's alert lifecycle: the label set
 * of a flagged pod's alert (its identity in Alertmanager), its annotations (what a person reads in
 * the notification: summary, description, score, top features, link) and Alertmanager's fingerprint
 * of a label set. When to send, re-send and resolve is decided by `policy/alert-lifecycle.ts`; the
 * {@link AlertFeed} writes each flagged pod's alert, lets the lifecycle decide, and returns the
 * payloads to deliver.
 */
import { podKey } from '../core/series.js';
import { AlertLifecycle, type AlertInstance, type AlertLifecycleSnapshot } from '../policy/alert-lifecycle.js';
import type { FeatureContribution } from '../core/snapshot.js';
import type { FlaggedPod } from './base.js';
import { toPayload, type AlertPayload } from './payload.js';

/** The alert name of every kad anomaly alert. */
export const ALERT_NAME = 'KadPodAnomaly';

/** Settings of an {@link AlertFeed}. */
export interface AlertFeedOptions {
  /** Re-send interval of a firing alert, ms. */
  resendMs: number;
  /** Value of the `severity` label. */
  severity: string;
  /** Labels added to every alert (KAD_ALERT_LABELS, e.g. `cluster`). */
  labels?: Readonly<Record<string, string>>;
  /** The URL users reach kad at (for `link` and generatorURL); unset: no links. */
  externalUrl?: string;
}

/** Turns the pods flagged in each cycle into the alert payloads due, through an {@link AlertLifecycle}. */
export class AlertFeed {
  private readonly lifecycle: AlertLifecycle;

  constructor(private readonly opts: AlertFeedOptions) {
    this.lifecycle = new AlertLifecycle({ resendMs: opts.resendMs });
  }

  /**
   * Advances to time `t` (epoch ms) with the pods flagged now and returns the state changes to send:
   * firing alerts that are new or due for a re-send, and resolved alerts of pods no longer flagged.
   */
  update(t: number, flagged: readonly FlaggedPod[]): AlertPayload[] {
    return this.lifecycle.update(t, flagged.map((p) => this.instance(p))).map(toPayload);
  }

  /** Number of alerts firing now. */
  firing(): number {
    return this.lifecycle.firing();
  }

  /** The state to persist, so that a restarted kad continues the same episodes. */
  toJSON(): AlertLifecycleSnapshot {
    return this.lifecycle.toJSON();
  }

  /** Restores the state saved by {@link toJSON}; throws a TypeError when `snap` is not one. */
  restore(snap: unknown): void {
    this.lifecycle.restore(snap);
  }

  private instance(p: FlaggedPod): AlertInstance {
    const link = detectLink(this.opts.externalUrl, p.namespace);
    return { key: alertKey(p), labels: alertLabels(p, this.opts.severity, this.opts.labels), annotations: alertAnnotations(p, link), generatorURL: link };
  }
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

/** The label set of a pod's alert: its identity in Alertmanager; `extra` are the labels of every alert (KAD_ALERT_LABELS, e.g. `cluster`). */
export function alertLabels(p: FlaggedPod, severity: string, extra?: Readonly<Record<string, string>>): Record<string, string> {
  return { ...extra, ...p.labels, alertname: p.alertname ?? ALERT_NAME, namespace: p.namespace, pod: p.pod, workload: p.workload, severity, source: 'kad' };
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
