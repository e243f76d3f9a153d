/**
 * Snappy's block format (https://github.com/google/snappy/blob/main/format_description.txt), the
 * decoding half: what Prometheus's remote write (`Content-Encoding: snappy`) compresses each request
 * with. No framing format, no checksums: a varint of the uncompressed length, then literals and
 * back-references (copies) of 1, 2 or 4 offset bytes.
 *
 * Decodes into a buffer the caller may reuse between calls (a receiver decodes one request at a time),
 * so a steady stream of requests allocates nothing here. Long literals and non-overlapping copies are
 * copied natively (`copyWithin`, `set`); short ones byte by byte, which is faster than a native call.
 */
import { InputError } from '../core/errors.js';

/** Copies at least this long go through a native copy; shorter ones byte by byte. */
const NATIVE_COPY = 16;

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
  if (length > maxLength) throw new InputError(`snappy: the body would decompress to ${length} bytes, more than the ${maxLength} allowed`);
  const dst = scratch && scratch.length >= length ? scratch.subarray(0, length) : new Uint8Array(length);
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
      if (len >= NATIVE_COPY) dst.set(src.subarray(s, s + len), d);
      else for (let i = 0; i < len; i++) dst[d + i] = src[s + i];
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
    if (offset === 0 || offset > d) throw new InputError(`snappy: a copy at output byte ${d} reaches ${offset} bytes back, before the start`);
    if (d + len > length) throw over(length);
    const from = d - offset;
    // An overlapping copy (offset < len) repeats the pattern: it must go byte by byte.
    if (len >= NATIVE_COPY && offset >= len) dst.copyWithin(d, from, from + len);
    else for (let i = 0; i < len; i++) dst[d + i] = dst[from + i];
    d += len;
  }
  if (d !== length) throw new InputError(`snappy: the body decompresses to ${d} bytes, not the ${length} its header announces`);
  return dst;
}

function cut(at: number): InputError {
  return new InputError(`snappy: the body ends inside the element at byte ${at}`);
}

function over(length: number): InputError {
  return new InputError(`snappy: the body decompresses to more than the ${length} bytes its header announces`);
}
