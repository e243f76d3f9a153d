/**
 * Topology inhibition: Alertmanager's inhibit rules laid along the service call graph. An alert on a
 * service is held back while a service it calls, directly or further down, is firing. A callee's
 * trouble shows in its callers (the frontend's error rate rises when checkoutservice throws, its
 * latency when currencyservice is starved of CPU), and the page should name the callee, not every
 * service above it. A held alert is sent as soon as it is still firing in a tick where nothing
 * downstream fires, as Alertmanager sends an inhibited alert once the inhibiting one resolves.
 *
 * Time is bucketed into ticks of `stepMs` (default 60 s): series scraped in the same tick are one
 * moment, whatever their seconds. With `lookbackSteps` = L (default 0) a downstream alert that fired
 * in any of the last L ticks still inhibits. Causal: the decision at a tick uses firing states up to
 * that tick only, so in a live loop every series of a tick is recorded before any is decided.
 */
import { InputError } from '../core/errors.js';

/** A call graph: each service and the services it calls. */
export type CallGraph = ReadonlyMap<string, ReadonlySet<string>>;

/** Settings of {@link TopologyInhibitor} and {@link inhibitAlertStarts}. */
export interface InhibitionOptions {
  /** Tick length in ms (default 60 000). */
  stepMs?: number;
  /** Ticks back that a downstream firing still inhibits (default 0: the same tick only). */
  lookbackSteps?: number;
}

/** Builds a call graph from `[caller, callee]` pairs (self-calls ignored). */
export function callGraph(edges: Iterable<readonly [string, string]>): CallGraph {
  const g = new Map<string, Set<string>>();
  for (const [from, to] of edges) {
    if (from === to) continue;
    if (!g.has(from)) g.set(from, new Set());
    g.get(from)?.add(to);
  }
  return g;
}

/** Every service each service reaches through its calls (itself excluded, cycles allowed). */
export function downstreamOf(graph: CallGraph): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const s of graph.keys()) {
    const seen = new Set<string>();
    const stack = [...(graph.get(s) ?? [])];
    while (stack.length > 0) {
      const x = stack.pop() as string;
      if (seen.has(x)) continue;
      seen.add(x);
      stack.push(...(graph.get(x) ?? []));
    }
    seen.delete(s);
    out.set(s, seen);
  }
  return out;
}

function resolve(opts: InhibitionOptions): { step: number; lookback: number } {
  const step = opts.stepMs ?? 60_000;
  const lookback = opts.lookbackSteps ?? 0;
  if (!(Number.isFinite(step) && step > 0)) throw new InputError(`topology inhibition: stepMs must be a finite number > 0, got ${step}`);
  if (!(Number.isInteger(lookback) && lookback >= 0)) throw new InputError(`topology inhibition: lookbackSteps must be an integer >= 0, got ${lookback}`);
  return { step, lookback };
}

/**
 * Streaming inhibition for a live loop: {@link TopologyInhibitor.record} every series' firing state of
 * a tick, then ask {@link TopologyInhibitor.inhibited} for the alerts that would start.
 */
export class TopologyInhibitor {
  private readonly down: Map<string, Set<string>>;
  private readonly step: number;
  private readonly lookback: number;
  /** Per service: the last tick it was firing in. */
  private readonly lastFiring = new Map<string, number>();

  /** Inhibition over `graph`; throws {@link InputError} for a bad setting. */
  constructor(graph: CallGraph, opts: InhibitionOptions = {}) {
    this.down = downstreamOf(graph);
    ({ step: this.step, lookback: this.lookback } = resolve(opts));
  }

  /** Records that a series of `service` is (or is not) firing at time `t` (epoch ms). */
  record(service: string, t: number, firing: boolean): void {
    if (!firing) return;
    const tick = Math.floor(t / this.step);
    if (tick > (this.lastFiring.get(service) ?? -Infinity)) this.lastFiring.set(service, tick);
  }

  /** Whether an alert of `service` at time `t` is held back by a firing downstream service. */
  inhibited(service: string, t: number): boolean {
    return this.inhibitors(service, t, 1).length > 0;
  }

  /** The downstream services whose firing holds back an alert of `service` at time `t` (at most `limit`). */
  inhibitors(service: string, t: number, limit = Infinity): string[] {
    const tick = Math.floor(t / this.step);
    const out: string[] = [];
    for (const d of this.down.get(service) ?? []) {
      const last = this.lastFiring.get(d);
      if (last !== undefined && last >= tick - this.lookback && last <= tick) {
        out.push(d);
        if (out.length >= limit) break;
      }
    }
    return out;
  }
}

/** One series for {@link inhibitAlertStarts}: its service, row times and firing state per row. */
export interface InhibitionSeries {
  service: string;
  times: ArrayLike<number>;
  /** 1 where the series' alert is firing (its policy's state). */
  firing: ArrayLike<number>;
}

/**
 * For a batch of series (all of one cluster and time span), where each alert is sent: per series, 1 at
 * the first row of each firing run whose tick has no inhibiting downstream firing (a run that is
 * inhibited throughout is never sent).
 */
export function inhibitAlertStarts(series: readonly InhibitionSeries[], graph: CallGraph, opts: InhibitionOptions = {}): Uint8Array[] {
  const { step, lookback } = resolve(opts);
  const down = downstreamOf(graph);
  const firingTicks = new Map<string, Set<number>>();
  for (const s of series) {
    let set = firingTicks.get(s.service);
    if (!set) firingTicks.set(s.service, (set = new Set()));
    for (let i = 0; i < s.times.length; i++) if (s.firing[i]) set.add(Math.floor(s.times[i] / step));
  }
  const held = (service: string, tick: number): boolean => {
    for (const d of down.get(service) ?? []) {
      const set = firingTicks.get(d);
      if (!set) continue;
      for (let k = tick - lookback; k <= tick; k++) if (set.has(k)) return true;
    }
    return false;
  };
  return series.map((s) => {
    const out = new Uint8Array(s.times.length);
    let sent = false;
    for (let i = 0; i < s.times.length; i++) {
      if (!s.firing[i]) {
        sent = false;
        continue;
      }
      if (!sent && !held(s.service, Math.floor(s.times[i] / step))) {
        out[i] = 1;
        sent = true;
      }
    }
    return out;
  });
}
