import { describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { createRng } from '../core/rng.js';
import { describeCsvNotes, parseCsvSeries, parseTime } from './csv.js';

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
    expect(() => parseCsvSeries('when,value\n1,2\n', 'n.csv')).toThrow(/n\.csv:1: no time column.*found: "when", "value"\)$/);
    // A file separated by tabs or semicolons is said to be one.
    expect(() => parseCsvSeries('timestamp\tvalue\n1\t2\n', 't.csv')).toThrow(/found: "timestamp\\tvalue"\); the header is one field with tabs in it: kad reads values separated by commas, with a point as the decimal mark/);
    expect(() => parseCsvSeries('timestamp;value\n1;2,5\n', 's.csv')).toThrow(/one field with semicolons in it/);
    expect(() => parseCsvSeries('timestamp,value\n', 'h.csv')).toThrow(/h\.csv: no data rows/);
    expect(() => parseCsvSeries('timestamp,value\n1,2\n2,abc\n', 'b.csv')).toThrow(/b\.csv:3: column "value": "abc" is not a number/);
    expect(() => parseCsvSeries('timestamp,value\n1,2\n2\n', 'f.csv')).toThrow(/f\.csv:3: expected 2 fields/);
    expect(() => parseCsvSeries('timestamp,value\nnope,2\n', 't.csv')).toThrow(/t\.csv:2: column "timestamp": "nope" is not a time/);
    expect(() => parseCsvSeries('timestamp,value\nnope,2\n', 't.csv')).toThrow(InputError);
  });

  it('with strictTime rejects out-of-order times naming both lines, keeps repeated ones, and rejects Infinity as a value', () => {
    expect(parseCsvSeries('timestamp,value\n1,2\n1,3\n', 'd.csv').frame.rows).toBe(2);
    expect(() => parseCsvSeries('timestamp,value\n5,2\n6,2\n4,3\n', 'o.csv', { strictTime: true })).toThrow(/o\.csv:4: .*"4" is before line 3 \("6"\)/);
    expect(() => parseCsvSeries('timestamp,value\n1,Infinity\n', 'i.csv')).toThrow(/i\.csv:2: column "value": "Infinity" is not a number/);
  });

  it('reads empty, NaN and null fields as missing values, and the markers pandas writes and reads (NA, N/A, None, #N/A, …)', () => {
    const s = parseCsvSeries('timestamp,value\n1,\n2,NaN\n3,null\n4,7\n', 'm.csv');
    expect(Array.from(s.frame.data)).toEqual([NaN, NaN, NaN, 7]);
    const markers = ['NA', 'N/A', 'n/a', '<NA>', 'None', '#N/A', '-nan', 'NULL', ' NA '];
    const p = parseCsvSeries(`timestamp,value\n${markers.map((m, i) => `${i},${m}`).join('\n')}\n9,1\n`, 'p.csv');
    expect(Array.from(p.frame.data)).toEqual([...markers.map(() => NaN), 1]);
    expect(p.notes.missingValues).toBe(markers.length);
    // Other words are still not numbers.
    expect(() => parseCsvSeries('timestamp,value\n1,none\n', 'w.csv')).toThrow(/w\.csv:2: column "value": "none" is not a number/);
  });

  it('handles quoted fields and CRLF', () => {
    const s = parseCsvSeries('"timestamp","value"\r\n"2024-01-01 00:00:00","1.5"\r\n', 'q.csv');
    expect(s.frame.data[0]).toBe(1.5);
  });
});

describe('input hygiene', () => {
  it('says a number too large for a double is out of range, not "not a number"', () => {
    expect(() => parseCsvSeries('timestamp,a\n1,1e309\n', 'r.csv')).toThrow('r.csv:2: column "a": "1e309" is out of range (a value must be below 1.8e308 in size)');
    expect(() => parseCsvSeries('timestamp,a\n1,-2.5e400\n', 'r.csv')).toThrow(/"-2\.5e400" is out of range/);
    expect(() => parseCsvSeries(`timestamp,a\n1,0x${'f'.repeat(300)}\n`, 'r.csv')).toThrow(/is out of range/);
    expect(() => parseCsvSeries('timestamp,a\n1,Infinity\n', 'r.csv')).toThrow(/"Infinity" is not a number/);
    expect(parseCsvSeries('timestamp,a\n1,1e308\n', 'r.csv').frame.data[0]).toBe(1e308);
  });

  it('shows names and values escaped and cut to 80 characters, never raw', () => {
    const long = 'x'.repeat(5000);
    const bad = (text: string): string => {
      try {
        parseCsvSeries(text, 'q.csv');
      } catch (e) {
        return (e as Error).message;
      }
      throw new Error('no error');
    };
    expect(bad(`timestamp,a\n1,${long}\n`)).toBe(`q.csv:2: column "a": "${'x'.repeat(77)}…" is not a number`);
    expect(bad('timestamp,a\u001b[31m\n1,\u202ered\u0007\n')).toBe('q.csv:2: column "a\\u001b[31m": "\\u202ered\\u0007" is not a number');
    const header = Array.from({ length: 300 }, (_, i) => `c${i}${long}`).join(',');
    const msg = bad(`${header}\n1,2\n`);
    expect(msg.length).toBeLessThan(1000);
    expect(msg).toMatch(/no time column: .*\(found: "c0x+…", .* and 290 more\)$/);
    expect(bad(`timestamp,${long}\n1,2,3\n`).length).toBeLessThan(300);
  });
});

describe('lenient reading', () => {
  it('holds a backward time at the latest time seen, keeps every row, and counts it with the first line', () => {
    const s = parseCsvSeries('timestamp,value\n10,1\n20,2\n5,3\n15,4\n25,5\n20,6\n', 'b.csv');
    expect(s.frame.rows).toBe(6);
    expect(Array.from(s.frame.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(s.frame.times)).toEqual([10_000, 20_000, 20_000, 20_000, 25_000, 25_000]);
    expect(s.timeText.toArray()).toEqual(['10', '20', '5', '15', '25', '20']);
    expect(s.notes).toMatchObject({ backwardTimes: 3, firstBackward: { line: 4, time: '5', latest: '20', latestLine: 3 }, missingValues: 0 });
    expect(describeCsvNotes('b.csv', s.notes)).toEqual([
      'b.csv: 3 rows have a time before an earlier row\'s (first at b.csv:4: "5" is before line 3\'s "20"); each was scored as the next point, at the latest time seen (--strict-time rejects such a file)',
    ]);
  });

  it('counts missing values and the rows that have them; a clean file has nothing to say', () => {
    const s = parseCsvSeries('time,a,b\n1,,NaN\n2,3,4\n3,null,5\n', 'm.csv');
    expect(s.notes).toMatchObject({ missingValues: 3, rowsWithMissing: 2, backwardTimes: 0, firstBackward: null });
    expect(describeCsvNotes('m.csv', s.notes)).toEqual(['m.csv: 3 missing values (empty, NaN, null, NA, …) in 2 rows, passed to the detector as missing (NaN); every row is still scored and written']);
    expect(describeCsvNotes('c.csv', parseCsvSeries('time,a\n1,2\n', 'c.csv').notes)).toEqual([]);
  });

  it('keeps the order of errors: a short line is said before its bad value, a bad time before the order', () => {
    expect(() => parseCsvSeries('timestamp,a,b\n1,2,3\n2,zz\n', 's.csv')).toThrow(/s\.csv:3: expected 3 fields/);
    expect(() => parseCsvSeries('timestamp,a\n1,2\n2,1e400\n', 'r.csv')).toThrow(/r\.csv:3: column "a": "1e400" is out of range/);
    expect(() => parseCsvSeries('timestamp,a\n5,2\n x ,1\n', 't.csv', { strictTime: true })).toThrow(/t\.csv:3: column "timestamp": " x " is not a time/);
    expect(parseCsvSeries('timestamp,a\n1, 0x10 \n', 'h.csv').frame.data[0]).toBe(16); // Number()'s rules, as before
  });
});

describe('plain rows', () => {
  it('reads plain rows exactly as the string rules read the same rows quoted', () => {
    const rng = createRng(13);
    const cell = (): string => {
      const r = rng.next();
      if (r < 0.05) return '';
      if (r < 0.07) return 'NaN';
      if (r < 0.3) return String(rng.int(1_000_000) - 500_000);
      if (r < 0.5) return (rng.normal() * 10 ** rng.int(8)).toFixed(rng.int(7));
      if (r < 0.6) return rng.next().toExponential(rng.int(12));
      return String(rng.normal() * 1000);
    };
    const rows: string[][] = [];
    for (let i = 0; i < 3000; i++) {
      const t = i % 2 ? String(1_600_000_000 + i * 30) : new Date(Date.UTC(2020, 0, 1) + i * 30_000).toISOString().replace('T', ' ').slice(0, 19);
      rows.push([cell(), t, cell(), cell()]);
    }
    const header = 'a,time,b,c\n';
    const plain = parseCsvSeries(header + rows.map((r) => r.join(',')).join('\r\n') + '\n', 'p.csv');
    const quoted = parseCsvSeries(header + rows.map((r) => r.map((f) => `"${f}"`).join(',')).join('\n'), 'q.csv');
    expect(plain.frame.rows).toBe(3000);
    expect(Array.from(plain.frame.data).map(String)).toEqual(Array.from(quoted.frame.data).map(String));
    expect(Array.from(plain.frame.times)).toEqual(Array.from(quoted.frame.times));
    expect(plain.timeText.toArray()).toEqual(quoted.timeText.toArray());
    expect(plain.notes).toEqual(quoted.notes);
  });
});
