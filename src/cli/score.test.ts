import { describe, expect, it } from 'vitest';
import { createRng } from '../core/rng.js';
import { parseCsvSeries } from '../sources/csv.js';
import { formatScore, writeScoreRows } from './score.js';

/** How `kad score` wrote its output before it wrote in chunks: the reference for the bytes. */
function formatScoreByRegex(s: number): string {
  return s === 0 ? '0' : s.toPrecision(8).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
}

describe('formatScore', () => {
  it('writes 8 significant digits without trailing zeros, as before', () => {
    const rng = createRng(3);
    const cases = [0, 1, 0.5, 0.1, 0.25, 1e-7, 1.5e-7, 1e-10, 0.123456789, 0.99999999, 0.999999999, 0.000123, 0.30000000000000004];
    for (let i = 0; i < 20_000; i++) cases.push(rng.next(), rng.next() ** 8, Math.round(rng.next() * 1000) / 1000);
    for (const s of cases) expect(formatScore(s), String(s)).toBe(formatScoreByRegex(s));
    expect(formatScore(0.027822742)).toBe('0.027822742');
    expect(formatScore(1)).toBe('1');
  });
});

describe('writeScoreRows', () => {
  it('writes the same bytes as joining the rows, across chunk boundaries, with quoted and Unicode-padded times', () => {
    const rng = createRng(4);
    const lines = ['timestamp,value'];
    const n = 70_000; // more than one 1 MiB chunk of output
    for (let i = 0; i < n; i++) {
      const t = i % 10_000 === 5 ? `"2024-01-01T00:00:00+01:00"` : i % 10_000 === 7 ? `\u00a0${1_700_000_000 + i * 60}\u00a0` : String(1_700_000_000 + i * 60);
      lines.push(`${t},${i}`);
    }
    const series = parseCsvSeries(lines.join('\n'), 'w.csv');
    const scores = new Float64Array(n).map(() => (rng.next() < 0.1 ? 0 : rng.next()));
    const flags = new Uint8Array(n).map(() => (rng.next() < 0.01 ? 1 : 0));
    const chunks: Buffer[] = [];
    writeScoreRows(series.timeText, scores, flags, (c) => chunks.push(Buffer.from(c)));
    expect(chunks.length).toBeGreaterThan(1);
    expect(series.timeText.at(7)).toBe(String(1_700_000_000 + 7 * 60));
    const expected = ['timestamp,score,is_anomaly', ...Array.from(scores, (s, i) => `${series.timeText.at(i)},${formatScoreByRegex(s)},${flags[i]}`)].join('\n') + '\n';
    expect(Buffer.concat(chunks).toString('utf8')).toBe(expected);
    for (const c of chunks) expect(c[c.length - 1]).toBe(0x0a); // whole rows only
  });
});
