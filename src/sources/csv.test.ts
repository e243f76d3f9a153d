import { describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { parseCsvSeries, parseTime } from './csv.js';

describe('parseTime', () => {
  it('reads ISO 8601, "YYYY-MM-DD HH:MM:SS" as UTC, and epoch seconds', () => {
    expect(parseTime('2024-01-02T03:04:05Z')).toBe(Date.UTC(2024, 0, 2, 3, 4, 5));
    expect(parseTime('2024-01-02 03:04:05')).toBe(Date.UTC(2024, 0, 2, 3, 4, 5));
    expect(parseTime('1700000000')).toBe(1_700_000_000_000);
    expect(parseTime('2024-01-02T03:04:05+01:00')).toBe(Date.UTC(2024, 0, 2, 2, 4, 5));
    expect(parseTime('yesterday')).toBeNaN();
  });
});

describe('parseCsvSeries', () => {
  it('parses a time column and several numeric columns, keeping the time text', () => {
    const s = parseCsvSeries('time,a,b\n1700000000,1,2\n1700000060,3,\n', 'x.csv');
    expect(s.timeColumn).toBe('time');
    expect(s.frame.names).toEqual(['a', 'b']);
    expect(s.frame.rows).toBe(2);
    expect([...s.frame.data.slice(0, 3)]).toEqual([1, 2, 3]);
    expect(s.frame.data[3]).toBeNaN();
    expect(s.timeText.toArray()).toEqual(['1700000000', '1700000060']);
    expect(s.frame.times[1]).toBe(1_700_000_060_000);
  });

  it('names the problem and where it is', () => {
    expect(() => parseCsvSeries('', 'e.csv')).toThrow(/e\.csv: the file is empty/);
    expect(() => parseCsvSeries('when,value\n1,2\n', 'n.csv')).toThrow(/n\.csv:1: no time column.*found: when, value/);
    expect(() => parseCsvSeries('timestamp,value\n', 'h.csv')).toThrow(/h\.csv: no data rows/);
    expect(() => parseCsvSeries('timestamp,value\n1,2\n2,abc\n', 'b.csv')).toThrow(/b\.csv:3: column "value": "abc" is not a number/);
    expect(() => parseCsvSeries('timestamp,value\n1,2\n2\n', 'f.csv')).toThrow(/f\.csv:3: expected 2 fields/);
    expect(() => parseCsvSeries('timestamp,value\nnope,2\n', 't.csv')).toThrow(/t\.csv:2: column "timestamp": "nope" is not a time/);
    expect(() => parseCsvSeries('timestamp,value\nnope,2\n', 't.csv')).toThrow(InputError);
  });

  it('rejects out-of-order times naming both lines, keeps repeated ones, and rejects Infinity as a value', () => {
    expect(parseCsvSeries('timestamp,value\n1,2\n1,3\n', 'd.csv').frame.rows).toBe(2);
    expect(() => parseCsvSeries('timestamp,value\n5,2\n6,2\n4,3\n', 'o.csv', { strictTime: true })).toThrow(/o\.csv:4: .*"4" is before line 3 \("6"\)/);
    expect(() => parseCsvSeries('timestamp,value\n1,Infinity\n', 'i.csv')).toThrow(/i\.csv:2: column "value": "Infinity" is not a number/);
  });

  it('reads empty, NaN and null fields as missing values', () => {
    const s = parseCsvSeries('timestamp,value\n1,\n2,NaN\n3,null\n4,7\n', 'm.csv');
    expect(Array.from(s.frame.data)).toEqual([NaN, NaN, NaN, 7]);
  });

  it('handles quoted fields and CRLF', () => {
    const s = parseCsvSeries('"timestamp","value"\r\n"2024-01-01 00:00:00","1.5"\r\n', 'q.csv');
    expect(s.frame.data[0]).toBe(1.5);
  });
});
