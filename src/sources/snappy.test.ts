import { describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { createRng } from '../core/rng.js';
import { snappyEncode } from './remote-write.testkit.js';
import { snappyDecode, snappyHeader } from './snappy.js';

const bytes = (s: string) => Uint8Array.from(Buffer.from(s));
const text = (b: Uint8Array) => Buffer.from(b).toString();
/** Byte equality without vitest's element-by-element diff (slow on 100 kB arrays). */
const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && Buffer.compare(a, b) === 0;

describe('snappyDecode', () => {
  it('decodes a hand-made block: a literal and an overlapping 1-byte-offset copy', () => {
    // 12 bytes: literal "abc", then copy 9 bytes from 3 back (the pattern repeats).
    const block = Uint8Array.of(0x0c, 0x08, 0x61, 0x62, 0x63, 0x15, 0x03);
    expect(text(snappyDecode(block, 100))).toBe('abcabcabcabc');
  });

  it('decodes 2- and 4-byte-offset copies and every literal length form', () => {
    // "xy" then a 2-byte-offset copy of 4 from 2 back, then a 4-byte-offset copy of 2 from 6 back.
    const block = Uint8Array.of(8, 0x04, 0x78, 0x79, 0x0e, 0x02, 0x00, 0x07, 0x06, 0, 0, 0);
    expect(text(snappyDecode(block, 100))).toBe('xyxyxyxy');
    for (const len of [1, 60, 61, 256, 257, 65_536, 65_537, 70_000]) {
      const src = Uint8Array.from({ length: len }, (_, i) => (i * 7919) % 251);
      const lenBytes = len - 1 < 60 ? [] : len - 1 < 0x100 ? [len - 1] : len - 1 < 0x10000 ? [(len - 1) & 0xff, (len - 1) >> 8] : [(len - 1) & 0xff, ((len - 1) >> 8) & 0xff, (len - 1) >> 16];
      const tag = len - 1 < 60 ? (len - 1) << 2 : (59 + lenBytes.length) << 2;
      const header: number[] = [];
      for (let v = len; ; v >>>= 7) {
        if (v < 0x80) { header.push(v); break; }
        header.push((v & 0x7f) | 0x80);
      }
      const block2 = Uint8Array.from([...header, tag, ...lenBytes, ...src]);
      expect(same(snappyDecode(block2, 1 << 20), src), `literal of ${len}`).toBe(true);
    }
  });

  it('round-trips what the encoder makes: empty, text, repetitive, random, long runs, far copies', () => {
    const rng = createRng(7);
    const random = Uint8Array.from({ length: 200_000 }, () => rng.int(256));
    const far = new Uint8Array(300_000);
    far.set(random.subarray(0, 1000), 0);
    far.set(random.subarray(0, 1000), 150_000); // a copy more than 65,535 bytes back
    const labels = bytes('container_cpu_usage_seconds_total{namespace="shop",pod="cart-7d4b9c8f6d-x2k9p",container="cart"} '.repeat(500));
    for (const src of [new Uint8Array(0), bytes('a'), bytes('hello, world'), new Uint8Array(100_000).fill(7), random, far, labels]) {
      const block = snappyEncode(src);
      expect(same(snappyDecode(block, 1 << 20), src), `${src.length} bytes`).toBe(true);
    }
    expect(snappyEncode(labels).length).toBeLessThan(labels.length / 10);
  });

  it('decodes every copy length at every short offset (overlapping ones repeat their pattern) and literals of 1-70 bytes, from a Buffer slice too', () => {
    // Reference: what the format says, byte by byte.
    const out: number[] = [];
    const block: number[] = [];
    const literal = (len: number) => {
      const tag = len - 1 < 60 ? (len - 1) << 2 : 60 << 2;
      block.push(tag, ...(len - 1 < 60 ? [] : [len - 1]));
      for (let i = 0; i < len; i++) {
        const b = (out.length * 31 + i * 7) % 251;
        block.push(b);
        out.push(b);
      }
    };
    const copy = (offset: number, len: number) => {
      block.push(((len - 1) << 2) | 2, offset & 0xff, offset >> 8);
      for (let i = 0; i < len; i++) out.push(out[out.length - offset]);
    };
    literal(70);
    for (let offset = 1; offset <= 12; offset++) {
      for (let len = 1; len <= 64; len++) {
        copy(offset, len);
        literal(1 + ((offset + len) % 70));
      }
    }
    const header: number[] = [];
    for (let v = out.length; ; v >>>= 7) {
      if (v < 0x80) { header.push(v); break; }
      header.push((v & 0x7f) | 0x80);
    }
    const want = Uint8Array.from(out);
    const bytesIn = Uint8Array.from([...header, ...block]);
    expect(same(snappyDecode(bytesIn, 1 << 20), want)).toBe(true);
    // A Buffer at an odd offset of a larger one (as an HTTP body may be), into a reused scratch buffer.
    const pooled = Buffer.alloc(bytesIn.length + 7);
    pooled.set(bytesIn, 3);
    expect(same(snappyDecode(pooled.subarray(3, 3 + bytesIn.length), 1 << 20, new Uint8Array(1 << 20)), want)).toBe(true);
  });

  it('decodes into a scratch buffer when it is large enough', () => {
    const scratch = new Uint8Array(64);
    const out = snappyDecode(snappyEncode(bytes('reuse me')), 100, scratch);
    expect(out.buffer).toBe(scratch.buffer);
    expect(text(out)).toBe('reuse me');
    expect(snappyDecode(snappyEncode(new Uint8Array(100)), 1000, scratch).buffer).not.toBe(scratch.buffer);
  });

  it('refuses malformed blocks with an InputError that says why', () => {
    const bad: [Uint8Array, RegExp][] = [
      [new Uint8Array(0), /ends inside its length header/],
      [Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80, 0x01), /longer than 32 bits/],
      [Uint8Array.of(5, 0x10, 0x61), /ends inside the element/], // a literal of 5 with 1 byte
      [Uint8Array.of(4, 0x00, 0x61, 0x05, 0x00), /reaches 0 bytes back/], // offset 0
      [Uint8Array.of(8, 0x00, 0x61, 0x09, 0x05), /reaches 5 bytes back, before the start/],
      [Uint8Array.of(3, 0x04, 0x61, 0x62), /decompresses to 2 bytes, not the 3/],
      [Uint8Array.of(1, 0x04, 0x61, 0x62), /more than the 1 bytes its header announces/],
      [Uint8Array.of(4, 0x00, 0x61, 0x06), /ends inside the element/], // a 2-byte-offset copy cut off
    ];
    for (const [block, why] of bad) {
      let err: unknown;
      try {
        snappyDecode(block, 1000);
      } catch (e) {
        err = e;
      }
      expect(err, why.source).toBeInstanceOf(InputError);
      expect((err as Error).message).toMatch(why);
    }
    expect(() => snappyDecode(Uint8Array.of(0xe9, 0x07), 1000)).toThrow(/would decompress to 1001 bytes, more than the 1000 allowed/);
  });

  it('reads the announced length', () => {
    expect(snappyHeader(Uint8Array.of(0xfe, 0xff, 0x7f))).toEqual({ length: 2_097_150, start: 3 });
  });
});
