import { describe, expect, it } from 'vitest';
import { formatScalingTable, simulateScaling, summariseScaling } from './forecast-scaling.js';

describe('simulateScaling', () => {
  const r = simulateScaling({ historyDays: 3, seed: 11 });

  it('reports one row a minute for a day, and sizes the daily peak ahead of demand', () => {
    expect(r.minutes.length).toBe(1440);
    const peak = summariseScaling(r, 12, 18);
    const reactive = peak.reactiveOverTarget;
    // The simulator's HPA lets utilisation run up to 10% over its target before it acts, and acts late.
    expect(reactive).toBeGreaterThan(30);
    expect(peak.recommendedOverTarget).toBeLessThan(reactive / 4);
    expect(peak.recommendedMaxUtilisation).toBeLessThan(peak.reactiveMaxUtilisation);
    expect(peak.recommendedMeanReplicas).toBeGreaterThan(peak.reactiveMeanReplicas);
    // On the morning rise the recommendation is above the HPA's count most of the time.
    const rise = r.minutes.filter((m) => new Date(m.t).getUTCHours() >= 8 && new Date(m.t).getUTCHours() < 12);
    expect(rise.filter((m) => m.recommendedReplicas > m.reactiveReplicas).length).toBeGreaterThan(rise.length / 2);
  });

  it('prints the table and the summaries', () => {
    const text = formatScalingTable(r, 120);
    expect(text.split('\n').filter((l) => /^\d\d:00 /.test(l)).length).toBe(12);
    expect(text).toMatch(/peak 12:00–18:00: max utilisation reactive \d+% vs recommended \d+%/);
  });
});
