/**
 * CSV time series: a header, a time column (`timestamp` or `time`) and numeric columns. Times may be
 * ISO 8601, `YYYY-MM-DD HH:MM:SS` (UTC) or epoch seconds. Errors name the file, line and column.
 *
 * Bad input, as documented in the README:
 * - an empty field, `NaN` or `null` is a missing value (NaN): detectors skip it, scores stay finite;
 * - any other non-number (including `Infinity`) is rejected, naming file, line and column;
 * - an out-of-order timestamp is rejected, naming both lines (sort first: the detectors are causal,
 *   so the order of rows is the order of time); a repeated timestamp is kept and scored as the next
 *   point (NAB's own files have some);
 * - gaps in time are kept as they are (no rows are invented); the streaming detectors see the next
 *   row as the next point;
 * - a constant series is valid and scores 0 until it changes.
 */
import { readFileSync } from 'node:fs';
import { InputError } from '../core/errors.js';
import type { Frame } from '../core/frame.js';

/** A parsed CSV series. */
export interface CsvSeries {
  /** The frame of numeric columns, with `times` in epoch ms. */
  frame: Frame & { times: Float64Array };
  /** The time column's text per row, as written (echoed back by `kad score`). */
  timeText: string[];
  /** Name of the time column. */
  timeColumn: string;
}

const TIME_COLUMNS = ['timestamp', 'time'];
/** Fields read as a missing value. */
const MISSING = /^(|nan|null)$/i;
const SPACE_DATETIME = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)$/;

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

/** Parses CSV text; `name` is used in error messages (the file path). */
export function parseCsvSeries(text: string, name: string): CsvSeries {
  const lines = text.split(/\r?\n/);
  while (lines.length && lines[lines.length - 1].trim() === '') lines.pop();
  if (lines.length === 0 || lines[0].trim() === '') throw new InputError(`${name}: the file is empty (expected a header line such as "timestamp,value")`);
  const header = splitLine(lines[0].replace(/^\uFEFF/, '')).map((h) => h.trim());
  const tcol = header.findIndex((h) => TIME_COLUMNS.includes(h.toLowerCase()));
  if (tcol < 0) {
    throw new InputError(`${name}:1: no time column: the header must have a "timestamp" or "time" column (found: ${header.join(', ')})`);
  }
  const valueCols = header.map((_, j) => j).filter((j) => j !== tcol);
  if (valueCols.length === 0) throw new InputError(`${name}:1: no value columns besides "${header[tcol]}"`);
  const rows = lines.length - 1;
  if (rows === 0) throw new InputError(`${name}: no data rows after the header`);
  const cols = valueCols.length;
  const data = new Float64Array(rows * cols);
  const times = new Float64Array(rows);
  const timeText: string[] = new Array(rows);
  for (let i = 0; i < rows; i++) {
    const lineNo = i + 2;
    const f = splitLine(lines[i + 1]);
    if (f.length !== header.length) {
      throw new InputError(`${name}:${lineNo}: expected ${header.length} fields (${header.join(',')}), found ${f.length}`);
    }
    timeText[i] = f[tcol].trim();
    const t = parseTime(f[tcol]);
    if (Number.isNaN(t)) {
      throw new InputError(`${name}:${lineNo}: column "${header[tcol]}": "${f[tcol]}" is not a time (use ISO 8601, "YYYY-MM-DD HH:MM:SS" or epoch seconds)`);
    }
    if (i > 0 && t < times[i - 1]) {
      throw new InputError(
        `${name}:${lineNo}: column "${header[tcol]}": "${timeText[i]}" is before line ${lineNo - 1} ("${timeText[i - 1]}"); ` +
        'rows must be in time order (sort the file first)',
      );
    }
    times[i] = t;
    for (let k = 0; k < cols; k++) {
      const raw = f[valueCols[k]].trim();
      const v = MISSING.test(raw) ? NaN : Number(raw);
      if (!MISSING.test(raw) && !Number.isFinite(v)) {
        throw new InputError(`${name}:${lineNo}: column "${header[valueCols[k]]}": "${raw}" is not a number`);
      }
      data[i * cols + k] = v;
    }
  }
  return { frame: { names: valueCols.map((j) => header[j]), rows, cols, data, times }, timeText, timeColumn: header[tcol] };
}

/** Reads and parses a CSV file. */
export function readCsvSeries(path: string): CsvSeries {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new InputError(`${path}: cannot read: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  return parseCsvSeries(text, path);
}
