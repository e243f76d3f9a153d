import { describe, expect, it } from 'vitest';
import { quoted, quotedList } from './quote.js';

describe('quoted', () => {
  it('quotes plain text as before: "x1"', () => {
    expect(quoted('x1')).toBe('"x1"');
    expect(quoted('value')).toBe('"value"');
    expect(quoted('')).toBe('""');
    expect(quoted('café ½')).toBe('"café ½"');
  });

  it('escapes control, invisible and bidirectional characters, never printing them raw', () => {
    expect(quoted('a\u0000b\n"c"\\')).toBe('"a\\u0000b\\n\\"c\\"\\\\"');
    expect(quoted('\u202eevil\u0085\u2028\ufeff')).toBe('"\\u202eevil\\u0085\\u2028\\ufeff"');
    // eslint-disable-next-line no-control-regex
    expect(quoted(String.fromCharCode(...Array.from({ length: 160 }, (_, i) => i)))).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  });

  it('cuts to 80 characters in all, quotes and ellipsis included, never inside an escape', () => {
    const long = quoted('x'.repeat(500));
    expect(long).toHaveLength(80);
    expect(long).toBe(`"${'x'.repeat(77)}…"`);
    expect(quoted('y'.repeat(78))).toBe(`"${'y'.repeat(78)}"`);
    const escapes = quoted('\u0001'.repeat(100));
    expect(escapes.length).toBeLessThanOrEqual(80);
    expect(escapes).toMatch(/^"(\\u0001)+…"$/);
    expect(quoted('😀'.repeat(100)).length).toBeLessThanOrEqual(80);
  });
});

describe('quotedList', () => {
  it('lists the first names and says how many more', () => {
    expect(quotedList(['a', 'b'])).toBe('"a", "b"');
    expect(quotedList(Array.from({ length: 12 }, (_, i) => `c${i}`), 2)).toBe('"c0", "c1" and 10 more');
  });
});
