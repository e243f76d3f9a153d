/**
 * Protobuf decoding of Prometheus's remote-write 1.0 `prometheus.WriteRequest`, on the bytes as they
 * are, with no object per series or sample:
 *
 * ```proto
 * message WriteRequest { repeated TimeSeries timeseries = 1; reserved 2; repeated MetricMetadata metadata = 3; }
 * message TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2; repeated Exemplar exemplars = 3; repeated Histogram histograms = 4; }
 * message Label        { string name = 1; string value = 2; }
 * message Sample       { double value = 1; int64 timestamp = 2; }
 * ```
 *
 * {@link WriteRequestDecoder} hands each TimeSeries' label fields to a sink as a byte range (the
 * sink hashes them to find its series, or reads them with a {@link LabelCursor} when it has not seen
 * them), then each of its samples as numbers. Metadata, exemplars and native histograms are skipped.
 * Unknown fields are skipped as protobuf wants; anything that does not parse (a varint or length
 * that runs past its message, a wire type protobuf does not have) is an {@link InputError} naming
 * the byte offset.
 */
import { InputError } from '../core/errors.js';

/** What a WriteRequest is decoded into. */
export interface WriteRequestSink {
  /**
   * One TimeSeries' labels: bytes [lo, hi) of `buf` are its Label fields, each `0x0a <len> <Label>`,
   * in the order sent (read them with a {@link LabelCursor}). Returns a handle its samples are
   * passed with, or -1 to have them skipped. `buf` is only valid during the call.
   */
  series(buf: Uint8Array, lo: number, hi: number): number;
  /** One sample of the series `handle`: epoch ms and value (NaN for Prometheus's staleness marker). */
  sample(handle: number, t: number, v: number): void;
}

/** What one WriteRequest held. */
export interface DecodeCounts {
  series: number;
  samples: number;
}

const TWO_63 = 2 ** 63;

/** The negative int64 whose 10-byte varint is bytes [lo, hi) of `buf` (exact, unlike float arithmetic there). */
function negativeInt64(buf: Uint8Array, lo: number, hi: number): number {
  let v = 0n;
  for (let i = hi - 1; i >= lo; i--) v = (v << 7n) | BigInt(buf[i] & 0x7f);
  return Number(BigInt.asIntN(64, v));
}

function growInt32(a: Int32Array): Int32Array {
  const b = new Int32Array(2 * a.length);
  b.set(a);
  return b;
}

/** Reads varints and skips fields of a protobuf message in [pos, end); `what` names it in errors. */
class Reader {
  buf: Uint8Array = new Uint8Array(0);
  pos = 0;

  /** The varint at `pos` (below 2^64, exact below 2^53), up to `end`. */
  varint(end: number): number {
    const b = this.buf;
    let p = this.pos;
    if (p < end && b[p] < 0x80) {
      this.pos = p + 1;
      return b[p];
    }
    let v = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++, scale *= 128) {
      if (p >= end) throw new InputError(`protobuf: a varint runs past the end of its message at byte ${p}`);
      const x = b[p++];
      v += (x & 0x7f) * scale;
      if (x < 0x80) {
        this.pos = p;
        return v;
      }
    }
    throw new InputError(`protobuf: a varint longer than 10 bytes at byte ${this.pos}`);
  }

  /** The end of the length-delimited payload at `pos` (moved to its start), checked against `end`. */
  length(end: number): number {
    const len = this.varint(end);
    const stop = this.pos + len;
    if (stop > end) throw new InputError(`protobuf: a field of ${len} bytes at byte ${this.pos} runs past the end of its message (byte ${end})`);
    return stop;
  }

  /** Skips one field of wire type `wire` whose tag was just read. */
  skip(wire: number, end: number): void {
    switch (wire) {
      case 0:
        this.varint(end);
        return;
      case 1:
        this.pos += 8;
        break;
      case 2:
        this.pos = this.length(end);
        return;
      case 5:
        this.pos += 4;
        break;
      default:
        throw new InputError(`protobuf: wire type ${wire} at byte ${this.pos} (not one of 0, 1, 2, 5): the body is not a WriteRequest`);
    }
    if (this.pos > end) throw new InputError(`protobuf: a fixed-size field runs past the end of its message (byte ${end})`);
  }
}

/**
 * Walks the Label fields of a TimeSeries' label bytes (as {@link WriteRequestSink.series} gets them)
 * without allocating: after each `next()` that returns true, the name is bytes [nameLo, nameHi) and
 * the value [valueLo, valueHi) of `buf`.
 */
export class LabelCursor {
  nameLo = 0;
  nameHi = 0;
  valueLo = 0;
  valueHi = 0;
  private readonly r = new Reader();
  private end = 0;

  /** Starts at the label bytes [lo, hi) of `buf`. */
  reset(buf: Uint8Array, lo: number, hi: number): this {
    this.r.buf = buf;
    this.r.pos = lo;
    this.end = hi;
    return this;
  }

  /** Moves to the next label; false after the last. Throws {@link InputError} on bytes that do not parse. */
  next(): boolean {
    const r = this.r;
    while (r.pos < this.end) {
      const tag = r.varint(this.end);
      if (tag !== 0x0a) {
        r.skip(tag & 7, this.end);
        continue;
      }
      const stop = r.length(this.end);
      this.nameLo = this.nameHi = this.valueLo = this.valueHi = r.pos;
      while (r.pos < stop) {
        const t = r.varint(stop);
        if (t === 0x0a || t === 0x12) {
          const e = r.length(stop);
          if (t === 0x0a) {
            this.nameLo = r.pos;
            this.nameHi = e;
          } else {
            this.valueLo = r.pos;
            this.valueHi = e;
          }
          r.pos = e;
        } else {
          r.skip(t & 7, stop);
        }
      }
      return true;
    }
    return false;
  }
}

/** Decodes WriteRequests into a {@link WriteRequestSink}. One decoder serves one request at a time. */
export class WriteRequestDecoder {
  private readonly r = new Reader();
  private view: DataView = new DataView(new ArrayBuffer(0));
  /** Label fields of a series that interleaves them with other fields, copied together. */
  private scratch = new Uint8Array(1024);
  /** [start, end) of each Sample of the series being decoded. */
  private samples: Int32Array = new Int32Array(64);

  /** Decodes `buf` (a whole WriteRequest) into `sink`. Throws {@link InputError} when it does not parse. */
  decode(buf: Uint8Array, sink: WriteRequestSink): DecodeCounts {
    const r = this.r;
    r.buf = buf;
    r.pos = 0;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const counts: DecodeCounts = { series: 0, samples: 0 };
    const end = buf.length;
    while (r.pos < end) {
      const tag = r.varint(end);
      if (tag !== 0x0a) {
        r.skip(tag & 7, end);
        continue;
      }
      const stop = r.length(end);
      counts.samples += this.timeSeries(r.pos, stop, sink);
      counts.series++;
      r.pos = stop;
    }
    return counts;
  }

  /** One TimeSeries in [lo, hi): its labels to the sink, then its samples. Returns the samples read. */
  private timeSeries(lo: number, hi: number, sink: WriteRequestSink): number {
    const r = this.r;
    // One walk over its fields: where the label fields are (normally one run at the start) and the samples.
    let labelsLo = -1;
    let labelsHi = -1;
    let split = false;
    let n = 0;
    while (r.pos < hi) {
      const at = r.pos;
      const tag = r.varint(hi);
      if (tag === 0x0a) {
        const e = r.length(hi);
        if (labelsLo < 0) labelsLo = at;
        else if (at !== labelsHi) split = true;
        labelsHi = e;
        r.pos = e;
      } else if (tag === 0x12) {
        const e = r.length(hi);
        if (2 * n + 2 > this.samples.length) this.samples = growInt32(this.samples);
        this.samples[2 * n] = r.pos;
        this.samples[2 * n + 1] = e;
        n++;
        r.pos = e;
      } else {
        r.skip(tag & 7, hi);
      }
    }
    let handle: number;
    if (labelsLo < 0) handle = sink.series(r.buf, lo, lo);
    else if (!split) handle = sink.series(r.buf, labelsLo, labelsHi);
    else handle = this.splitLabels(lo, hi, sink);
    for (let k = 0; k < n; k++) {
      r.pos = this.samples[2 * k];
      const stop = this.samples[2 * k + 1];
      let v = 0;
      let t = 0;
      while (r.pos < stop) {
        const f = r.varint(stop);
        if (f === 0x09) {
          if (r.pos + 8 > stop) throw new InputError(`protobuf: a sample's value runs past the end of its message at byte ${r.pos}`);
          v = this.view.getFloat64(r.pos, true);
          r.pos += 8;
        } else if (f === 0x10) {
          const at = r.pos;
          t = r.varint(stop);
          if (t >= TWO_63) t = negativeInt64(r.buf, at, r.pos);
        } else {
          r.skip(f & 7, stop);
        }
      }
      if (handle !== -1) sink.sample(handle, t, v);
    }
    r.pos = hi;
    return n;
  }

  /** The label fields of a series that interleaves them with others, copied into one run for the sink. */
  private splitLabels(lo: number, hi: number, sink: WriteRequestSink): number {
    const r = this.r;
    const buf = r.buf;
    let n = 0;
    r.pos = lo;
    while (r.pos < hi) {
      const at = r.pos;
      const tag = r.varint(hi);
      if (tag !== 0x0a) {
        r.skip(tag & 7, hi);
        continue;
      }
      const e = r.length(hi);
      if (n + e - at > this.scratch.length) {
        const bigger = new Uint8Array(Math.max(2 * this.scratch.length, n + e - at));
        bigger.set(this.scratch.subarray(0, n));
        this.scratch = bigger;
      }
      this.scratch.set(buf.subarray(at, e), n);
      n += e - at;
      r.pos = e;
    }
    return sink.series(this.scratch, 0, n);
  }
}
