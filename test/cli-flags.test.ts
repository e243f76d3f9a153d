/** `kad score`'s is_anomaly: calibrated on the series' own scores to a target false-alarm rate (issue 13 item 3). */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli/kad.js';
import { createRng } from '../src/core/rng.js';
import { captureIO } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'kad-flags-'));

/** Noisy 3-column 1-minute series with spikes at `spikes`; returns its path. */
function series(name: string, rows: number, spikes: number[], seed = 5): string {
  const rng = createRng(seed);
  const lines = ['timestamp,a,b,c'];
  for (let i = 0; i < rows; i++) {
    const jump = spikes.includes(i) ? 15 : 0;
    lines.push(`${1_700_000_000 + 60 * i},${(5 + rng.normal() + jump).toFixed(4)},${(2 + 0.5 * rng.normal()).toFixed(4)},${(rng.normal() * 3).toFixed(4)}`);
  }
  const p = join(dir, name);
  writeFileSync(p, lines.join('\n') + '\n');
  return p;
}

function flags(out: string): number[] {
  return readFileSync(out, 'utf8').trim().split('\n').slice(1).map((l) => Number(l.split(',')[2]));
}

describe('kad score is_anomaly', () => {
  const spikes = [2500, 3300, 3900];
  const input = series('in.csv', 4000, spikes);

  it('flags about the target share of points, and the spikes', async () => {
    // zmax flags every spike; ensemble (range novelty) the first: a repeat is no longer new to it.
    for (const [kind, caught] of [['zmax', spikes], ['ensemble', spikes.slice(0, 1)]] as const) {
      const out = join(dir, `${kind}.csv`);
      expect(await main(['score', '-i', input, '-o', out, '-d', kind], captureIO())).toBe(0);
      const f = flags(out);
      const stray = f.filter((x, i) => x && !spikes.includes(i)).length;
      expect(stray / f.length).toBeLessThan(0.005); // the default rate is 1 in 1,000
      for (const i of caught) expect(f[i]).toBe(1);
      expect(f.slice(0, 100).every((x) => x === 0)).toBe(true); // warm-up
    }
  });

  it('--target-fpr sets the rate (0: the detector\'s own threshold), KAD_TARGET_FALSE_ALARM_RATE its default', async () => {
    const count = async (args: string[], env: Record<string, string> = {}): Promise<number> => {
      const out = join(dir, 'x.csv');
      const io = captureIO(env);
      expect(await main(['score', '-i', input, '-o', out, '-d', 'zmax', ...args], io)).toBe(0);
      return flags(out).reduce((a, b) => a + b, 0);
    };
    const dflt = await count([]);
    const loose = await count(['--target-fpr', '0.05']);
    expect(loose).toBeGreaterThan(3 * dflt);
    expect(await count([], { KAD_TARGET_FALSE_ALARM_RATE: '0.05' })).toBe(loose);
    expect(await count(['--target-fpr', '0'])).toBeGreaterThan(0);
  });

  it('calibrates on the training file\'s scores first, so flags start with the first scored row', async () => {
    const train = series('train.csv', 2000, [], 6);
    const out = join(dir, 't.csv');
    const early = series('early.csv', 500, [10, 40], 7);
    expect(await main(['score', '--train', train, '-i', early, '-o', out, '-d', 'zmax'], captureIO())).toBe(0);
    const f = flags(out);
    expect(f[10]).toBe(1);
    expect(f[40]).toBe(1);
    expect(f.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(4);
  });

  it('refuses a bad --target-fpr with exit 2', async () => {
    const io = captureIO();
    expect(await main(['score', '-i', input, '-o', join(dir, 'y.csv'), '--target-fpr', '0.9'], io)).toBe(2);
    expect(io.err).toMatch(/--target-fpr must be .* 0\.5/);
  });
});
