import { describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { callGraph, downstreamOf, inhibitAlertStarts, TopologyInhibitor } from './topology-inhibition.js';

const MIN = 60_000;
// frontend → checkout → payment; frontend → ad; a cycle a ⇄ b.
const graph = callGraph([['frontend', 'checkout'], ['checkout', 'payment'], ['frontend', 'ad'], ['a', 'b'], ['b', 'a'], ['x', 'x']]);
/** Row times at hh:mm:19.8 for `n` minutes (series of one cluster are scraped at slightly different seconds). */
const times = (n: number, ms = 19_800): Float64Array => Float64Array.from({ length: n }, (_, i) => i * MIN + ms);
const bits = (s: string): Uint8Array => Uint8Array.from(s, (c) => (c === '1' ? 1 : 0));

describe('callGraph and downstreamOf', () => {
  it('reaches every service further down the calls, without the service itself even in a cycle', () => {
    const down = downstreamOf(graph);
    expect([...(down.get('frontend') ?? [])].sort()).toEqual(['ad', 'checkout', 'payment']);
    expect([...(down.get('checkout') ?? [])]).toEqual(['payment']);
    expect([...(down.get('a') ?? [])]).toEqual(['b']);
    expect(down.get('x')).toBeUndefined(); // self-calls are ignored
    expect(down.get('payment')).toBeUndefined();
  });
});

describe('inhibitAlertStarts', () => {
  it('holds a caller\'s alert while a service it calls (at any depth) fires, and sends it once nothing downstream fires', () => {
    const [fe, pay] = inhibitAlertStarts([
      { service: 'frontend', times: times(10), firing: bits('0111110000') },
      { service: 'payment', times: times(10, 20_100), firing: bits('0011000000') },
    ], graph);
    // Minute 1: nothing downstream fires yet, so the frontend's alert is sent at once.
    expect([...fe]).toEqual([...bits('0100000000')]);
    expect([...pay]).toEqual([...bits('0010000000')]);
    const [fe2] = inhibitAlertStarts([
      { service: 'frontend', times: times(10), firing: bits('0011110000') },
      { service: 'payment', times: times(10, 20_100), firing: bits('0011000000') },
    ], graph);
    // Held at minutes 2–3 while payment fires, sent at minute 4 because the frontend is still firing.
    expect([...fe2]).toEqual([...bits('0000100000')]);
  });

  it('drops an alert inhibited for its whole run, and never lets a caller or a sibling inhibit', () => {
    const [fe, checkout, ad] = inhibitAlertStarts([
      { service: 'frontend', times: times(8), firing: bits('00110000') },
      { service: 'checkout', times: times(8), firing: bits('01111000') },
      { service: 'ad', times: times(8), firing: bits('00011000') },
    ], graph);
    expect(fe.every((v) => v === 0)).toBe(true);
    expect([...checkout]).toEqual([...bits('01000000')]); // its caller firing does not hold it
    expect([...ad]).toEqual([...bits('00010000')]); // nor does a sibling (checkout)
  });

  it('looks back lookbackSteps ticks when asked to', () => {
    const series = [
      { service: 'checkout', times: times(6), firing: bits('000110') },
      { service: 'payment', times: times(6), firing: bits('010000') },
    ];
    expect([...inhibitAlertStarts(series, graph)[0]]).toEqual([...bits('000100')]);
    // Payment fired at minute 1: with 2 ticks of look-back it holds minute 3, not minute 4, when the alert is sent.
    expect([...inhibitAlertStarts(series, graph, { lookbackSteps: 2 })[0]]).toEqual([...bits('000010')]);
    expect([...inhibitAlertStarts(series, graph, { lookbackSteps: 3 })[0]]).toEqual([...bits('000000')]);
    expect([...inhibitAlertStarts(series, graph, { lookbackSteps: 1 })[0]]).toEqual([...bits('000100')]);
  });

  it('refuses bad settings with InputError', () => {
    expect(() => inhibitAlertStarts([], graph, { stepMs: 0 })).toThrow(InputError);
    expect(() => new TopologyInhibitor(graph, { lookbackSteps: 1.5 })).toThrow(/lookbackSteps/);
  });
});

describe('TopologyInhibitor (streaming)', () => {
  it('decides as the batch function does when each tick is recorded before it is decided', () => {
    const series = [
      { service: 'frontend', times: times(12), firing: bits('011111000110') },
      { service: 'checkout', times: times(12, 20_300), firing: bits('001100000110') },
      { service: 'payment', times: times(12, 19_100), firing: bits('000001100000') },
    ];
    const batch = inhibitAlertStarts(series, graph);
    const inh = new TopologyInhibitor(graph);
    const streamed = series.map(() => new Uint8Array(12));
    const sent = series.map(() => false);
    for (let i = 0; i < 12; i++) {
      for (const s of series) inh.record(s.service, s.times[i], s.firing[i] === 1);
      series.forEach((s, k) => {
        if (!s.firing[i]) sent[k] = false;
        else if (!sent[k] && !inh.inhibited(s.service, s.times[i])) {
          streamed[k][i] = 1;
          sent[k] = true;
        }
      });
    }
    expect(streamed.map((a) => [...a])).toEqual(batch.map((a) => [...a]));
    expect(batch[0].some((v) => v === 1)).toBe(true);
  });
});
