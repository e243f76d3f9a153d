import { describe, expect, it } from 'vitest';
import { blobs, withHoles } from './fixtures.testkit.js';
import { argmaxRows, indexLabels } from './labels.js';
import { macroF1 } from './metrics.js';
import { MlpClassifier, resolveMlpParams } from './mlp.js';

describe('mlp', () => {
  it('learns separable blobs with missing values; seeded; round trip', () => {
    const data = blobs(7, 400, 3, 3, 4);
    const holes = withHoles(data.frame, 0.1);
    const t = performance.now();
    const m = new MlpClassifier({ epochs: 30 }, 1);
    m.fit(holes, data.labels);
    const p = m.predictProba(holes);
    console.log('fit+predict ms', performance.now() - t, m.fitInfo);
    expect(macroF1(indexLabels(data.labels, m.classes), argmaxRows(p, 3), 3)).toBeGreaterThan(0.9);
    const back = MlpClassifier.fromJSON(JSON.parse(JSON.stringify(m.toJSON())));
    expect(back.predictProba(holes)).toEqual(p);
  });
  it('refuses bad settings', () => {
    expect(() => resolveMlpParams({ hidden: [0] })).toThrow(/hidden/);
    expect(() => resolveMlpParams({ dropout: 1 })).toThrow(/dropout/);
  });
});
