import { describe, expect, it } from 'vitest';
import { InputError, ModelFormatError } from '../core/errors.js';
import { TableEncoder } from './encoding.js';

const table = (header: string[], rows: string[][]) => ({ name: 't.csv', header, columns: header.map((_, j) => rows.map((r) => r[j])), rows: rows.length });

describe('TableEncoder', () => {
  const train = table(['time', 'cpu', 'zone', 'label'], [['1', '0.5', 'a', 'x'], ['2', '', 'b', 'y'], ['3', 'NaN', '', 'x']]);

  it('keeps numeric columns, one-hot encodes text, leaves out the excluded ones; missing is NaN', () => {
    const e = TableEncoder.fit(train, ['time', 'label']);
    expect(e.names).toEqual(['cpu', 'zone=a', 'zone=b']);
    expect(e.categoricalGroups).toEqual([[1, 2]]);
    const f = e.encode(train);
    expect(Array.from(f.data)).toEqual([0.5, 1, 0, NaN, 0, 1, NaN, NaN, NaN]);
    // An unseen level is 0 in every one-hot column; column order in the new table does not matter.
    const later = table(['zone', 'cpu'], [['c', '1']]);
    expect(Array.from(e.encode(later).data)).toEqual([1, 0, 0]);
  });

  it('reads the markers pandas writes for missing (NA, N/A, None, …) as missing, in numeric and text columns', () => {
    const t = table(['restarts', 'zone', 'label'], [['1', 'a', 'x'], ['NA', 'N/A', 'y'], ['None', 'b', 'x'], ['#N/A', 'NA', 'y']]);
    const e = TableEncoder.fit(t, ['label']);
    expect(e.names).toEqual(['restarts', 'zone=a', 'zone=b']); // a number column, and no level "N/A" or "NA"
    expect(Array.from(e.encode(t).data)).toEqual([1, 1, 0, NaN, NaN, NaN, NaN, 0, 1, NaN, NaN, NaN]);
  });

  it('keeps a level that is also a missing marker in an encoder saved before the markers grew (a region "NA")', () => {
    const saved = TableEncoder.fit(table(['region', 'label'], [['EU', 'x'], ['US', 'y']]), ['label']).toJSON() as { columns: { levels: string[] }[] };
    saved.columns[0].levels = ['EU', 'NA'];
    const old = TableEncoder.fromJSON(saved);
    expect(Array.from(old.encode(table(['region'], [['EU'], ['NA'], ['N/A']])).data)).toEqual([1, 0, 0, 1, NaN, NaN]);
  });

  it('round-trips as data', () => {
    const e = TableEncoder.fit(train, ['time', 'label']);
    const back = TableEncoder.fromJSON(JSON.parse(JSON.stringify(e.toJSON())));
    expect(back.encode(train).data).toEqual(e.encode(train).data);
    expect(() => TableEncoder.fromJSON({ kind: 'x' })).toThrow(ModelFormatError);
  });

  it('refuses a text column with too many values, a missing column and a non-number, naming them', () => {
    const many = table(['pod', 'v'], Array.from({ length: 40 }, (_, i) => [`pod-${i}`, String(i)]));
    expect(() => TableEncoder.fit(many, [])).toThrow(/column "pod" is not numeric .* more than 32 distinct values/);
    const e = TableEncoder.fit(train, ['time', 'label']);
    expect(() => e.encode(table(['cpu'], [['1']]))).toThrow(/no column "zone"/);
    expect(() => e.encode(table(['cpu', 'zone'], [['1', 'a'], ['high', 'a']]))).toThrow(/t.csv:3: column "cpu": "high" is not a number/);
    expect(() => TableEncoder.fit(table(['label'], [['x']]), ['label'])).toThrow(InputError);
  });
});
