import { describe, expect, it } from 'vitest';
import { blobs } from './fixtures.testkit.js';
import { permutationImportance } from './importance.js';
import { RandomForest } from './random-forest.js';

describe('permutationImportance', () => {
  it('ranks an informative column above a noise column, reproducibly', () => {
    const b = blobs(1, 600, 1, 2, 4);
    const data = new Float64Array(600 * 2);
    for (let i = 0; i < 600; i++) {
      data[i * 2] = b.frame.data[i];
      data[i * 2 + 1] = (i * 7919) % 13;
    }
    const frame = { names: ['signal', 'noise'], rows: 600, cols: 2, data };
    const m = new RandomForest({ nEstimators: 20 }, 1);
    m.fit(frame, b.labels);
    const imp = permutationImportance(m, frame, b.labels, 3, 1);
    expect(imp.names).toEqual(['signal', 'noise']);
    expect(imp.baseline).toBeGreaterThan(0.95);
    expect(imp.mean[0]).toBeGreaterThan(0.3);
    expect(imp.mean[0]).toBeGreaterThan(imp.mean[1]);
    expect(frame.data).toEqual(data); // the input is left as it was
    expect(permutationImportance(m, frame, b.labels, 3, 1).mean).toEqual(imp.mean);
  });
});
