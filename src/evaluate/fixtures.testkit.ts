/**
 * Small synthetic corpora in the layouts of ../shared/data, written to a temp folder, for tests.
 * Every series is a noisy sine with planted spikes inside its anomaly windows.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MIN = 60_000;
const T0 = Date.UTC(2014, 3, 1);

/** `YYYY-MM-DD HH:MM:SS` in UTC. */
export function utcText(t: number): string {
  return new Date(t).toISOString().slice(0, 19).replace('T', ' ');
}

function value(i: number, spike: boolean): number {
  const noise = Math.sin(i * 12.9898) * 0.5; // deterministic "noise"
  return 10 + 3 * Math.sin((2 * Math.PI * i) / 100) + noise + (spike ? 25 : 0);
}

/**
 * A NAB folder: `data/synthetic/a.csv` (1000 rows, 5-minute steps, one window over rows 500–549 with
 * a spike at 510), `data/synthetic/b.csv` (same length, no window) and the labels and profiles.
 */
export function writeNabFixture(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kad-nab-'));
  mkdirSync(join(dir, 'data', 'synthetic'), { recursive: true });
  mkdirSync(join(dir, 'labels'));
  const step = 5 * MIN;
  for (const [name, spikeAt] of [['a', 510], ['b', -1]] as const) {
    const lines = ['timestamp,value'];
    for (let i = 0; i < 1000; i++) lines.push(`${utcText(T0 + i * step)},${value(i, i === spikeAt).toFixed(4)}`);
    writeFileSync(join(dir, 'data', 'synthetic', `${name}.csv`), lines.join('\n') + '\n');
  }
  const windows = {
    'synthetic/a.csv': [[`${utcText(T0 + 500 * step)}.000000`, `${utcText(T0 + 549 * step)}.000000`]],
    'synthetic/b.csv': [],
  };
  writeFileSync(join(dir, 'labels', 'combined_windows.json'), JSON.stringify(windows, null, 1));
  writeFileSync(join(dir, 'profiles.json'), JSON.stringify({ standard: { CostMatrix: { tpWeight: 1, fnWeight: 1, fpWeight: 0.11, tnWeight: 1 } } }));
  return dir;
}

/** An ASD folder with `omi-1` and `omi-2`: 3 metrics, 400 train rows, 200 test rows, labels on test rows 100–104. */
export function writeAsdFixture(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kad-asd-'));
  for (const name of ['omi-1', 'omi-2']) {
    mkdirSync(join(dir, name));
    const rows = (n: number, t0: number, spike: (i: number) => boolean): string[] => {
      const out = ['timestamp,m1,m2,m3'];
      for (let i = 0; i < n; i++) {
        const v = value(i, spike(i)) / 40;
        out.push(`${t0 / 1000 + i * 300},${v.toFixed(4)},${(v / 2).toFixed(4)},${(0.3 + 0.01 * Math.cos(i)).toFixed(4)}`);
      }
      return out;
    };
    writeFileSync(join(dir, name, 'train.csv'), rows(400, T0, () => false).join('\n') + '\n');
    const testT0 = T0 + 400 * 300_000;
    writeFileSync(join(dir, name, 'test.csv'), rows(200, testT0, (i) => i >= 100 && i < 105).join('\n') + '\n');
    const labels = ['timestamp,label'];
    for (let i = 0; i < 200; i++) labels.push(`${testT0 / 1000 + i * 300},${i >= 100 && i < 105 ? 1 : 0}`);
    writeFileSync(join(dir, name, 'test_labels.csv'), labels.join('\n') + '\n');
  }
  return dir;
}

/**
 * A Nezha folder: one day `2022-08-22`, pods `frontend-x` and `cart-y`, 300 one-minute rows from
 * 10:00:30 UTC, one fault on `frontend-x` at 12:00:00 (its CPU spikes from 12:01 to 12:03).
 */
export function writeNezhaFixture(): { dir: string; faultTime: number } {
  const dir = mkdtempSync(join(tmpdir(), 'kad-nezha-'));
  const day = '2022-08-22';
  mkdirSync(join(dir, day, 'metric'), { recursive: true });
  const t0 = Date.UTC(2022, 7, 22, 10, 0, 30, 123);
  const faultTime = Date.UTC(2022, 7, 22, 12, 0, 0);
  for (const pod of ['frontend-x', 'cart-y']) {
    const lines = ['Time,TimeStamp,PodName,CpuUsage(m),MemoryUsage(Mi),PodSuccessRate(%)'];
    for (let i = 0; i < 300; i++) {
      const t = t0 + i * MIN;
      const spike = pod === 'frontend-x' && t >= faultTime + MIN && t <= faultTime + 3 * MIN;
      const go = `${new Date(t).toISOString().slice(0, 23).replace('T', ' ')}158889 +0000 UTC m=+${(i * 60.01).toFixed(6)}`;
      lines.push(`${go},${1861140279 + i * 60},${pod},${value(i, spike).toFixed(3)},${(200 + Math.cos(i)).toFixed(3)},100`);
    }
    writeFileSync(join(dir, day, 'metric', `${pod}_metric.csv`), lines.join('\n') + '\n');
  }
  writeFileSync(join(dir, day, 'metric', 'dependency.csv'), 'a,b\n1,2\n');
  const faults = { '12': [{ inject_time: '2022-08-22 12:00:00', inject_timestamp: String(faultTime / 1000), inject_pod: 'frontend-x', inject_type: 'cpu_consumed' }] };
  writeFileSync(join(dir, day, `${day}-fault_list.json`), JSON.stringify(faults, null, 4));
  return { dir, faultTime };
}
