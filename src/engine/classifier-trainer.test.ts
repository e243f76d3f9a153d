import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ClassifierTrainer, type TrainJob } from './classifier-trainer.js';

/** A labelled CSV of `rows` rows: two features, the class from the first. */
function csv(rows: number): Buffer {
  const lines = ['a,b,cls'];
  for (let i = 0; i < rows; i++) lines.push(`${i % 7},${(i * 13) % 5},${i % 7 < 3 ? 'low' : 'high'}`);
  return Buffer.from(lines.join('\n') + '\n');
}

function job(bytes: Uint8Array, modelDir: string): TrainJob {
  return {
    data: { kind: 'file', path: 'train.csv', bytes },
    settings: { target: 'cls', kind: 'logistic', params: {}, testSize: 0.2, seed: 1, smote: false, classWeight: false },
    modelDir, promoteMargin: 0.01,
  };
}

describe('ClassifierTrainer', () => {
  it('moves a file read whole into the worker instead of copying it, and leaves a small pooled buffer be', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kad-trainer-'));
    const trainer = new ClassifierTrainer();
    try {
      const big = csv(20_000); // its own ArrayBuffer, over 64 KiB
      const size = big.length;
      expect(size).toBeGreaterThan(1 << 16);
      const first = await trainer.train(job(big, join(dir, 'm')));
      expect(first.ok).toBe(true);
      expect(big.length).toBe(0); // detached: the worker has the memory now
      // The worker read all of it.
      expect(first.ok && first.rows).toBe(20_000);
      const pooled = Buffer.from('a,b,cls\n1,2,low\n2,3,low\n3,1,low\n4,4,high\n5,0,high\n6,1,high\n0,2,low\n1,3,low\n5,2,high\n6,3,high\n');
      expect(pooled.buffer.byteLength).toBeGreaterThan(pooled.length); // a slice of Node's shared pool
      const second = await trainer.train(job(pooled, join(dir, 'm')));
      expect(second.ok).toBe(true);
      expect(pooled.toString()).toMatch(/^a,b,cls\n1,2,low/); // still there: the pool is not ours to move
    } finally {
      await trainer.close();
    }
  });
});
