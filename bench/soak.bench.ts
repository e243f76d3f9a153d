/**
 * Soak: `kad serve` on the embedded simulated cluster for a simulated week, clock sped up, under a
 * steady load of `/detect` and `/metrics` on loopback (one request at a time, 4 a second), every
 * setting at its default otherwise. Prints the errors (answers other than 200: must be 0), the event
 * loop's delay (p50, p99, max, from the first ready answer to the end), the scoring cycles run
 * against the one-minute steps of the span, and, per simulated day, the resident set and the heap
 * after a full GC, with their growth per day (least-squares slope over days 2 to the end: the first
 * day fills the series store's rings). See test/soak.ts.
 *
 * Run: `npm run bench:soak` (node --expose-gc). Environment: SOAK_DAYS (default 7), SOAK_SPEED
 * (KAD_SIM_SPEED, default 1440: a simulated day per real minute, so a week takes about 7 minutes;
 * 60 is the README's demo speed, a week then takes 2.8 hours), SOAK_RPS (default 4). Exits 1 when
 * there was an error.
 */
import { cpus } from 'node:os';
import { runSoak } from '../test/soak.js';

const days = Number(process.env.SOAK_DAYS ?? 7);
const speed = Number(process.env.SOAK_SPEED ?? 1440);
const rps = Number(process.env.SOAK_RPS ?? 4);
const fmt = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');

console.log(`Soak: kad serve on the simulated cluster, ${days} simulated day(s) at KAD_SIM_SPEED=${speed} (~${fmt((days * 86_400) / speed / 60)} min), ` +
  `${rps} requests/s on /detect and /metrics; ${cpus().length} CPUs, Node ${process.version}${(globalThis as { gc?: unknown }).gc ? '' : ' (run with --expose-gc for heap figures)'}`);
console.log('day  real s    RSS MB  heap MB  requests  errors  cycles');
const report = await runSoak({
  days,
  speed,
  requestsPerSecond: rps,
  onDay: (d) => console.log(`${fmt(d.day, Number.isInteger(d.day) ? 0 : 2).padStart(3)}  ${fmt(d.realSeconds, 0).padStart(6)}  ${fmt(d.rssMb).padStart(8)}  ${fmt(d.heapMb).padStart(7)}  ${String(d.requests).padStart(8)}  ${String(d.errors).padStart(6)}  ${String(d.cycles).padStart(6)}`),
});
console.log('');
console.log(`ready after ${fmt(report.readySeconds)} s; ${report.requests} requests, ${report.errors} errors${report.errorSamples.length ? ` (${report.errorSamples.join('; ')})` : ''}`);
console.log(`event-loop delay: p50 ${fmt(report.lagP50Ms)} ms, p99 ${fmt(report.lagP99Ms)} ms, max ${fmt(report.lagMaxMs)} ms`);
console.log(`scoring cycles: ${report.cycles} of ${report.expectedCycles} one-minute steps (${fmt((100 * report.cycles) / report.expectedCycles)}%; the engine skips steps it falls behind on)`);
console.log(`growth per simulated day (days 2 to ${days}): RSS ${fmt(report.rssGrowthMbPerDay, 2)} MB/day, heap after GC ${fmt(report.heapGrowthMbPerDay, 2)} MB/day`);
process.exitCode = report.errors === 0 ? 0 : 1;
