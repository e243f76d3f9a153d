/**
 * CSV time series: a header, a time column (`timestamp` or `time`) and numeric columns. Times may be
 * ISO 8601, `YYYY-MM-DD HH:MM:SS` (UTC) or epoch seconds. Errors name the file, line and column.
 *
 * Bad input, as documented in the README:
 * - an empty field, `NaN` or `null` is a missing value (NaN), passed to the detector as such (every
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
import { readFileSync } from 'node:fs';
import { InputError } from '../core/errors.js';
import type { Frame } from '../core/frame.js';

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
  /** Empty, `NaN` or `null` fields: passed on as missing values (NaN). */
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
}

const TIME_COLUMNS = ['timestamp', 'time'];
/** Fields read as a missing value. */
const MISSING = /^(|nan|null)$/i;
const SPACE_DATETIME = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)$/;
/** Powers of ten that are exact doubles. */
const POW10 = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));
/** Returned by the byte parsers when the string rules must decide. */
const SLOW = -Infinity;
const QUOTE = 0x22, COMMA = 0x2c, NL = 0x0a, CR = 0x0d, MINUS = 0x2d, PLUS = 0x2b, DOT = 0x2e, ZERO = 0x30;

/** Parses one time field to epoch ms, or NaN. */
export function parseTime(text: string): number {
  const s = text.trim();
  if (s === '') return NaN;
  if (/^-?\d+(\.\d+)?$/.test(s)) return Number(s) * 1000; // epoch seconds
  const m = SPACE_DATETIME.exec(s);
  if (m) return Date.parse(`${m[1]}T${m[2]}Z`); // no zone given: UTC
  return Date.parse(s);
}

const isDigit = (c: number): boolean => c >= ZERO && c <= 0x39;

/** Where {@link scanDecimal} leaves the number it read. */
interface Scanned {
  value: number;
}

/**
 * Reads a plain decimal (`-12.5`, `3e-4`) starting at `b[s]`, no further than `e`, into `out.value`
 * (exactly the double `Number()` gives for those bytes; {@link SLOW} when the string rules must decide:
 * no digits, more than 15 significant digits, or a power of ten past 22, where one multiplication or
 * division is not exact). Returns where the number stopped.
 */
function scanDecimal(b: Uint8Array, s: number, e: number, out: Scanned): number {
  let i = s;
  let neg = false;
  if (i < e && (b[i] === MINUS || b[i] === PLUS)) neg = b[i++] === MINUS;
  let m = 0, digits = 0, sig = 0, frac = 0;
  for (; i < e; i++, digits++) {
    const d = b[i] - ZERO;
    if (d < 0 || d > 9) break;
    if (sig > 0 || d !== 0) { m = m * 10 + d; sig++; }
  }
  if (i < e && b[i] === DOT) {
    for (i++; i < e; i++, digits++, frac++) {
      const d = b[i] - ZERO;
      if (d < 0 || d > 9) break;
      if (sig > 0 || d !== 0) { m = m * 10 + d; sig++; }
    }
  }
  let exp = 0;
  if (i < e && (b[i] | 0x20) === 0x65) { // e or E
    i++;
    let eneg = false;
    if (i < e && (b[i] === MINUS || b[i] === PLUS)) eneg = b[i++] === MINUS;
    const start = i;
    for (; i < e && exp < 1000; i++) {
      const d = b[i] - ZERO;
      if (d < 0 || d > 9) break;
      exp = exp * 10 + d;
    }
    if (i === start) digits = 0;
    if (eneg) exp = -exp;
  }
  const p = exp - frac;
  let v: number;
  if (digits === 0 || sig > 15) v = SLOW;
  else if (m === 0) v = neg ? -0 : 0;
  else if (p >= 0 && p <= 22) v = neg ? -(m * POW10[p]) : m * POW10[p];
  else if (p < 0 && p >= -22) v = neg ? -(m / POW10[-p]) : m / POW10[-p];
  else v = SLOW;
  out.value = v;
  return i;
}

/**
 * Parses a plain decimal (`-12.5`, `3e-4`) in `b[s..e)` to exactly the double `Number()` gives: NaN for
 * an empty field, {@link SLOW} when the string rules must decide (anything else, or more than 15
 * significant digits or a power of ten past 22, where one multiplication is not exact).
 */
export function parseDecimalBytes(b: Uint8Array, s: number, e: number): number {
  if (s === e) return NaN;
  const out = { value: 0 };
  return scanDecimal(b, s, e, out) === e ? out.value : SLOW;
}

/** Days from 1970-01-01 to a proleptic Gregorian date (month 1–12; a day past the month's end rolls over). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  return era * 146_097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719_468;
}

/** Where `YYYY-MM-DD HH:MM:SS` has digits. */
const DATETIME_DIGITS = Uint8Array.of(0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18);
const two = (b: Uint8Array, i: number): number => (b[i] - ZERO) * 10 + (b[i + 1] - ZERO);

/**
 * Parses a time field in `b[s..e)` the way {@link parseTime} does for its two common forms, epoch
 * seconds and `YYYY-MM-DD HH:MM:SS` / `YYYY-MM-DDTHH:MM:SS` (UTC); {@link SLOW} for anything else.
 */
export function parseTimeBytes(b: Uint8Array, s: number, e: number): number {
  if (e - s === 19 && b[s + 4] === MINUS && b[s + 7] === MINUS && (b[s + 10] === 0x20 || b[s + 10] === 0x54) && b[s + 13] === 0x3a && b[s + 16] === 0x3a) {
    for (let k = 0; k < DATETIME_DIGITS.length; k++) if (!isDigit(b[s + DATETIME_DIGITS[k]])) return SLOW;
    const year = two(b, s) * 100 + two(b, s + 2);
    const mon = two(b, s + 5), day = two(b, s + 8), h = two(b, s + 11), mi = two(b, s + 14), sec = two(b, s + 17);
    // Inside these ranges this is what Date.parse gives (a day past the month's end rolls over in both).
    if (year < 100 || mon < 1 || mon > 12 || day < 1 || day > 31 || h > 23 || mi > 59 || sec > 59) return SLOW;
    return daysFromCivil(year, mon, day) * 86_400_000 + h * 3_600_000 + mi * 60_000 + sec * 1000;
  }
  let i = s;
  if (b[i] === MINUS) i++;
  const d0 = i;
  while (i < e && isDigit(b[i])) i++;
  if (i === d0) return SLOW;
  if (i < e && b[i] === DOT) {
    const f0 = ++i;
    while (i < e && isDigit(b[i])) i++;
    if (i === f0) return SLOW;
  }
  if (i !== e) return SLOW;
  const v = parseDecimalBytes(b, s, e);
  return v === SLOW ? SLOW : v * 1000; // epoch seconds
}

/** Where {@link readPlainRow} leaves the row's time, the time field's bounds and its missing values. */
interface PlainRow extends Scanned {
  time: number;
  ts: number;
  te: number;
  missing: number;
}

/**
 * Reads line `b[ls..le)` in one pass when it is plain: `fields` comma-separated fields, the time field
 * (`tcol`) in a common form ({@link parseTimeBytes}), every other field a plain decimal or empty
 * (missing). Values go to `data[base + slot[j]]`. Returns false when the careful path must read the
 * line (which writes every value again).
 */
function readPlainRow(b: Uint8Array, ls: number, le: number, fields: number, tcol: number, slot: Int32Array, data: Float64Array, base: number, out: PlainRow): boolean {
  let k = ls;
  let missing = 0;
  for (let j = 0; j < fields; j++) {
    if (j > 0) {
      if (k >= le || b[k] !== COMMA) return false;
      k++;
    }
    if (j === tcol) {
      const s = k;
      while (k < le && b[k] !== COMMA) k++;
      const t = parseTimeBytes(b, s, k);
      if (t === SLOW) return false;
      out.time = t;
      out.ts = s;
      out.te = k;
    } else if (k === le || b[k] === COMMA) {
      data[base + slot[j]] = NaN;
      missing++;
    } else {
      k = scanDecimal(b, k, le, out);
      if (out.value === SLOW) return false;
      data[base + slot[j]] = out.value;
    }
  }
  out.missing = missing;
  return k === le;
}

/** Splits one CSV line, honouring double quotes. */
function splitLine(line: string): string[] {
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

/** Parses CSV bytes (or text); `name` is used in error messages (the file path). */
export function parseCsvSeries(input: Uint8Array | string, name: string, opts: CsvReadOptions = {}): CsvSeries {
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
    throw new InputError(`${name}:1: no time column: the header must have a "timestamp" or "time" column (found: ${header.join(', ')})`);
  }
  const valueCols = header.map((_, j) => j).filter((j) => j !== tcol);
  if (valueCols.length === 0) throw new InputError(`${name}:1: no value columns besides "${header[tcol]}"`);
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
  let latest = -Infinity, latestRow = -1;

  const badValue = (lineNo: number, j: number, raw: string): never => {
    throw new InputError(`${name}:${lineNo}: column "${header[j]}": "${raw}" is not a number`);
  };
  /** The string rules for one value field: NaN when missing; throws on anything else that is not finite. */
  const slowValue = (raw: string, lineNo: number, j: number): number => {
    const t = raw.trim();
    if (MISSING.test(t)) return NaN;
    const v = Number(t);
    return Number.isFinite(v) ? v : badValue(lineNo, j, t);
  };
  const badTime = (lineNo: number, raw: string): never => {
    throw new InputError(`${name}:${lineNo}: column "${header[tcol]}": "${raw}" is not a time (use ISO 8601, "YYYY-MM-DD HH:MM:SS" or epoch seconds)`);
  };
  /** Sets row i's time (epoch ms), checking the order. */
  const setTime = (i: number, t: number, lineNo: number): void => {
    if (t < latest) {
      if (opts.strictTime) {
        throw new InputError(
          `${name}:${lineNo}: column "${header[tcol]}": "${timeTexts.at(i)}" is before line ${lineNo - 1} ("${timeTexts.at(i - 1)}"); ` +
          'rows must be in time order (sort the file first)',
        );
      }
      if (notes.backwardTimes++ === 0) notes.firstBackward = { line: lineNo, time: timeTexts.at(i), latest: timeTexts.at(latestRow), latestLine: latestRow + 2 };
      t = latest;
    } else {
      latest = t;
      latestRow = i;
    }
    times[i] = t;
  };

  const plain: PlainRow = { value: 0, time: 0, ts: 0, te: 0, missing: 0 };
  for (let i = 0; i < rows; i++) {
    const lineNo = i + 2;
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
  return { frame: { names: valueCols.map((j) => header[j]), rows, cols, data, times }, timeText: timeTexts, timeColumn: header[tcol], notes };

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
      if (f.length !== fields) throw new InputError(`${name}:${lineNo}: expected ${fields} fields (${header.join(',')}), found ${f.length}`);
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
      if (nf + 1 !== fields) throw new InputError(`${name}:${lineNo}: expected ${fields} fields (${header.join(',')}), found ${nf + 1}`);
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
      `${name}: ${rows} before an earlier row's (first at ${name}:${fb.line}: "${fb.time}" is before line ${fb.latestLine}'s "${fb.latest}"); ` +
      'each was scored as the next point, at the latest time seen (--strict-time rejects such a file)',
    );
  }
  if (notes.missingValues > 0) {
    const values = notes.missingValues === 1 ? '1 missing value' : `${notes.missingValues} missing values`;
    const rows = notes.rowsWithMissing === 1 ? '1 row' : `${notes.rowsWithMissing} rows`;
    out.push(`${name}: ${values} (empty, NaN or null) in ${rows}, passed to the detector as missing (NaN); every row is still scored and written`);
  }
  return out;
}

/** Reads and parses a CSV file. */
export function readCsvSeries(path: string, opts: CsvReadOptions = {}): CsvSeries {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new InputError(`${path}: cannot read: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  const series = parseCsvSeries(bytes, path, opts);
  if (opts.warn) for (const line of describeCsvNotes(path, series.notes)) opts.warn(line);
  return series;
}
