/**
 * Property-based tests of the CSV reader (src/sources/csv.ts, csv-fields.ts) and of `kad score` run as
 * a function on generated files: headers with the time column anywhere, times as epoch seconds, ISO
 * 8601 or `YYYY-MM-DD HH:MM:SS` that repeat, go backward and jump, values that are ordinary, huge,
 * tiny, missing (empty, NaN, null), out of range (1e309), infinite or not numbers at all, quoted and
 * padded fields, CRLF, a BOM, wrong field counts, and files of random text or bytes. Each case is
 * read, or rejected with a coded error; a file that is read has one row per data line, finite
 * never-decreasing times and finite-or-missing values, reads the same in small blocks as whole and
 * the same with every field quoted (the careful path) as plain (the byte path); `kad score` writes one
 * `timestamp,score,is_anomaly` row per input row with a score in [0, 1].
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KadError } from '../../src/core/errors.js';
import { scoreCommand } from '../../src/cli/score.js';
import { parseCsvSeries, readCsvBlocks, type CsvSeries } from '../../src/sources/csv.js';
import { captureIO } from '../helpers.js';
import { tempDir } from '../integration.js';
import { anyNumber, outcomeOf, outcomeOfAsync, params, runs, Tally, timeline } from './fuzz.testkit.js';

/** A generated file: its lines (header first) and, when every data line is well formed, how many rows it has. */
interface CsvCase {
  lines: string[];
  eol: '\n' | '\r\n';
  bom: boolean;
  trailingBlank: boolean;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** `arb`'s value with probability `p`, else null. */
function sometimes<T>(arb: fc.Arbitrary<T>, p: number): fc.Arbitrary<T | null> {
  return fc.oneof({ weight: Math.round(100 * p), arbitrary: arb }, { weight: Math.round(100 * (1 - p)), arbitrary: fc.constant(null) });
}

/** A time in one of the forms kad reads: epoch seconds (with or without decimals), ISO 8601, `YYYY-MM-DD HH:MM:SS`. */
function timeText(t: number): fc.Arbitrary<string> {
  const d = new Date(t);
  const space = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  return fc.oneof(
    { weight: 8, arbitrary: fc.constant(String(Math.floor(t / 1000))) },
    { weight: 2, arbitrary: fc.constant((t / 1000).toFixed(3)) },
    { weight: 2, arbitrary: fc.constant(d.toISOString()) },
    { weight: 2, arbitrary: fc.constant(space) },
    { weight: 1, arbitrary: fc.constantFrom(`"${space}"`, ` ${Math.floor(t / 1000)} `, `${space.replace(' ', 'T')}+02:00`) },
  );
}

/** A value field kad reads: a number as a program prints it (huge and tiny ones included), or a missing value. */
const valueText: fc.Arbitrary<string> = fc.oneof(
  { weight: 10, arbitrary: anyNumber(false).map(String) },
  { weight: 1, arbitrary: fc.constantFrom('', 'NaN', 'nan', 'null', 'NULL', ' 12 ', '"3.5"', '"1e3"', '+7', '.5', '5.', '1e-320') },
);

/** A field that is not a time or not a number (or out of range), put in one line of some files. */
const oddField: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('Infinity', '-Infinity', '1e309', '-1e309', '0x10', '1_000', '١٢', 'abc', '1,5', 'yesterday', '2024-13-45 25:61:61', '1e400', '-', '"', '""', '"a""b"', '\u0000'),
  fc.string({ maxLength: 6 }),
);

/** A generated file of `minRows` to 40 data lines (some odd, see {@link oddField}). */
const csvCase = (minRows = 0): fc.Arbitrary<CsvCase> => fc
  .record({
    cols: fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 1, max: 3 }) }, { weight: 1, arbitrary: fc.constant(0) }),
    n: fc.integer({ min: minRows, max: 40 }),
    timeName: fc.oneof({ weight: 9, arbitrary: fc.constantFrom('timestamp', 'time', 'Timestamp', ' time ') }, { weight: 1, arbitrary: fc.constant('when') }),
  })
  .chain(({ cols, n, timeName }) =>
    fc.record({
      tcol: fc.integer({ min: 0, max: cols }),
      names: fc.array(fc.constantFrom('value', 'cpu', 'mem bytes', '"a,b"', 'v'), { minLength: cols, maxLength: cols }),
      times: timeline(n).chain((ts) => fc.tuple(...ts.map(timeText))),
      values: fc.array(fc.array(valueText, { minLength: cols, maxLength: cols }), { minLength: n, maxLength: n }),
      // In some files one field is odd, or one line has a field too many or too few.
      odd: sometimes(fc.tuple(fc.nat(), fc.nat(), oddField), 1 / 3),
      ragged: sometimes(fc.tuple(fc.nat(), fc.boolean()), 1 / 10),
      eol: fc.constantFrom('\n' as const, '\r\n' as const),
      bom: fc.boolean(),
      trailingBlank: fc.boolean(),
    }).map(({ tcol, names, times, values, odd, ragged, eol, bom, trailingBlank }) => {
      const header: string[] = [...names];
      header.splice(tcol, 0, timeName);
      const rows = values.map((v, i) => {
        const f = [...v];
        f.splice(tcol, 0, times[i]);
        return f;
      });
      if (odd && rows.length) rows[odd[0] % rows.length][odd[1] % (cols + 1)] = odd[2];
      const lines = [header.join(','), ...rows.map((f) => f.join(','))];
      if (ragged && lines.length > 1) {
        const i = 1 + (ragged[0] % (lines.length - 1));
        lines[i] = ragged[1] ? `${lines[i]},9` : lines[i].slice(0, Math.max(0, lines[i].lastIndexOf(',')));
      }
      return { lines, eol, bom, trailingBlank };
    }),
  );

function csvText(c: CsvCase): string {
  return (c.bom ? '\uFEFF' : '') + c.lines.join(c.eol) + (c.trailingBlank ? `${c.eol}${c.eol}` : '');
}

/** Checks what a file that was read must hold. */
function expectWellRead(s: CsvSeries, dataLines: number): void {
  const { frame } = s;
  expect(frame.rows).toBe(dataLines);
  expect(frame.times.length).toBe(frame.rows);
  expect(s.timeText.length).toBe(frame.rows);
  expect(frame.data.length).toBe(frame.rows * frame.cols);
  for (let i = 0; i < frame.rows; i++) {
    if (!Number.isFinite(frame.times[i])) expect.fail(`time of row ${i} is ${frame.times[i]}`);
    if (i > 0 && frame.times[i] < frame.times[i - 1]) expect.fail(`time of row ${i} goes backward`);
  }
  for (let k = 0; k < frame.data.length; k++) {
    const v = frame.data[k];
    if (!(Number.isFinite(v) || Number.isNaN(v))) expect.fail(`value ${k} is ${v}: only finite numbers or NaN (missing) may be read`);
  }
}

/** The same series (times, values with NaN equal to NaN, time texts), as two readings must give. */
function expectSameSeries(a: { times: number[]; data: number[]; texts: string[] }, b: { times: number[]; data: number[]; texts: string[] }): void {
  expect(b.times).toEqual(a.times);
  expect(b.data.length).toBe(a.data.length);
  for (let k = 0; k < a.data.length; k++) if (!Object.is(a.data[k], b.data[k])) expect.fail(`value ${k}: ${a.data[k]} vs ${b.data[k]}`);
  expect(b.texts).toEqual(a.texts);
}

const flat = (s: CsvSeries) => ({ times: Array.from(s.frame.times), data: Array.from(s.frame.data), texts: s.timeText.toArray() });

/** Every field quoted (so the careful path reads every line), for lines without quotes. */
function quoteAll(c: CsvCase): CsvCase | null {
  if (c.lines.some((l) => l.includes('"'))) return null;
  return { ...c, lines: [c.lines[0], ...c.lines.slice(1).map((l) => l.split(',').map((f) => `"${f}"`).join(','))] };
}

describe('fuzz: the CSV reader', () => {
  const reader = new Tally('CSV reader (generated files)');
  const garbage = new Tally('CSV reader (random and corrupted files)');
  const score = new Tally('kad score (generated files)');
  let dir = '';
  let fileNo = 0;
  const write = (text: string | Uint8Array): string => {
    const p = join(dir, `f${fileNo++}.csv`);
    writeFileSync(p, text);
    return p;
  };
  beforeAll(() => {
    dir = tempDir('fuzz-csv');
    mkdirSync(dir, { recursive: true });
  });
  afterAll(() => {
    for (const t of [reader, garbage, score]) t.report();
    rmSync(dir, { recursive: true, force: true });
  });

  const N_READER = runs(400);
  it(`reads a generated file, or rejects it with a coded error; whole, in blocks and quoted alike (${N_READER} files)`, () => {
    fc.assert(
      fc.property(csvCase(), fc.integer({ min: 16, max: 256 }), (c, blockBytes) => {
        const text = csvText(c);
        let whole: CsvSeries | undefined;
        const outcome = reader.add(outcomeOf('parseCsvSeries', () => { whole = parseCsvSeries(text, 'in.csv'); }));
        if (whole) expectWellRead(whole, c.lines.length - 1);
        // In blocks (as `kad score` reads), the same rows or the same error.
        const path = write(text);
        const blocks: CsvSeries[] = [];
        const blockOutcome = outcomeOf('readCsvBlocks', () => { for (const b of readCsvBlocks(path, {}, blockBytes)) blocks.push(b); });
        if (outcome === 'ok') {
          expect(blockOutcome).toBe('ok');
          const joined = { times: blocks.flatMap((b) => Array.from(b.frame.times)), data: blocks.flatMap((b) => Array.from(b.frame.data)), texts: blocks.flatMap((b) => b.timeText.toArray()) };
          expectSameSeries(flat(whole!), joined);
        } else if (text.includes('\u0000')) {
          // A file with a NUL byte is refused as a whole before any parsing (not a text file); the string parser names the field.
          expect(blockOutcome === 'ok' ? 'ok' : blockOutcome.message.replace(path, 'in.csv')).toMatch(/^in\.csv: not a text file: a NUL byte at byte offset \d+ \(line \d+\)/);
        } else {
          expect(blockOutcome === 'ok' ? 'ok' : blockOutcome.message.replace(path, 'in.csv')).toBe(outcome.message);
        }
        // Every field quoted: the careful path gives what the byte path gave.
        const quoted = quoteAll(c);
        if (quoted && outcome === 'ok') {
          const q = parseCsvSeries(csvText(quoted), 'in.csv');
          expectSameSeries(flat(whole!), flat(q));
        }
      }),
      params(N_READER),
    );
  });

  const N_GARBAGE = runs(300);
  it(`reads random text, random bytes and generated files with bytes changed, or rejects them with a coded error (${N_GARBAGE} files)`, () => {
    const header = fc.constantFrom('', 'timestamp,value\n', 'time,a,b\r\n', '\uFEFFtimestamp,value\n');
    const random = fc.tuple(header, fc.oneof(
      fc.string({ maxLength: 300, unit: 'binary' }),
      fc.string({ maxLength: 300, unit: fc.constantFrom(...'0123456789,.-+eE"\n\r :TZnaul'.split('')) }),
      fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString('latin1')),
    )).map(([h, b]) => Buffer.from(h + b, 'utf8'));
    // A file kad reads with 1 to 4 bytes replaced, removed or inserted.
    const edit = fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('replace', 'remove', 'insert'));
    const mutated = fc.tuple(csvCase(1), fc.array(edit, { minLength: 1, maxLength: 4 })).map(([c, edits]) => {
      const b = [...Buffer.from(csvText(c), 'utf8')];
      for (const [at, byte, how] of edits) {
        const i = at % (b.length + 1);
        if (how === 'insert') b.splice(i, 0, byte);
        else if (i < b.length) b.splice(i, 1, ...(how === 'replace' ? [byte] : []));
      }
      return Buffer.from(b);
    });
    fc.assert(
      fc.property(fc.oneof(random, mutated), fc.boolean(), (bytes, asText) => {
        garbage.add(outcomeOf('parseCsvSeries', () => {
          const s = parseCsvSeries(asText ? bytes.toString('utf8') : bytes, 'in.csv');
          expectWellRead(s, s.frame.rows);
        }));
      }),
      params(N_GARBAGE),
    );
  });

  const KINDS = ['adaptive', 'zmax', 'hst', 'robust-z', 'seasonal-band'];
  const N_SCORE = runs(80);
  it(`kad score writes one row per input row with a score in [0, 1], or fails with a coded error (${N_SCORE} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(csvCase(1), sometimes(csvCase(1), 1 / 6), fc.constantFrom(...KINDS), sometimes(fc.constant(true), 1 / 4), async (c, train, kind, strict) => {
        const input = write(csvText(c));
        const output = join(dir, `out${fileNo++}.csv`);
        const values: Record<string, string | boolean> = { input, output, detector: kind, 'strict-time': strict === true };
        if (train) values.train = write(csvText(train));
        const io = captureIO({});
        const outcome = score.add(await outcomeOfAsync(`kad score --detector ${kind}`, () => scoreCommand.run(values, io)));
        if (outcome !== 'ok') {
          expect(outcome).toBeInstanceOf(KadError);
          return;
        }
        const expected = parseCsvSeries(csvText(c), 'in.csv');
        const lines = readFileSync(output, 'utf8').split('\n');
        expect(lines.pop()).toBe('');
        expect(lines[0]).toBe('timestamp,score,is_anomaly');
        expect(lines.length - 1).toBe(expected.frame.rows);
        for (let i = 1; i < lines.length; i++) {
          const l = lines[i];
          const b = l.lastIndexOf(','), a = l.lastIndexOf(',', b - 1);
          const s = Number(l.slice(a + 1, b));
          if (!(s >= 0 && s <= 1)) expect.fail(`row ${i}: score ${l.slice(a + 1, b)} is not in [0, 1]`);
          expect(['0', '1']).toContain(l.slice(b + 1));
          expect(l.slice(0, a)).toBe(expected.timeText.at(i - 1));
        }
      }),
      params(N_SCORE),
    );
  });
});
