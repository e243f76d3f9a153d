import { describe, expect, it } from 'vitest';
import { manualClock } from './clock.js';
import { createProgress, formatDuration, NO_PROGRESS, type ProgressStream } from './progress.js';

function fakeStream(isTTY: boolean, columns?: number): ProgressStream & { text: string } {
  const s = { text: '', isTTY, columns, write: (t: string) => { s.text += t; } };
  return s;
}

describe('createProgress', () => {
  it('not on a terminal: one line per finished unit with done/total, rate and ETA', () => {
    const clock = manualClock(0);
    const stream = fakeStream(false);
    const p = createProgress({ label: 'kad evaluate', unit: 'series', total: 4, stream, now: clock.now });
    clock.advance(2000);
    p.tick('hst a.csv');
    clock.advance(2000);
    p.tick('hst b.csv');
    const lines = stream.text.split('\n');
    expect(lines[0]).toBe('kad evaluate: 1/4 series (25%), 30 series/min, ETA 6 s, 2 s elapsed: hst a.csv');
    expect(lines[1]).toBe('kad evaluate: 2/4 series (50%), 30 series/min, ETA 4 s, 4 s elapsed: hst b.csv');
    clock.advance(4000);
    p.update(4, 'done');
    p.done();
    expect(stream.text.split('\n').filter(Boolean)).toHaveLength(3);
    expect(stream.text).not.toContain('\r');
    expect(stream.text).toMatch(/4\/4 series \(100%\), 30 series\/min, 8 s elapsed: done\n$/);
  });

  it('not on a terminal, with lineEvery: a line per tenth, and the last one', () => {
    const clock = manualClock(0);
    const stream = fakeStream(false);
    const mb = (n: number) => (n / 1e6).toFixed(1);
    const p = createProgress({ label: 'kad score', unit: 'MB', total: 35e6, lineEvery: 3.5e6, format: mb, stream, now: clock.now });
    for (let b = 0; b < 35e6; b += 1e6) {
      clock.advance(100);
      p.update(b + 1e6);
    }
    const lines = stream.text.split('\n').filter(Boolean);
    expect(lines).toHaveLength(10);
    expect(lines[0]).toBe('kad score: 4.0/35.0 MB (11%), 10.0 MB/s, ETA 3 s, 0 s elapsed');
    expect(lines[9]).toMatch(/^kad score: 35\.0\/35\.0 MB \(100%\)/);
  });

  it('with quietMs: nothing until that time from the start, then as without', () => {
    const clock = manualClock(0);
    const stream = fakeStream(false);
    const p = createProgress({ label: 'kad classify train', unit: 'trees', total: 10, stream, now: clock.now, quietMs: 2000 });
    for (let t = 1; t <= 10; t++) {
      clock.advance(500);
      p.update(t);
    }
    const lines = stream.text.split('\n').filter(Boolean);
    expect(lines[0]).toMatch(/^kad classify train: 4\/10 trees/); // the first update at 2 s
    expect(lines).toHaveLength(7);
    const quick = fakeStream(false);
    const q = createProgress({ label: 'x', unit: 'trees', total: 3, stream: quick, now: clock.now, quietMs: 2000 });
    for (let t = 1; t <= 3; t++) q.update(t);
    q.done();
    expect(quick.text).toBe('');
  });

  it('on a terminal: one live line rewritten in place, at most every redrawMs, cut to the width, cleared at the end', () => {
    const clock = manualClock(0);
    const stream = fakeStream(true, 60);
    const p = createProgress({ label: 'kad evaluate', unit: 'series', total: 1000, stream, now: clock.now });
    for (let i = 0; i < 1000; i++) {
      clock.advance(10);
      p.tick(`zmax series-${i}.csv with a long name that does not fit`);
    }
    const draws = stream.text.split('\r').filter(Boolean);
    expect(draws.length).toBeGreaterThan(80);
    expect(draws.length).toBeLessThan(110); // 10 s of work, a redraw each 100 ms, and the last
    expect(stream.text).not.toContain('\n');
    for (const d of draws) expect(d.replace('\x1b[K', '').length).toBeLessThanOrEqual(59);
    expect(draws[draws.length - 1]).toMatch(/^kad evaluate: 1000\/1000 series \(100%\), 100 series\/s, 10 s e/);
    p.clear(); // a message may follow on a clean line
    expect(stream.text.endsWith('\r\x1b[K')).toBe(true);
    stream.write('a message\n');
    p.update(1000);
    expect(stream.text).toMatch(/a message\n\rkad evaluate: 1000\/1000/);
    p.done();
    expect(stream.text.endsWith('\r\x1b[K')).toBe(true);
    p.tick('after the end');
    expect(stream.text.endsWith('\r\x1b[K')).toBe(true);
  });

  it('without a total: the count and the rate; the total may come later', () => {
    const clock = manualClock(0);
    const stream = fakeStream(false);
    const p = createProgress({ label: 'kad train', unit: 'steps', stream, now: clock.now });
    clock.advance(500);
    p.tick();
    expect(stream.text).toBe('kad train: 1 steps, 2 steps/s, 1 s elapsed\n');
    p.setTotal(3);
    clock.advance(500);
    p.tick();
    expect(stream.text.split('\n')[1]).toBe('kad train: 2/3 steps (66%), 2 steps/s, ETA 1 s, 1 s elapsed');
  });

  it('NO_PROGRESS writes nothing; durations read naturally', () => {
    NO_PROGRESS.tick('x');
    NO_PROGRESS.done();
    expect(formatDuration(0.4)).toBe('0 s');
    expect(formatDuration(59)).toBe('59 s');
    expect(formatDuration(185)).toBe('3 min 05 s');
    expect(formatDuration(7620)).toBe('2 h 07 min');
  });
});
