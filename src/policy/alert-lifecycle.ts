/**
 * The alert lifecycle: turns the alerts firing in each scoring cycle into alert state changes, the way
 * Prometheus's rule manager feeds Alertmanager. An alert newly firing is sent (startsAt = the first
 * cycle it fired); while it keeps firing it is re-sent every `resendMs` with endsAt = now + 4 ×
 * resendMs, so Alertmanager resolves it by itself if kad stops; once it no longer fires one resolved
 * change (endsAt = now) is sent and the alert is forgotten.
 *
 * The identity of an alert is its label set (what Alertmanager deduplicates on) and an episode is that
 * label set plus its startsAt: a re-send is the same episode, an alert firing again after it was
 * resolved is a new one. What an alert says (labels, annotations, link) is written by `notify/`; this
 * file only decides when to send it. It does no I/O; the notifier persists {@link AlertLifecycle.toJSON}.
 */
import { isStringRecord } from '../core/guards.js';

/** Alertmanager auto-resolves a firing alert this many resend intervals after its last send. */
export const ENDS_AT_RESENDS = 4;

/** One alert firing in a cycle, as written for people (see `notify/alerts.ts`). */
export interface AlertInstance {
  /** Stable key of the alert in the lifecycle (and in its persisted state). */
  key: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Link back to kad ('' without one). */
  generatorURL: string;
}

/** One alert state change to deliver. Times are epoch ms. */
export interface AlertChange {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  generatorURL: string;
  startsAt: number;
  endsAt: number;
}

/** Settings of an {@link AlertLifecycle}. */
export interface AlertLifecycleOptions {
  /** Re-send interval of a firing alert, ms. */
  resendMs: number;
}

/** A firing alert as the lifecycle remembers it (also its persisted form). */
export interface ActiveAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  generatorURL: string;
  /** Epoch ms of the first cycle this episode fired. */
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

/** Tracks which alerts fire and emits the state changes due at each cycle. */
export class AlertLifecycle {
  private active = new Map<string, ActiveAlert>();

  constructor(private readonly opts: AlertLifecycleOptions) {
    if (!(opts.resendMs > 0)) throw new RangeError(`resendMs must be above 0, got ${opts.resendMs}`);
  }

  /**
   * Advances to time `t` (epoch ms) with the alerts firing now and returns the state changes to send:
   * firing alerts that are new or due for a re-send, and resolved alerts no longer firing.
   */
  update(t: number, firing: readonly AlertInstance[]): AlertChange[] {
    const out: AlertChange[] = [];
    const now = new Map<string, AlertInstance>();
    for (const p of firing) now.set(p.key, p);
    for (const [key, a] of this.active) {
      if (now.has(key)) continue;
      this.active.delete(key);
      // Past its endsAt Alertmanager has already resolved it; a late resolved message adds nothing.
      if (t < a.endsAt) out.push(resolvedChange(a, Math.max(t, a.startsAt)));
    }
    const endsAt = t + ENDS_AT_RESENDS * this.opts.resendMs;
    for (const [key, p] of now) {
      let a = this.active.get(key);
      // Expired (kad was stopped longer than 4 resend intervals) or relabelled: a new episode.
      if (a && (t >= a.endsAt || labelsKey(a.labels) !== labelsKey(p.labels))) {
        if (t < a.endsAt) out.push(resolvedChange(a, Math.max(t, a.startsAt)));
        a = undefined;
      }
      if (!a) {
        a = { labels: p.labels, annotations: p.annotations, generatorURL: p.generatorURL, startsAt: t, lastSentAt: t, endsAt };
        this.active.set(key, a);
        out.push(firingChange(a));
        continue;
      }
      a.annotations = p.annotations;
      a.generatorURL = p.generatorURL;
      if (t - a.lastSentAt >= this.opts.resendMs) {
        a.lastSentAt = t;
        a.endsAt = endsAt;
        out.push(firingChange(a));
      }
    }
    return out;
  }

  /** Number of alerts firing now. */
  firing(): number {
    return this.active.size;
  }

  /** The firing alerts, by key. */
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

function firingChange(a: ActiveAlert): AlertChange {
  return { status: 'firing', labels: { ...a.labels }, annotations: { ...a.annotations }, generatorURL: a.generatorURL, startsAt: a.startsAt, endsAt: a.endsAt };
}

function resolvedChange(a: ActiveAlert, t: number): AlertChange {
  return { status: 'resolved', labels: { ...a.labels }, annotations: { ...a.annotations }, generatorURL: a.generatorURL, startsAt: a.startsAt, endsAt: t };
}

function labelsKey(labels: Record<string, string>): string {
  return JSON.stringify(Object.keys(labels).sort().map((k) => [k, labels[k]]));
}
