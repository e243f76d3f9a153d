import { describe, expect, it } from 'vitest';
import { simulatorLabeledCorpus } from './simulator-corpus.js';

describe('simulatorLabeledCorpus', () => {
  const corpus = simulatorLabeledCorpus({ seed: 3, days: 0.25 });

  it('gives every pod a series a minute, with events where non-benign incidents involve it', () => {
    expect(corpus.length).toBeGreaterThan(10);
    for (const s of corpus) {
      expect(s.frame.names).toEqual(['cpu', 'memory', 'restarts', 'rxBytes', 'txBytes', 'rxPackets', 'rxDropped']);
      expect(s.frame.times[1] - s.frame.times[0]).toBe(60_000);
      const labelled = s.labels.reduce((a, b) => a + b, 0);
      expect(labelled).toBe(new Set(s.events.flatMap((e) => Array.from({ length: e.end - e.start + 1 }, (_, i) => e.start + i))).size);
      expect(s.labels.subarray(0, 60).every((l) => l === 0)).toBe(true); // the first hour is quiet
    }
    expect(corpus.some((s) => s.events.length > 0)).toBe(true);
  });

  it('is deterministic for a seed', () => {
    const again = simulatorLabeledCorpus({ seed: 3, days: 0.25 });
    expect(again.map((s) => s.name)).toEqual(corpus.map((s) => s.name));
    expect(Array.from(again[0].frame.data.subarray(0, 50))).toEqual(Array.from(corpus[0].frame.data.subarray(0, 50)));
  });
});
