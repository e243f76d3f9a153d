/**
 * Early warning of resource exhaustion for a fleet of pods: one {@link ExhaustionEstimator} per pod
 * and resource (memory against the memory limit, CPU against the CPU limit), fed the
 * {@link PodSample}s of each scoring cycle. The engine calls {@link ExhaustionMonitor.observe} once
 * per pod per cycle; `policy/early-warning.ts` decides from {@link PodExhaustion}'s scores whether a
 * warning fires, and `notify/` writes its alert.
 *
 * No timers, no globals: time comes in with each call and the state is JSON
 * ({@link ExhaustionMonitor.toJSON}). All estimators share one scratch buffer, so a pod costs two
 * ring buffers (4 KiB each at the default capacity) and `observe` allocates nothing for a known pod.
 */
import type { Config } from '../config/schema.js';
import { InputError, ModelFormatError } from '../core/errors.js';
import { podKey } from '../core/series.js';
import type { PodSample } from '../core/samples.js';
import {
  EXHAUSTION_DEFAULTS, ExhaustionEstimator, ExhaustionScratch, resolveExhaustionParams,
  type ExhaustionEstimate, type ExhaustionParams, type ExhaustionSnapshot,
} from './exhaustion.js';

/** The resources watched. */
export type ExhaustionResource = 'memory' | 'cpu';

/**
 * How memory differs from the estimator's defaults: a prior natural swing of 1% of the limit (a
 * working set is steady), and sitting at the limit without climbing is not exhaustion (a full page
 * cache is reclaimed, not OOM-killed). Where it counts as exhausted is a setting (`exhaustAt`, config
 * `earlyWarning.memoryAt`: the working set leaves out some page cache; the kernel's OOM killer acts
 * when usage reaches the limit).
 */
export const MEMORY_TRAITS: Readonly<ExhaustionParams> = Object.freeze({ priorNoise: 0.01, saturationIsExhaustion: false });
/**
 * How CPU differs: a prior natural swing of 5% (CPU follows traffic), and no restart-by-drop (CPU
 * falls with traffic). Where it counts as exhausted is a setting (config `earlyWarning.cpuAt`: the
 * CFS quota throttles bursts inside each 100 ms period before the 1-minute average reaches the limit).
 */
export const CPU_TRAITS: Readonly<ExhaustionParams> = Object.freeze({ priorNoise: 0.05, resetDrop: 0 });

/** One resource's settings: the horizon and the share of the limit that counts as exhausted, and any other of the estimator's. */
export type ResourceParams = ExhaustionParams & Required<Pick<ExhaustionParams, 'horizonSeconds' | 'exhaustAt'>>;

/** Settings per resource (build them from the config with {@link exhaustionMonitorParams}); unset estimator fields take {@link MEMORY_TRAITS} / {@link CPU_TRAITS}, then the estimator's defaults. */
export interface ExhaustionMonitorParams {
  memory: ResourceParams;
  cpu: ResourceParams;
}

/** The monitor's settings from the `earlyWarning` config section: its horizon, and the share of each limit that counts as exhausted. */
export function exhaustionMonitorParams(o: Readonly<Pick<Config['earlyWarning'], 'horizonMinutes' | 'memoryAt' | 'cpuAt'>>): ExhaustionMonitorParams {
  const horizonSeconds = o.horizonMinutes * 60;
  return { memory: { horizonSeconds, exhaustAt: o.memoryAt }, cpu: { horizonSeconds, exhaustAt: o.cpuAt } };
}

const RESOURCES: readonly ExhaustionResource[] = ['memory', 'cpu'];

/** What {@link ExhaustionMonitor.observe} returns for one pod. */
export interface PodExhaustion {
  /** `namespace/pod`. */
  key: string;
  memory: Readonly<ExhaustionEstimate>;
  cpu: Readonly<ExhaustionEstimate>;
  /** The more urgent resource (the higher score; memory on a tie). */
  resource: ExhaustionResource;
  /** Its score, in [0, 1): 0.5 when exhaustion is surely within the horizon. */
  score: number;
}

/** Persisted form of an {@link ExhaustionMonitor}. */
export interface ExhaustionMonitorSnapshot {
  kind: 'kad-exhaustion-monitor';
  formatVersion: 1;
  params: { memory: Required<ExhaustionParams>; cpu: Required<ExhaustionParams> };
  pods: Record<string, { memory: ExhaustionSnapshot; cpu: ExhaustionSnapshot }>;
}

interface PodState {
  memory: ExhaustionEstimator;
  cpu: ExhaustionEstimator;
}

/** Per-pod, per-resource time-to-exhaustion estimators; see the file comment. */
export class ExhaustionMonitor {
  /** The resolved settings per resource. */
  readonly params: Readonly<{ memory: Readonly<Required<ExhaustionParams>>; cpu: Readonly<Required<ExhaustionParams>> }>;
  private readonly pods = new Map<string, PodState>();
  private readonly scratch: ExhaustionScratch;
  private readonly out: PodExhaustion;

  /** Throws {@link InputError} naming a bad setting. */
  constructor(params: ExhaustionMonitorParams) {
    const unknown = Object.keys(params).filter((k) => k !== 'memory' && k !== 'cpu');
    if (unknown.length > 0) throw new InputError(`exhaustion monitor: unknown resource "${unknown[0]}"; known: memory, cpu`);
    for (const r of RESOURCES) {
      if (params[r]?.horizonSeconds === undefined || params[r]?.exhaustAt === undefined) {
        throw new InputError(`exhaustion monitor: ${r} needs its horizonSeconds and exhaustAt (see exhaustionMonitorParams)`);
      }
    }
    this.params = Object.freeze({
      memory: Object.freeze(resolveExhaustionParams({ ...MEMORY_TRAITS, ...params.memory })),
      cpu: Object.freeze(resolveExhaustionParams({ ...CPU_TRAITS, ...params.cpu })),
    });
    this.scratch = new ExhaustionScratch(Math.max(this.params.memory.capacity, this.params.cpu.capacity));
    const idle = new ExhaustionEstimator(EXHAUSTION_DEFAULTS, this.scratch).observe(NaN, NaN, NaN);
    this.out = { key: '', memory: idle, cpu: idle, resource: 'memory', score: 0 };
  }

  /** Pods tracked. */
  get size(): number {
    return this.pods.size;
  }

  /** Keys (`namespace/pod`) of the pods tracked. */
  keys(): IterableIterator<string> {
    return this.pods.keys();
  }

  /**
   * Feeds one pod's sample at epoch ms `t` (its memory and CPU, their limits, its restart count and
   * start time); returns the monitor's one {@link PodExhaustion}, overwritten by the next call.
   * `key` defaults to `namespace/pod` (pass the caller's to save building it).
   */
  observe(sample: PodSample, t: number, key = podKey(sample.ref)): Readonly<PodExhaustion> {
    let st = this.pods.get(key);
    if (st === undefined) {
      st = { memory: new ExhaustionEstimator(this.params.memory, this.scratch), cpu: new ExhaustionEstimator(this.params.cpu, this.scratch) };
      this.pods.set(key, st);
    }
    const started = sample.startedAt ?? NaN;
    const out = this.out;
    out.key = key;
    out.memory = st.memory.observe(t, sample.memory, sample.memoryLimit, sample.restarts, started);
    out.cpu = st.cpu.observe(t, sample.cpu, sample.cpuLimit, sample.restarts, started);
    const cpuFirst = out.cpu.score > out.memory.score;
    out.resource = cpuFirst ? 'cpu' : 'memory';
    out.score = cpuFirst ? out.cpu.score : out.memory.score;
    return out;
  }

  /** Forgets a pod (it went away). */
  forget(key: string): void {
    this.pods.delete(key);
  }

  /** Forgets every pod whose key is not in `live` (call after each cycle with the pods seen). */
  retain(live: ReadonlySet<string>): void {
    for (const key of this.pods.keys()) if (!live.has(key)) this.pods.delete(key);
  }

  /** The state as JSON (kind `kad-exhaustion-monitor`, formatVersion 1). */
  toJSON(): ExhaustionMonitorSnapshot {
    const pods: ExhaustionMonitorSnapshot['pods'] = {};
    for (const [key, st] of this.pods) pods[key] = { memory: st.memory.toJSON(), cpu: st.cpu.toJSON() };
    const copy = (p: Readonly<Required<ExhaustionParams>>) => ({ ...p, windowsSeconds: [...p.windowsSeconds] });
    return { kind: 'kad-exhaustion-monitor', formatVersion: 1, params: { memory: copy(this.params.memory), cpu: copy(this.params.cpu) }, pods };
  }

  /** Restores a monitor saved by {@link toJSON}; throws {@link ModelFormatError} naming the bad field. */
  static fromJSON(json: unknown): ExhaustionMonitor {
    const s = json as Partial<ExhaustionMonitorSnapshot> | null;
    if (typeof s !== 'object' || s === null) throw new ModelFormatError('exhaustion monitor snapshot must be an object');
    if (s.kind !== 'kad-exhaustion-monitor') throw new ModelFormatError(`exhaustion monitor snapshot: kind must be "kad-exhaustion-monitor", got ${JSON.stringify(s.kind)}`);
    if (s.formatVersion !== 1) throw new ModelFormatError(`exhaustion monitor snapshot: formatVersion ${JSON.stringify(s.formatVersion)} is not supported (expected 1)`);
    let m: ExhaustionMonitor;
    try {
      m = new ExhaustionMonitor(s.params as ExhaustionMonitorParams);
    } catch (err) {
      throw new ModelFormatError(`exhaustion monitor snapshot: field "params" is invalid: ${(err as Error).message}`);
    }
    if (typeof s.pods !== 'object' || s.pods === null) throw new ModelFormatError('exhaustion monitor snapshot: field "pods" must be an object');
    for (const [key, p] of Object.entries(s.pods)) {
      if (typeof p !== 'object' || p === null) throw new ModelFormatError(`exhaustion monitor snapshot: pod "${key}" must be an object`);
      m.pods.set(key, { memory: ExhaustionEstimator.fromJSON(p.memory, m.scratch), cpu: ExhaustionEstimator.fromJSON(p.cpu, m.scratch) });
    }
    return m;
  }
}
