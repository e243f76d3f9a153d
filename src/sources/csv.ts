/**
 * CSV time series: a header, a time column (`timestamp` or `time`) and numeric columns. Times may be
 * ISO 8601, `YYYY-MM-DD HH:MM:SS` (UTC) or epoch seconds. Errors name the file, line and column.
 *
 * Bad input, as documented in the README:
 * - an empty field, `NaN`, `null`, `NA`, `N/A`, `None` or another of pandas' markers (csv-text.ts
 *   `isMissingCell`) is a missing value (NaN), passed to the detector as such (every
 *   detector skips a missing feature; scores stay finite) and counted in {@link CsvNotes};
 * - any other non-number (including `Infinity` and numbers out of range) is rejected, naming file, line
 *   and column;
 * - a timestamp before an earlier row's is held at the latest time seen and scored as the next point,
 *   the way a repeated timestamp is (NAB's own files have both), and counted in {@link CsvNotes}; with
 *   `strictTime` it is rejected instead, naming both lines;
 * - gaps in time are kept as they are (no rows invented, none dropped); the streaming detectors see
 *   the next row as the next point;
 * - a constant series is valid and scores 0 until it changes.
 *
 * The file is read as bytes: numbers and the common time formats are parsed in place, without a
 * string per line or per cell; anything unusual (quotes, spaces, other time formats, more than 15
 * significant digits) falls back to the string rules above, so the values are the same either way.
 */
import { InputError } from '../core/errors.js';
import type { Frame } from '../core/frame.js';
import { quoted, quotedList } from '../core/quote.js';
import { parseDecimalBytes, parseTimeBytes, readPlainRow, SLOW, type PlainRow } from './csv-fields.js';
import { assertCsvText, isMissingCell, readInput, readLineChunks, separatorHint } from './csv-text.js';

/** How to read a CSV series. */
export interface CsvReadOptions {
  /** Reject a row whose time is before the previous row's (`--strict-time`; kad's only behaviour before). */
  strictTime?: boolean;
  /** Told once per file what was read leniently ({@link describeCsvNotes}), e.g. to print it on stderr. */
  warn?: (line: string) => void;
}

/** What was read leniently (nothing is dropped): counted so that a caller can say so once. */
export interface CsvNotes {
  /** Rows whose time was before an earlier row's: held at the latest time seen, scored as the next point. */
  backwardTimes: number;
  /** The first such row's line (1-based; 0 when none), its time text and the latest time text before it. */
  firstBackward: { line: number; time: string; latest: string; latestLine: number } | null;
  /** Empty, `NaN`, `null`, `NA`, … fields: passed on as missing values (NaN). */
  missingValues: number;
  /** Rows with at least one missing value. */
  rowsWithMissing: number;
}

/** The time column's text per row, as written (trimmed, unquoted), kept as byte ranges of the file. */
export class TimeTexts {
  /** @param overrides texts that differ from their bytes (quoted or padded fields), by row */
  constructor(
    private readonly bytes: Buffer,
    private readonly starts: Uint32Array,
    private readonly ends: Uint32Array,
    readonly length: number,
    private readonly overrides: ReadonlyMap<number, string>,
  ) {}

  /** Row `i`'s time text. */
  at(i: number): string {
    return this.overrides.get(i) ?? this.bytes.toString('utf8', this.starts[i], this.ends[i]);
  }

  /** Copies row `i`'s time text as UTF-8 into `out` at `pos`; returns the position after it. */
  copyTo(i: number, out: Buffer, pos: number): number {
    const o = this.overrides.get(i);
    if (o !== undefined) return pos + out.write(o, pos, 'utf8');
    const b = this.bytes;
    for (let k = this.starts[i], e = this.ends[i]; k < e; k++) out[pos++] = b[k];
    return pos;
  }

  /** The UTF-8 length of row `i`'s time text. */
  byteLength(i: number): number {
    const o = this.overrides.get(i);
    return o !== undefined ? Buffer.byteLength(o, 'utf8') : this.ends[i] - this.starts[i];
  }

  /** Every row's time text. */
  toArray(): string[] {
    return Array.from({ length: this.length }, (_, i) => this.at(i));
  }
}

/** A parsed CSV series. */
export interface CsvSeries {
  /** The frame of numeric columns, with `times` in epoch ms (never decreasing: see {@link CsvNotes}). */
  frame: Frame & { times: Float64Array };
  /** The time column's text per row, as written (echoed back by `kad score`). */
  timeText: TimeTexts;
  /** Name of the time column. */
  timeColumn: string;
  /** Backward times and missing values that were read leniently. */
  notes: CsvNotes;
  /** The row whose time is the latest seen (-1: a row before this block of a longer file). */
  latestRow: number;
  /** {@link readCsvBlocks}: the file's bytes up to the end of this block (for progress). */
  endByte?: number;
}

const TIME_COLUMNS = ['timestamp', 'time'];
/** A decimal number as written (what `Number()` reads as Infinity when it is too large for a double). */
const NUMERIC_LITERAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$|^0(x[0-9a-f]+|o[0-7]+|b[01]+)$/i;
const SPACE_DATETIME = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)$/;
const QUOTE = 0x22, COMMA = 0x2c, NL = 0x0a, CR = 0x0d;

/** Parses one time field to epoch ms, or NaN. */
export function parseTime(text: string): number {
  const s = text.trim();
  if (s === '') return NaN;
  if (/^-?\d+(\.\d+)?$/.test(s)) return Number(s) * 1000; // epoch seconds
  const m = SPACE_DATETIME.exec(s);
  if (m) return Date.parse(`${m[1]}T${m[2]}Z`); // no zone given: UTC
  return Date.parse(s);
}

/** Splits one CSV line, honouring double quotes. */
export function splitLine(line: string): string[] {
  if (!line.includes('"')) return line.split(',');
  const out: string[] = [];
  let cur = '';
  let q = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (q) {
      if (c === '"' && line[i + 1] === '"') { cur += '"'; i++; }
      else if (c === '"') q = false;
      else cur += c;
    } else if (c === '"') q = true;
    else if (c === ',') { out.push(cur); cur = ''; }
    else cur += c;
  }
  out.push(cur);
  return out;
}

const isBlank = (c: number): boolean => c === 0x20 || c === 0x09 || c === CR || c === 0x0b || c === 0x0c;

/**
 * Where a block of a longer file starts ({@link readCsvBlocks}): what the rows before it left, so that
 * line numbers, the time order and its messages are those of the whole file.
 */
export interface CsvContinuation {
  /** Data rows before the block. */
  rowsBefore: number;
  /** The latest time (epoch ms) before the block, its text and its line. */
  latest: number;
  latestText: string;
  latestLine: number;
  /** The time text of the row just before the block. */
  prevText: string;
}

/**
 * Parses CSV bytes (or text); `name` is used in error messages (the file path). With `from`, the bytes
 * are the header and a block of a longer file's rows (see {@link CsvContinuation}).
 */
export function parseCsvSeries(input: Uint8Array | string, name: string, opts: CsvReadOptions = {}, from?: CsvContinuation): CsvSeries {
  const b = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  const text = (s: number, e: number): string => buf.toString('utf8', s, e);
  // Line starts; a line ends before the next start's "\n" (and a "\r" before it).
  let n = 1;
  for (let k = buf.indexOf(NL); k >= 0; k = buf.indexOf(NL, k + 1)) n++;
  const lineStart = new Uint32Array(n + 1);
  for (let k = buf.indexOf(NL), j = 1; k >= 0; k = buf.indexOf(NL, k + 1)) lineStart[j++] = k + 1;
  lineStart[n] = buf.length + 1;
  const lineEnd = (j: number): number => {
    const e = lineStart[j + 1] - 1;
    return e > lineStart[j] && buf[e - 1] === CR ? e - 1 : e;
  };
  while (n > 0 && text(lineStart[n - 1], lineEnd(n - 1)).trim() === '') n--; // trailing blank lines
  if (n === 0 || text(lineStart[0], lineEnd(0)).trim() === '') throw new InputError(`${name}: the file is empty (expected a header line such as "timestamp,value")`);
  const header = splitLine(text(lineStart[0], lineEnd(0)).replace(/^\uFEFF/, '')).map((h) => h.trim());
  const tcol = header.findIndex((h) => TIME_COLUMNS.includes(h.toLowerCase()));
  if (tcol < 0) {
    throw new InputError(`${name}:1: no time column: the header must have a "timestamp" or "time" column (found: ${quotedList(header)})${separatorHint(header)}`);
  }
  const valueCols = header.map((_, j) => j).filter((j) => j !== tcol);
  if (valueCols.length === 0) throw new InputError(`${name}:1: no value columns besides ${quoted(header[tcol])}`);
  const rows = n - 1;
  if (rows === 0) throw new InputError(`${name}: no data rows after the header`);
  const cols = valueCols.length;
  const fields = header.length;
  const slot = new Int32Array(fields).fill(-1); // field index → value column, -1 for the time column
  valueCols.forEach((j, k) => { slot[j] = k; });
  const data = new Float64Array(rows * cols);
  const times = new Float64Array(rows);
  const starts = new Uint32Array(rows);
  const ends = new Uint32Array(rows);
  const overrides = new Map<number, string>();
  const timeTexts = new TimeTexts(buf, starts, ends, rows, overrides);
  const notes: CsvNotes = { backwardTimes: 0, firstBackward: null, missingValues: 0, rowsWithMissing: 0 };
  const cut = new Int32Array(fields + 1); // field k is [cut[k], cut[k + 1] - 1)
  const off = from?.rowsBefore ?? 0;
  let latest = from?.latest ?? -Infinity, latestRow = -1;

  const badValue = (lineNo: number, j: number, raw: string, v: number): never => {
    // A number too large for a double (1e309) reads as Infinity: it is out of range, not "not a number".
    const why = Number.isNaN(v) || !NUMERIC_LITERAL.test(raw) ? 'is not a number' : 'is out of range (a value must be below 1.8e308 in size)';
    throw new InputError(`${name}:${lineNo}: column ${quoted(header[j])}: ${quoted(raw)} ${why}`);
  };
  /** The string rules for one value field: NaN when missing; throws on anything else that is not finite. */
  const slowValue = (raw: string, lineNo: number, j: number): number => {
    const t = raw.trim();
    if (isMissingCell(t)) return NaN;
    const v = Number(t);
    return Number.isFinite(v) ? v : badValue(lineNo, j, t, v);
  };
  const badTime = (lineNo: number, raw: string): never => {
    throw new InputError(`${name}:${lineNo}: column ${quoted(header[tcol])}: ${quoted(raw)} is not a time (use ISO 8601, "YYYY-MM-DD HH:MM:SS" or epoch seconds)`);
  };
  /** Sets row i's time (epoch ms), checking the order. */
  const setTime = (i: number, t: number, lineNo: number): void => {
    if (t < latest) {
      if (opts.strictTime) {
        throw new InputError(
          `${name}:${lineNo}: column ${quoted(header[tcol])}: ${quoted(timeTexts.at(i))} is before line ${lineNo - 1} (${quoted(i > 0 ? timeTexts.at(i - 1) : from?.prevText ?? '')}); ` +
          'rows must be in time order (sort the file first)',
        );
      }
      if (notes.backwardTimes++ === 0) {
        notes.firstBackward = latestRow >= 0
          ? { line: lineNo, time: timeTexts.at(i), latest: timeTexts.at(latestRow), latestLine: latestRow + 2 + off }
          : { line: lineNo, time: timeTexts.at(i), latest: from?.latestText ?? '', latestLine: from?.latestLine ?? 0 };
      }
      t = latest;
    } else {
      latest = t;
      latestRow = i;
    }
    times[i] = t;
  };

  const plain: PlainRow = { value: 0, time: 0, ts: 0, te: 0, missing: 0 };
  for (let i = 0; i < rows; i++) {
    const lineNo = i + 2 + off;
    const ls = lineStart[i + 1], le = lineEnd(i + 1);
    let missing = 0;
    if (readPlainRow(buf, ls, le, fields, tcol, slot, data, i * cols, plain)) {
      starts[i] = plain.ts;
      ends[i] = plain.te;
      setTime(i, plain.time, lineNo);
      missing = plain.missing;
    } else {
      missing = readRowCarefully(i, lineNo, ls, le);
    }
    if (missing > 0) {
      notes.missingValues += missing;
      notes.rowsWithMissing++;
    }
  }
  return { frame: { names: valueCols.map((j) => header[j]), rows, cols, data, times }, timeText: timeTexts, timeColumn: header[tcol], notes, latestRow };

  /** Reads a line that is not plain (quotes, spaces, other time formats, bad fields): the string rules, with their errors. Returns its missing values. */
  function readRowCarefully(i: number, lineNo: number, ls: number, le: number): number {
    let missing = 0;
    let quoted = false;
    let nf = 0;
    cut[0] = ls;
    for (let k = ls; k < le; k++) {
      const c = buf[k];
      if (c === COMMA) { if (++nf < fields) cut[nf] = k + 1; }
      else if (c === QUOTE) { quoted = true; break; }
    }
    if (quoted) {
      // Quoted fields: the string rules, field by field.
      const f = splitLine(text(ls, le));
      if (f.length !== fields) throw new InputError(`${name}:${lineNo}: expected ${fields} fields (${quotedList(header)}), found ${f.length}`);
      overrides.set(i, f[tcol].trim());
      const t = parseTime(f[tcol]);
      if (Number.isNaN(t)) badTime(lineNo, f[tcol]);
      setTime(i, t, lineNo);
      for (let j = 0; j < fields; j++) {
        if (j === tcol) continue;
        const v = slowValue(f[j], lineNo, j);
        if (Number.isNaN(v)) missing++;
        data[i * cols + slot[j]] = v;
      }
    } else {
      if (nf + 1 !== fields) throw new InputError(`${name}:${lineNo}: expected ${fields} fields (${quotedList(header)}), found ${nf + 1}`);
      cut[fields] = le + 1;
      // The time field, trimmed.
      let ts = cut[tcol], te = cut[tcol + 1] - 1;
      while (ts < te && isBlank(buf[ts])) ts++;
      while (te > ts && isBlank(buf[te - 1])) te--;
      starts[i] = ts;
      ends[i] = te;
      let t = parseTimeBytes(buf, ts, te);
      if (t === SLOW) {
        const raw = text(ts, te);
        if (raw !== raw.trim()) overrides.set(i, raw.trim()); // Unicode spaces
        t = parseTime(raw);
      }
      if (Number.isNaN(t)) badTime(lineNo, text(cut[tcol], cut[tcol + 1] - 1));
      setTime(i, t, lineNo);
      const base = i * cols;
      for (let j = 0; j < fields; j++) {
        if (j === tcol) continue;
        let v = parseDecimalBytes(buf, cut[j], cut[j + 1] - 1);
        if (v === SLOW) v = slowValue(text(cut[j], cut[j + 1] - 1), lineNo, j);
        if (Number.isNaN(v)) missing++;
        data[base + slot[j]] = v;
      }
    }
    return missing;
  }
}

/**
 * One line per kind of lenient reading in `notes` (none when the file was clean), for a command to
 * print once on stderr, e.g. `in.csv: 12 rows have a time before an earlier row's (first at in.csv:10150: …)`.
 */
export function describeCsvNotes(name: string, notes: CsvNotes): string[] {
  const out: string[] = [];
  const fb = notes.firstBackward;
  if (fb) {
    const rows = notes.backwardTimes === 1 ? '1 row has a time' : `${notes.backwardTimes} rows have a time`;
    out.push(
      `${name}: ${rows} before an earlier row's (first at ${name}:${fb.line}: ${quoted(fb.time)} is before line ${fb.latestLine}'s ${quoted(fb.latest)}); ` +
      'each was scored as the next point, at the latest time seen (--strict-time rejects such a file)',
    );
  }
  if (notes.missingValues > 0) {
    const values = notes.missingValues === 1 ? '1 missing value' : `${notes.missingValues} missing values`;
    const rows = notes.rowsWithMissing === 1 ? '1 row' : `${notes.rowsWithMissing} rows`;
    out.push(`${name}: ${values} (empty, NaN, null, NA, …) in ${rows}, passed to the detector as missing (NaN); every row is still scored and written`);
  }
  return out;
}

/** Reads and parses a CSV file (`-`: standard input). */
export function readCsvSeries(path: string, opts: CsvReadOptions = {}): CsvSeries {
  const bytes = readInput(path);
  assertCsvText(bytes, path);
  const series = parseCsvSeries(bytes, path, opts);
  if (opts.warn) for (const line of describeCsvNotes(path, series.notes)) opts.warn(line);
  return series;
}

/** Bytes read at a time by {@link readCsvBlocks}. */
const BLOCK_BYTES = 4 << 20;

/**
 * Reads a CSV file as a sequence of blocks of whole rows (about `blockBytes` each), each parsed as
 * {@link parseCsvSeries} does with the whole file's line numbers, time order and errors: memory is
 * bound by the block, not the file. What was read leniently is told to `opts.warn` once, after the
 * last block, and returned. (Blank lines are skipped at the end of a block as at the end of a file.)
 */
export function* readCsvBlocks(path: string, opts: CsvReadOptions = {}, blockBytes = BLOCK_BYTES): Generator<CsvSeries, CsvNotes, void> {
  const total: CsvNotes = { backwardTimes: 0, firstBackward: null, missingValues: 0, rowsWithMissing: 0 };
  const parseOpts: CsvReadOptions = { strictTime: opts.strictTime };
  let header: Buffer | null = null; // the header line, with its line end
  let from: CsvContinuation | undefined;
  // Each chunk's buffer leaves room for the header in front: the parser reads header and rows as one
  // text (the block's time texts point into it, so buffers are not reused).
  for (const chunk of readLineChunks(path, blockBytes, () => header?.length ?? 0)) {
    const { bytes: data, eof } = chunk;
    const cut = data.length;
    const head = header?.length ?? 0;
    const buf = Buffer.from(data.buffer, data.byteOffset - head, head + cut);
    if (header) header.copy(buf, 0);
    let bodyStart = 0;
    if (!header) {
      const k = data.indexOf(NL);
      bodyStart = k < 0 ? cut : k + 1;
      header = Buffer.from(data.subarray(0, bodyStart));
    }
    if (isBlankBytes(data.subarray(bodyStart, cut))) {
      if (eof && !from) parseCsvSeries(buf, path, parseOpts); // throws: empty, no rows
      continue;
    }
    const block = parseCsvSeries(buf, path, parseOpts, from);
    const rows = block.frame.rows;
    if (block.notes.firstBackward && !total.firstBackward) total.firstBackward = block.notes.firstBackward;
    total.backwardTimes += block.notes.backwardTimes;
    total.missingValues += block.notes.missingValues;
    total.rowsWithMissing += block.notes.rowsWithMissing;
    const before = from?.rowsBefore ?? 0;
    from = {
      rowsBefore: before + rows,
      latest: block.frame.times[rows - 1],
      latestText: block.latestRow >= 0 ? block.timeText.at(block.latestRow) : (from?.latestText ?? ''),
      latestLine: block.latestRow >= 0 ? before + block.latestRow + 2 : (from?.latestLine ?? 0),
      prevText: block.timeText.at(rows - 1),
    };
    block.endByte = chunk.endByte;
    yield block;
  }
  if (opts.warn) for (const line of describeCsvNotes(path, total)) opts.warn(line);
  return total;
}

/** True when `b` holds only blanks and line ends. */
function isBlankBytes(b: Buffer): boolean {
  for (let k = 0; k < b.length; k++) if (!isBlank(b[k]) && b[k] !== NL) return false;
  return true;
}
