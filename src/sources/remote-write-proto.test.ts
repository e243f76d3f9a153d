import { describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { LabelCursor, WriteRequestDecoder, type WriteRequestSink } from './remote-write-proto.js';
import { encodeWriteRequest, STALE_NAN, type WriteSeries } from './remote-write.testkit.js';

/** A sink that collects everything as objects (tests only). */
function collect(buf: Uint8Array, skip: (labels: Record<string, string>) => boolean = () => false) {
  const series: { labels: Record<string, string>; samples: [number, number][] }[] = [];
  const cursor = new LabelCursor();
  const text = (b: Uint8Array, lo: number, hi: number) => Buffer.from(b.subarray(lo, hi)).toString();
  const sink: WriteRequestSink = {
    series(b, lo, hi) {
      const labels: Record<string, string> = {};
      cursor.reset(b, lo, hi);
      while (cursor.next()) labels[text(b, cursor.nameLo, cursor.nameHi)] = text(b, cursor.valueLo, cursor.valueHi);
      series.push({ labels, samples: [] });
      return skip(labels) ? -1 : series.length - 1;
    },
    sample(h, t, v) {
      series[h].samples.push([t, v]);
    },
  };
  const counts = new WriteRequestDecoder().decode(buf, sink);
  return { series, counts };
}

const SERIES: WriteSeries[] = [
  { labels: { __name__: 'container_memory_working_set_bytes', namespace: 'shop', pod: 'cart-0', container: 'cart' }, samples: [{ t: 1_700_000_000_000, v: 123.5 }, { t: 1_700_000_015_000, v: 124 }] },
  { labels: { __name__: 'kube_pod_info', namespace: 'shop', pod: 'cart-0', node: 'ñode-1' }, samples: [{ t: 1_700_000_000_000, v: 1 }] },
  { labels: { __name__: 'up' }, samples: [{ t: -5000, v: STALE_NAN }] },
];

/** Protobuf bytes by hand: a tag, then a length-delimited payload. */
const field = (tag: number, payload: number[]) => [tag, payload.length, ...payload];
const str = (s: string) => [...Buffer.from(s)];

describe('WriteRequestDecoder', () => {
  it('decodes series, labels and samples as sent (negative timestamps, staleness NaN included)', () => {
    const { series, counts } = collect(encodeWriteRequest(SERIES));
    expect(counts).toEqual({ series: 3, samples: 4 });
    expect(series.map((s) => s.labels)).toEqual(SERIES.map((s) => s.labels));
    expect(series[0].samples).toEqual([[1_700_000_000_000, 123.5], [1_700_000_015_000, 124]]);
    expect(series[2].samples[0][0]).toBe(-5000);
    expect(series[2].samples[0][1]).toBeNaN();
  });

  it('skips the samples of a series the sink returns -1 for, and counts them', () => {
    const { series, counts } = collect(encodeWriteRequest(SERIES), (l) => l.__name__ === 'container_memory_working_set_bytes');
    expect(series[0].samples).toEqual([]);
    expect(counts.samples).toBe(4);
  });

  it('skips fields it does not know (metadata, exemplars, histograms, unknown wire types 0/1/5) and reads labels interleaved with samples', () => {
    const label = (n: string, v: string) => field(0x0a, [...field(0x0a, str(n)), ...field(0x12, str(v))]);
    const sample = field(0x12, [0x09, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0x10, 0x07]); // 1.0 at t=7
    const exemplar = field(0x1a, [0x09, 1, 2, 3, 4, 5, 6, 7, 8]);
    const ts = [...label('__name__', 'm'), ...sample, ...exemplar, ...label('pod', 'p'), 0x28, 0x96, 0x01, 0x35, 1, 2, 3, 4];
    const metadata = field(0x1a, [...field(0x22, str('help'))]);
    const body = Uint8Array.from([...metadata, ...field(0x0a, ts), 0x11, 1, 2, 3, 4, 5, 6, 7, 8]);
    const { series, counts } = collect(body);
    expect(counts).toEqual({ series: 1, samples: 1 });
    expect(series[0]).toEqual({ labels: { __name__: 'm', pod: 'p' }, samples: [[7, 1]] });
  });

  it('refuses bytes that do not parse, naming the offset', () => {
    const sink: WriteRequestSink = { series: () => 0, sample: () => {} };
    const bad: [number[], RegExp][] = [
      [[0x0a, 0x05, 0x0a], /runs past the end of its message/],
      [[0x0a], /varint runs past the end/],
      [[0x0b], /wire type 3 at byte 1/],
      [[0x0a, 0x02, 0x12, 0x05], /a field of 5 bytes at byte 4 runs past the end of its message \(byte 4\)/],
      [[0x0a, 0x04, 0x12, 0x02, 0x09, 0x00], /a sample's value runs past the end/],
      [[0x09, 1, 2], /fixed-size field runs past the end/],
      [[0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], /varint longer than 10 bytes/],
    ];
    for (const [b, why] of bad) {
      let err: unknown;
      try {
        new WriteRequestDecoder().decode(Uint8Array.from(b), sink);
      } catch (e) {
        err = e;
      }
      expect(err, why.source).toBeInstanceOf(InputError);
      expect((err as Error).message).toMatch(why);
    }
  });

  it('a label cursor refuses a label that does not parse', () => {
    const c = new LabelCursor().reset(Uint8Array.of(0x0a, 0x03, 0x0a, 0x05, 0x61), 0, 5);
    expect(() => c.next()).toThrow(/runs past the end/);
  });
});
