/**
 * A small generated Nezha corpus of pod metric files, for tests of the service's path on it: two
 * days, four pods (`frontend-…`, `adservice-…`, two `cartservice-…` replicas), rows a minute apart at
 * hh:mm:19.8 with a few ms of jitter, CPU and traffic with 1% noise (seeded), limits at 10% usage.
 * Day 2 comes 12 hours after day 1 ends. A CPU burst is CPU × 6 for 4 minutes from the row after
 * its time, with traffic unchanged.
 *
 * Faults (what the fault lists say) and bursts (what the metrics show):
 * - day 1, row 30, frontend: a burst; inside the first hour (the first training window);
 * - day 1, row 120, cartservice-a: a burst;
 * - day 1, row 150, adservice: nothing shows (an `exception` that does not move pod metrics);
 * - day 2, row 5, frontend: a burst;
 * - day 2, row 60, cartservice-a: the burst shows on cartservice-b (the other replica);
 * - day 2, row 90: a burst on adservice that no fault explains.
 *
 * The service mesh's side (what `--mesh` reads), with 1% noise from a generator of its own (the pod
 * metrics above are the same with or without it): each pod's `PodWorkload(Ops)` and
 * `PodServerLatencyP99(s)` columns; `source_50.csv` with the caller-side latency of
 * `frontend_adservice` and `frontend_cartservice`; `front_service.csv` with the frontend's success rate
 * and latency; `dependency.csv` (frontend calls adservice and cartservice). In it:
 * - day 1, row 150: calls into adservice take 20× as long for 4 minutes (the exception shows in the
 *   mesh only);
 * - day 1, row 120: while cartservice-a bursts, the frontend's own latency is 20× (it waits on
 *   cartservice): an alert on the frontend then is held by topology inhibition.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng } from '../core/rng.js';

const MIN = 60_000;
const HEADER = 'Time,TimeStamp,PodName,CpuUsage(m),CpuUsageRate(%),MemoryUsage(Mi),MemoryUsageRate(%),NetworkReceiveBytes,NetworkTransmitBytes,PodSuccessRate(%),PodWorkload(Ops),PodServerLatencyP99(s)';
/** The pods of the fixture. */
export const FIXTURE_PODS = Object.freeze({
  frontend: 'frontend-579b9bff58-t2dbm', ad: 'adservice-5f6585d649-fnmft', cartA: 'cartservice-579f59597d-wc2lz', cartB: 'cartservice-579f59597d-x7k2p',
});
const DAYS = [
  { day: '2022-08-22', t0: Date.UTC(2022, 7, 22, 10, 0, 19, 800), rows: 180 },
  { day: '2022-08-23', t0: Date.UTC(2022, 7, 23, 12, 0, 19, 800), rows: 120 },
];
const P = FIXTURE_PODS;
const FAULTS: { day: number; row: number; pod: string; type: string; burst: string | null }[] = [
  { day: 0, row: 30, pod: P.frontend, type: 'cpu_consumed', burst: P.frontend },
  { day: 0, row: 120, pod: P.cartA, type: 'cpu_contention', burst: P.cartA },
  { day: 0, row: 150, pod: P.ad, type: 'exception', burst: null },
  { day: 1, row: 5, pod: P.frontend, type: 'cpu_consumed', burst: P.frontend },
  { day: 1, row: 60, pod: P.cartA, type: 'cpu_contention', burst: P.cartB },
];
const STRAY = { day: 1, row: 90, pod: P.ad };
/** Mesh latency rises: on day `day`, `edge` (a source_50 column, or `front` for front_service) × 20 for the 4 rows after `row`. */
const SLOW = [{ day: 0, row: 150, edge: 'frontend_adservice' }, { day: 0, row: 120, edge: 'front' }];

/** Go's time text of the Nezha `Time` column. */
function goTime(t: number): string {
  return `${new Date(t).toISOString().slice(0, 23).replace('T', ' ')}158889 +0000 UTC m=+1.0`;
}

/** Writes the corpus to a temp folder; returns it and each fault's time (epoch ms), in the order above. */
export function writeNezhaPodsFixture(): { dir: string; faultTimes: number[] } {
  const dir = mkdtempSync(join(tmpdir(), 'kad-nezha-pods-'));
  const rng = createRng(7);
  const meshRng = createRng(8);
  const noisy = (x: number) => x * (1 + 0.01 * meshRng.normal());
  const faultTimes = FAULTS.map((f) => DAYS[f.day].t0 + f.row * MIN + 5_000);
  DAYS.forEach(({ day, t0, rows }, d) => {
    const metric = join(dir, day, 'metric');
    mkdirSync(metric, { recursive: true });
    const bursts = [...FAULTS.filter((f) => f.day === d && f.burst).map((f) => ({ row: f.row, pod: f.burst! })), ...(STRAY.day === d ? [STRAY] : [])];
    Object.values(P).forEach((pod, k) => {
      const lines = [HEADER];
      for (let i = 0; i < rows; i++) {
        const t = t0 + i * MIN + (i % 4) * 3;
        const hot = bursts.some((b) => b.pod === pod && i > b.row && i <= b.row + 4);
        const traffic = 30_000 * (1 + k / 4) * (1 + 0.01 * rng.normal());
        const cpu = 10 * (1 + k / 4) * (1 + 0.01 * rng.normal()) * (hot ? 6 : 1);
        const mem = 50 * (1 + 0.002 * rng.normal());
        lines.push(`${goTime(t)},${Math.round(t / 1000) + 17},${pod},${cpu},${cpu / 10},${mem},${mem / 5},${traffic},${traffic * 3},100,${traffic / 3000},${0.05 * (1 + k / 4)}`);
      }
      writeFileSync(join(metric, `${pod}_metric.csv`), lines.join('\n') + '\n');
    });
    const slow = (edge: string, i: number) => (SLOW.some((x) => x.day === d && x.edge === edge && i > x.row && i <= x.row + 4) ? 20 : 1);
    const source = ['time,timestamp,frontend_adservice,frontend_cartservice'];
    const front = ['Time,TimeStamp,ServiceName,SuccessRate(%),LatencyP50(s),LatencyP99(s)'];
    for (let i = 0; i < rows; i++) {
      const t = t0 + i * MIN + 200;
      source.push(`${goTime(t)},${Math.round(t / 1000)},${noisy(0.008) * slow('frontend_adservice', i)},${noisy(0.005) * slow('frontend_cartservice', i)}`);
      front.push(`${goTime(t)},${Math.round(t / 1000)},Frontend,100,${noisy(0.2) * slow('front', i)},${noisy(1) * slow('front', i)}`);
    }
    writeFileSync(join(metric, 'source_50.csv'), source.join('\n') + '\n');
    writeFileSync(join(metric, 'front_service.csv'), front.join('\n') + '\n');
    writeFileSync(join(metric, 'dependency.csv'), 'Source,Target,Weight\nfrontend,adservice,1\nfrontend,cartservice,1\nadservice,33.33.33.76,1\n');
    const list: Record<string, unknown[]> = {};
    FAULTS.forEach((f, i) => {
      if (f.day !== d) return;
      const hour = new Date(faultTimes[i]).toISOString().slice(11, 13);
      (list[hour] ??= []).push({
        inject_time: new Date(faultTimes[i]).toISOString().slice(0, 19).replace('T', ' '), inject_timestamp: String(faultTimes[i] / 1000), inject_pod: f.pod, inject_type: f.type,
      });
    });
    writeFileSync(join(dir, day, `${day}-fault_list.json`), JSON.stringify(list, null, 1));
  });
  return { dir, faultTimes };
}
