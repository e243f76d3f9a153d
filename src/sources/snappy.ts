/**
 * Snappy's block format (https://github.com/google/snappy/blob/main/format_description.txt), the
 * decoding half: what Prometheus's remote write (`Content-Encoding: snappy`) compresses each request
 * with. No framing format, no checksums: a varint of the uncompressed length, then literals and
 * back-references (copies) of 1, 2 or 4 offset bytes.
 *
 * Decodes into a buffer the caller may reuse between calls (a receiver decodes one request at a time),
 * so a steady stream of requests allocates nothing here. Copies (4 to 64 bytes each, thousands per
 * request) and short literals are copied four bytes at a time through a DataView: a native copy
 * (`copyWithin`, `set`) costs a call into C++ that is dearer than these short runs; only long
 * literals are copied natively.
 *
 * Error messages are built in separate functions, never inline in the loop: with a template literal
 * in the loop's throw, V8's optimized code converted its numbers to strings on every copy, not only
 * when it threw (a third of the decoding time, measured with perf).
 */
import { InputError } from '../core/errors.js';

/** Literals at least this long go through a native copy; shorter ones four bytes at a time. */
const NATIVE_COPY = 64;

/**
 * The uncompressed length a snappy block announces (its leading varint), and where its elements
 * start. Throws {@link InputError} when the varint is cut off or longer than 32 bits.
 */
export function snappyHeader(src: Uint8Array): { length: number; start: number } {
  let length = 0;
  for (let i = 0, shift = 1; i < 5; i++, shift *= 128) {
    if (i >= src.length) throw new InputError('snappy: the body ends inside its length header');
    const b = src[i];
    length += (b & 0x7f) * shift;
    if (b < 0x80) {
      if (length > 0xffffffff) break;
      return { length, start: i + 1 };
    }
  }
  throw new InputError('snappy: the length header is longer than 32 bits');
}

/**
 * Decodes a snappy block. The result is a view of `scratch` when that is large enough (it is then
 * valid until the next call that reuses `scratch`), else of a new buffer. Throws {@link InputError}
 * when the block is malformed (an element that runs past the input, a copy reaching before the
 * start, an output longer or shorter than announced) or announces more than `maxLength` bytes.
 */
export function snappyDecode(src: Uint8Array, maxLength: number, scratch?: Uint8Array): Uint8Array {
  const { length, start } = snappyHeader(src);
  if (length > maxLength) throw tooLong(length, maxLength);
  const dst = scratch && scratch.length >= length ? scratch.subarray(0, length) : new Uint8Array(length);
  const out = new DataView(dst.buffer, dst.byteOffset, length);
  const input = new DataView(src.buffer, src.byteOffset, src.byteLength);
  const n = src.length;
  let s = start;
  let d = 0;
  while (s < n) {
    const tag = src[s++];
    const kind = tag & 3;
    if (kind === 0) {
      // Literal: length-1 in the tag's upper 6 bits, or in the next 1-4 bytes (tag values 60-63).
      let len = tag >>> 2;
      if (len >= 60) {
        const bytes = len - 59;
        if (s + bytes > n) throw cut(s);
        len = src[s] | (bytes > 1 ? src[s + 1] << 8 : 0) | (bytes > 2 ? src[s + 2] << 16 : 0);
        if (bytes > 3) len += src[s + 3] * 0x1000000;
        s += bytes;
      }
      len += 1;
      if (s + len > n) throw cut(s);
      if (d + len > length) throw over(length);
      if (len >= NATIVE_COPY) {
        // A plain view, not `src.subarray`: a Buffer's subarray runs Buffer's own constructor.
        dst.set(new Uint8Array(src.buffer, src.byteOffset + s, len), d);
      } else {
        let i = 0;
        for (; i + 4 <= len; i += 4) out.setInt32(d + i, input.getInt32(s + i, true), true);
        for (; i < len; i++) dst[d + i] = src[s + i];
      }
      s += len;
      d += len;
      continue;
    }
    let len: number;
    let offset: number;
    if (kind === 1) {
      if (s >= n) throw cut(s);
      len = 4 + ((tag >>> 2) & 7);
      offset = ((tag >>> 5) << 8) | src[s++];
    } else if (kind === 2) {
      if (s + 2 > n) throw cut(s);
      len = 1 + (tag >>> 2);
      offset = src[s] | (src[s + 1] << 8);
      s += 2;
    } else {
      if (s + 4 > n) throw cut(s);
      len = 1 + (tag >>> 2);
      offset = (src[s] | (src[s + 1] << 8) | (src[s + 2] << 16)) + src[s + 3] * 0x1000000;
      s += 4;
    }
    if (offset === 0 || offset > d) throw beforeStart(d, offset);
    if (d + len > length) throw over(length);
    const from = d - offset;
    // Forwards, four bytes at a time: an overlapping copy (offset < len) repeats the pattern, which
    // holds as long as each 4-byte read lies wholly before the write (offset >= 4); else byte by byte.
    // The last 1-3 bytes as one 4-byte copy ending at the copy's end (rewriting a few bytes just
    // written, with the same values): no byte loop after most copies.
    if (offset >= 4 && len >= 4) {
      let i = 0;
      for (; i + 4 <= len; i += 4) out.setInt32(d + i, out.getInt32(from + i, true), true);
      if (i < len) out.setInt32(d + len - 4, out.getInt32(from + len - 4, true), true);
    } else {
      for (let i = 0; i < len; i++) dst[d + i] = dst[from + i];
    }
    d += len;
  }
  if (d !== length) throw short(d, length);
  return dst;
}

function tooLong(length: number, maxLength: number): InputError {
  return new InputError(`snappy: the body would decompress to ${length} bytes, more than the ${maxLength} allowed`);
}

function beforeStart(d: number, offset: number): InputError {
  return new InputError(`snappy: a copy at output byte ${d} reaches ${offset} bytes back, before the start`);
}

function short(d: number, length: number): InputError {
  return new InputError(`snappy: the body decompresses to ${d} bytes, not the ${length} its header announces`);
}

function cut(at: number): InputError {
  return new InputError(`snappy: the body ends inside the element at byte ${at}`);
}

function over(length: number): InputError {
  return new InputError(`snappy: the body decompresses to more than the ${length} bytes its header announces`);
}
