import { describe, expect, it } from 'vitest';
import { InputError, ModelFormatError } from '../core/errors.js';
import { createRng } from '../core/rng.js';
import { SubspaceDetector } from './subspace.js';
import { ZMaxDetector } from './zmax.js';

/** Two strongly correlated features (b ≈ a) plus two independent ones. */
function point(rng: ReturnType<typeof createRng>, out: Float64Array, broken = false): Float64Array {
  const a = rng.normal();
  out[0] = a;
  out[1] = (broken ? -a : a) + 0.05 * rng.normal();
  out[2] = rng.normal();
  out[3] = 10 + 2 * rng.normal();
  return out;
}

describe('subspace detector', () => {
  it('scores a broken relation between features that no single feature z sees', () => {
    const rng = createRng(1);
    const d = new SubspaceDetector({}, 1);
    const z = new ZMaxDetector();
    const x = new Float64Array(4);
    for (let i = 0; i < 3000; i++) {
      point(rng, x);
      d.learnOne(x);
      z.learnOne(x);
    }
    expect(d.components).toBeGreaterThanOrEqual(2);
    const y = Float64Array.from([1.5, -1.5, 0, 10]);
    expect(d.scoreOne(y)).toBeGreaterThan(d.threshold);
    expect(z.scoreOne(y)).toBeLessThan(0.1);
    let normalMax = 0;
    for (let i = 0; i < 500; i++) normalMax = Math.max(normalMax, d.scoreOne(point(rng, x)));
    expect(normalMax).toBeLessThan(d.threshold);
  });

  it('keeps scoring a long anomaly: a point it calls anomalous learns with bounded weight', () => {
    const rng = createRng(2);
    const bounded = new SubspaceDetector({}, 1);
    const free = new SubspaceDetector({ influence: 0 }, 1);
    const x = new Float64Array(4);
    for (let i = 0; i < 3000; i++) {
      point(rng, x);
      bounded.learnOne(x);
      free.learnOne(x);
    }
    let b = 0;
    let f = 0;
    for (let i = 0; i < 300; i++) {
      point(rng, x, true);
      if (i >= 200) {
        b += bounded.scoreOne(x) / 100;
        f += free.scoreOne(x) / 100;
      }
      bounded.learnOne(x);
      free.learnOne(x);
    }
    // Mean score over the anomaly's last 100 points.
    expect(b).toBeGreaterThan(1.5 * f);
  });

  it('with memorySeconds, forgets over that time or memory points, whichever is longer; a snapshot keeps the step', () => {
    const minute = 60_000;
    const run = (step: number, a: SubspaceDetector, b: SubspaceDetector): void => {
      const rng = createRng(3);
      const x = new Float64Array(4);
      for (let i = 0; i < 1500; i++) {
        point(rng, x, i >= 1000);
        a.learnOne(x, i * step);
        b.learnOne(x, i * step);
        if (i % 50 === 0) expect(a.scoreOne(x)).toBeCloseTo(b.scoreOne(x), 12);
      }
    };
    // One point a minute: 3,000 minutes are 3,000 points, longer than 500.
    const timed = new SubspaceDetector({ memory: 500, memorySeconds: 3000 * 60 }, 1);
    run(minute, timed, new SubspaceDetector({ memory: 3000 }, 1));
    // One point a day: 3,000 minutes are about 2 points; 500 points are longer.
    run(1440 * minute, new SubspaceDetector({ memory: 500, memorySeconds: 3000 * 60 }, 1), new SubspaceDetector({ memory: 500 }, 1));
    const restored = SubspaceDetector.fromJSON(JSON.parse(JSON.stringify(timed.toJSON())));
    const rng = createRng(4);
    const x = new Float64Array(4);
    for (let i = 1500; i < 2000; i++) {
      point(rng, x);
      timed.learnOne(x, i * minute);
      restored.learnOne(x, i * minute);
    }
    expect(restored.scoreOne(point(rng, x, true))).toBe(timed.scoreOne(x));
  });

  it('skips points with fewer than minFeatures features: scores 0, learns nothing', () => {
    const d = new SubspaceDetector({ minFeatures: 2 }, 1);
    const x = new Float64Array(1);
    for (let i = 0; i < 200; i++) {
      x[0] = i % 7;
      d.learnOne(x);
    }
    x[0] = 1e6;
    expect(d.scoreOne(x)).toBe(0);
    expect(d.toJSON().state).toMatchObject({ dims: 0 });
  });

  it('refuses bad settings and malformed snapshots', () => {
    expect(() => new SubspaceDetector({ variance: 0 })).toThrow(InputError);
    expect(() => new SubspaceDetector({ refreshEvery: 0.5 })).toThrow(InputError);
    expect(() => new SubspaceDetector({ nope: 1 } as never)).toThrow(/unknown parameter "nope"/);
    const d = new SubspaceDetector({}, 1);
    const x = new Float64Array(3);
    for (let i = 0; i < 100; i++) d.learnOne(x.fill(i % 5));
    const snap = JSON.parse(JSON.stringify(d.toJSON()));
    expect(() => SubspaceDetector.fromJSON({ ...snap, state: { ...snap.state, cov: 'AAAA' } })).toThrow(ModelFormatError);
    expect(() => SubspaceDetector.fromJSON({ ...snap, state: { ...snap.state, k: 99 } })).toThrow(ModelFormatError);
  });
});
