import { describe, expect, it } from 'vitest';
import { createRng } from '../core/rng.js';
import { parseTime } from './csv.js';
import { parseDecimalBytes, parseTimeBytes } from './csv-fields.js';

describe('byte parsers', () => {
  it('parseDecimalBytes gives exactly what Number() gives, or leaves the field to the string rules', () => {
    const rng = createRng(11);
    const digits = (n: number): string => Array.from({ length: n }, () => String(rng.int(10))).join('');
    const cases = ['0', '-0', '+5', '.5', '5.', '1e5', '1E+05', '2.5e-3', '00012.50', '9007199254740993', '0.1', '0.30000000000000004', '123456789012345', '1234567890123456', '1e22', '1e23', '1e-22', '1e-23', '4.9e-324', '1.7976931348623157e308'];
    for (let i = 0; i < 50_000; i++) {
      const sign = ['', '-', '+'][rng.int(3)];
      const int = digits(rng.int(12));
      const frac = rng.next() < 0.7 ? `.${digits(rng.int(10))}` : '';
      const exp = rng.next() < 0.2 ? `e${['', '-', '+'][rng.int(3)]}${rng.int(40)}` : '';
      cases.push(sign + int + frac + exp);
    }
    let fast = 0;
    for (const c of cases) {
      const b = Buffer.from(c, 'latin1');
      const v = parseDecimalBytes(b, 0, b.length);
      if (v === -Infinity || c === '') continue; // the string rules decide; an empty field is missing (NaN)
      fast++;
      expect(Object.is(v, Number(c)), c).toBe(true);
    }
    expect(fast).toBeGreaterThan(cases.length * 0.8);
    for (const c of ['', 'abc', '1e', '-', '.', '0x10', '1,5', ' 1', '1 ']) {
      const b = Buffer.from(c, 'latin1');
      const v = parseDecimalBytes(b, 0, b.length);
      expect(c === '' ? Number.isNaN(v) : v === -Infinity, c).toBe(true);
    }
  });

  it('parseTimeBytes agrees with parseTime on "YYYY-MM-DD HH:MM:SS" and epoch seconds', () => {
    const rng = createRng(12);
    const p2 = (x: number): string => String(x).padStart(2, '0');
    const cases = ['2024-02-30 00:00:00', '2023-02-29T12:00:00', '2024-12-31 23:59:59', '0099-01-01 00:00:00', '2024-01-01 24:00:00', '1700000000', '-5', '1700000000.25'];
    for (let i = 0; i < 20_000; i++) {
      cases.push(`${String(rng.int(10_000)).padStart(4, '0')}-${p2(rng.int(14))}-${p2(rng.int(33))}${rng.next() < 0.5 ? ' ' : 'T'}${p2(rng.int(25))}:${p2(rng.int(61))}:${p2(rng.int(61))}`);
      cases.push(String(rng.int(2_000_000_000)) + (rng.next() < 0.3 ? `.${rng.int(1000)}` : ''));
    }
    for (const c of cases) {
      const b = Buffer.from(c, 'latin1');
      const t = parseTimeBytes(b, 0, b.length);
      if (t !== -Infinity) expect(t, c).toBe(parseTime(c));
    }
  });
});
