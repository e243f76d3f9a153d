/**
 * The simulator's labelled incidents as a corpus: every pod of a simulated cluster with its random
 * incident schedule, one row a minute (CPU cores, working-set bytes, restarts in the minute, network
 * bytes, packets and drops per second, read the way the engine reads the simulator), labelled 1 where
 * a non-benign incident involves the pod (its own pod, or one it affects: a noisy neighbour's victims).
 * Each (incident, pod) is an event. Benign events (traffic peaks, rollouts, scaling) are not labelled:
 * flags on them are false alerts. Deterministic for a seed.
 */
import { SimulatedCluster } from '../simulator/cluster.js';
import { SimulatorSource } from '../sources/simulator.js';
import { SIM_CORPUS_START } from './forecast-corpus.js';
import type { AnomalyEvent, LabeledSeries } from './corpus.js';

/** Options of {@link simulatorLabeledCorpus}. */
export interface SimulatorLabeledOptions {
  seed?: number;
  /** Default {@link SIM_CORPUS_START}. */
  start?: number;
  /** Days simulated (default 1); the first hour has no incident. */
  days?: number;
}

const COLUMNS = ['cpu', 'memory', 'restarts', 'rxBytes', 'txBytes', 'rxPackets', 'rxDropped'];
const STEP = 60_000;

/** Every pod's series with its incident labels; see the module comment. */
export function simulatorLabeledCorpus(o: SimulatorLabeledOptions = {}): LabeledSeries[] {
  const start = o.start ?? SIM_CORPUS_START;
  const n = Math.round(((o.days ?? 1) * 86_400_000) / STEP);
  const cluster = new SimulatedCluster({ seed: o.seed ?? 7, start, scenario: { random: true } });
  const source = new SimulatorSource(cluster, { keepMs: 0 });
  const rows = new Map<string, { t: number[]; x: number[]; lastRestarts: number }>();
  source.observe(start); // primes the rates
  for (let i = 0; i < n; i++) {
    const t = start + (i + 1) * STEP;
    for (const p of source.observe(t).pods) {
      const key = `${p.ref.namespace}/${p.ref.pod}`;
      let r = rows.get(key);
      if (!r) rows.set(key, (r = { t: [], x: [], lastRestarts: p.restarts }));
      r.t.push(t);
      r.x.push(p.cpu, p.memory, p.restarts - r.lastRestarts, p.rxBytes, p.txBytes, p.rxPackets, p.rxDropped);
      r.lastRestarts = p.restarts;
    }
  }
  const incidents = cluster.incidents().filter((inc) => !inc.benign);
  return [...rows].sort(([a], [b]) => a.localeCompare(b)).map(([name, r]) => {
    const times = Float64Array.from(r.t);
    const labels = new Uint8Array(times.length);
    const events: AnomalyEvent[] = [];
    const pod = name.slice(name.indexOf('/') + 1);
    const ns = name.slice(0, name.indexOf('/'));
    for (const inc of incidents) {
      if (inc.namespace !== ns || (inc.pod !== pod && !inc.affected?.includes(pod))) continue;
      let s = 0;
      while (s < times.length && times[s] < inc.start) s++;
      let e = s;
      while (e < times.length && times[e] < inc.end) e++;
      if (e === s) continue;
      labels.fill(1, s, e);
      events.push({ start: s, end: e - 1, t0: inc.start });
    }
    events.sort((a, b) => a.start - b.start);
    return { name: `sim/${name}`, frame: { names: COLUMNS, rows: times.length, cols: COLUMNS.length, data: Float64Array.from(r.x), times }, labels, events, warmup: 0 };
  });
}
