/**
 * The soak run shared by `bench/soak.bench.ts` (a simulated week) and `test/soak.test.ts` (a
 * simulated hour or two): `kad serve` in this process on the embedded simulated cluster with its
 * clock sped up (KAD_SIM_SPEED), every other setting at its default (forecasts, early warning,
 * retraining every simulated hour), under a steady, bounded load on loopback: one request at a time,
 * `/detect` and `/metrics` in turn, a few a second. Counts every answer that is not a 200 (or a
 * `/detect` body that does not parse) as an error; measures the event loop's delay
 * (`perf_hooks.monitorEventLoopDelay` at 10 ms, less those 10 ms: how late a timer fired) from the
 * first ready answer to the end, and the resident set
 * (and, when the process runs with `--expose-gc`, the heap after a full GC) at the end of every
 * simulated day.
 */
import { rmSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { loadConfig } from '../src/config/load.js';
import { startService } from '../src/main.js';
import { tempDir } from './integration.js';

const DAY = 86_400_000;

/** Options of {@link runSoak}. */
export interface SoakOptions {
  /** Simulated days to run (fractions allowed). */
  days: number;
  /** KAD_SIM_SPEED: simulated seconds per real second. */
  speed: number;
  /** Requests per real second (alternating /detect and /metrics). Default 4. */
  requestsPerSecond?: number;
  /** Extra environment settings for the service. */
  env?: Record<string, string>;
  /** Called after each simulated day (and at the end) with the figures so far. */
  onDay?: (day: SoakDay) => void;
}

/** The figures at the end of one simulated day. */
export interface SoakDay {
  /** Simulated days since the load started. */
  day: number;
  realSeconds: number;
  rssMb: number;
  /** Heap used after a full GC (NaN without `--expose-gc`). */
  heapMb: number;
  requests: number;
  errors: number;
  /** Scoring cycles run so far. */
  cycles: number;
}

/** What a soak run measured. */
export interface SoakReport {
  days: number;
  speed: number;
  realSeconds: number;
  /** Seconds from start to the first 200 on /readyz. */
  readySeconds: number;
  requests: number;
  errors: number;
  /** The first few errors, for the message. */
  errorSamples: string[];
  lagP50Ms: number;
  lagP99Ms: number;
  lagMaxMs: number;
  /** Scoring cycles run, and how many one-minute steps the simulated span has. */
  cycles: number;
  expectedCycles: number;
  /** One entry per simulated day (the last one at the end, possibly a part of a day). */
  perDay: SoakDay[];
  /** Least-squares slope of the resident set over the simulated days after the first, MB per day (NaN with fewer than 3 points). */
  rssGrowthMbPerDay: number;
  /** The same for the heap after a full GC (NaN without `--expose-gc` or with fewer than 3 points). */
  heapGrowthMbPerDay: number;
}

const MB = 1024 * 1024;
/** Sampling interval of the event-loop monitor, ms; its histogram holds the interval plus the delay, so the figures subtract it. */
const LAG_RESOLUTION_MS = 10;
const lagMs = (ns: number) => Math.max(0, ns / 1e6 - LAG_RESOLUTION_MS);
const gc = (globalThis as { gc?: () => void }).gc;

/** Least-squares slope of y over x. */
function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  if (n < 2) return NaN;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0, den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den === 0 ? NaN : num / den;
}

/** Runs the service on the simulated cluster for `opts.days` simulated days under load; see the module comment. */
export async function runSoak(opts: SoakOptions): Promise<SoakReport> {
  const started = Date.now();
  const stateDir = tempDir('soak');
  const config = loadConfig({
    env: { KAD_SIM_SPEED: String(opts.speed), PORT: '0', KAD_HOST: '127.0.0.1', KAD_LOG_LEVEL: 'silent', KAD_STATE_DIR: stateDir, ...opts.env },
  });
  const svc = await startService(config);
  const clock = svc.runtime.clock;
  const errorSamples: string[] = [];
  let requests = 0;
  let errors = 0;
  const fail = (what: string) => {
    errors++;
    if (errorSamples.length < 5) errorSamples.push(what);
  };
  try {
    // Training on the first history window (and the forecasts' backfill) comes first; the load starts once ready.
    const readyBy = Date.now() + 120_000;
    while ((await fetch(`${svc.url}/readyz`)).status !== 200) {
      if (Date.now() > readyBy) throw new Error('kad did not become ready within 120 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    const readySeconds = (Date.now() - started) / 1000;
    const lag = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
    lag.enable();
    const loadStart = Date.now();
    const simStart = clock.now();
    const simEnd = simStart + opts.days * DAY;
    const cyclesAtStart = await cycleCount(svc.url);
    const perDay: SoakDay[] = [];
    const gap = 1000 / (opts.requestsPerSecond ?? 4);
    let nextDay = simStart + DAY;
    const record = async (day: number) => {
      gc?.();
      const mem = process.memoryUsage();
      const d: SoakDay = {
        day, realSeconds: (Date.now() - loadStart) / 1000, rssMb: mem.rss / MB, heapMb: gc ? mem.heapUsed / MB : NaN,
        requests, errors, cycles: (await cycleCount(svc.url)) - cyclesAtStart,
      };
      perDay.push(d);
      opts.onDay?.(d);
    };
    for (let i = 0; clock.now() < simEnd; i++) {
      const t0 = Date.now();
      const path = i % 2 === 0 ? '/detect' : '/metrics';
      requests++;
      try {
        const r = await fetch(`${svc.url}${path}`);
        const text = await r.text();
        if (r.status !== 200) fail(`${path}: HTTP ${r.status}: ${text.slice(0, 200)}`);
        else if (path === '/detect' && !Array.isArray((JSON.parse(text) as { pods?: unknown }).pods)) fail(`${path}: no pods list`);
      } catch (e) {
        fail(`${path}: ${(e as Error).message}`);
      }
      if (clock.now() >= nextDay) {
        await record(Math.round((nextDay - simStart) / DAY));
        nextDay += DAY;
      }
      await new Promise((r) => setTimeout(r, Math.max(0, gap - (Date.now() - t0))));
    }
    lag.disable();
    if (perDay.length === 0 || perDay[perDay.length - 1].day < opts.days) await record(opts.days);
    const later = perDay.filter((d) => d.day > 1);
    return {
      days: opts.days,
      speed: opts.speed,
      realSeconds: (Date.now() - loadStart) / 1000,
      readySeconds,
      requests,
      errors,
      errorSamples,
      lagP50Ms: lagMs(lag.percentile(50)),
      lagP99Ms: lagMs(lag.percentile(99)),
      lagMaxMs: lagMs(lag.max),
      cycles: perDay[perDay.length - 1].cycles,
      expectedCycles: Math.floor((opts.days * DAY) / (config.training.queryStepSeconds * 1000)),
      perDay,
      rssGrowthMbPerDay: later.length >= 3 ? slope(later.map((d) => d.day), later.map((d) => d.rssMb)) : NaN,
      heapGrowthMbPerDay: later.length >= 3 && gc ? slope(later.map((d) => d.day), later.map((d) => d.heapMb)) : NaN,
    };
  } finally {
    await svc.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

/** Scoring cycles the service has run, from its own metrics. */
async function cycleCount(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('anomaly_detector_cycle_duration_seconds_count '));
  return line ? Number(line.split(' ')[1]) : 0;
}
