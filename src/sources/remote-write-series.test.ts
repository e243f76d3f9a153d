import { describe, expect, it } from 'vitest';
import { hashBytes } from './remote-write-series.js';

const hash = (s: string, pad = 0) => {
  const b = Buffer.alloc(pad + Buffer.byteLength(s) + 3);
  const n = b.write(s, pad);
  return hashBytes(new DataView(b.buffer, b.byteOffset, b.length), pad, pad + n);
};

describe('hashBytes', () => {
  it('is xxHash32 (seed 0) cut to its top 30 bits, wherever the bytes lie', () => {
    // xxHash32's published values: every length path (none, bytes, 4-byte words, 16-byte rounds).
    const known: [string, number][] = [['', 0x02cc5d05], ['a', 0x550d7456], ['abc', 0x32d153ff], ['Nobody inspects the spammish repetition', 0xe2293b2f]];
    for (const [s, want] of known) {
      expect(hash(s), s).toBe(want >>> 2);
      expect(hash(s, 5), `${s} at byte 5`).toBe(want >>> 2);
    }
  });
});
