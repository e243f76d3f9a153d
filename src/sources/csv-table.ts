/**
 * CSV tables of any columns (numbers, text, empty cells), for labelled data sets: a header and rows of
 * text cells, read as UTF-8 (csv-text.ts) with the CSV reader's quoting rules (csv.ts `splitLine`).
 * Cells are trimmed and unquoted; what they mean (numbers, categories, missing) is the caller's
 * business. Errors name the file, and the line where one is at fault.
 */
import { readFileSync } from 'node:fs';
import { InputError } from '../core/errors.js';
import { quotedList } from '../core/quote.js';
import { splitLine } from './csv.js';
import { assertCsvText } from './csv-text.js';

/** A table read from a CSV file: the header and each column's cells. */
export interface CsvTable {
  /** The file (for messages). */
  name: string;
  header: string[];
  /** `columns[j][i]`: column j of data row i (line i + 2 of the file). */
  columns: string[][];
  rows: number;
}

/** Parses CSV text into a table; `name` is used in messages. Throws {@link InputError} on an empty file, no data rows, or a row with the wrong number of fields. */
export function parseCsvTable(text: string, name: string): CsvTable {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  if (lines.length === 0 || lines[0].trim() === '') throw new InputError(`${name}: the file is empty (expected a header line naming the columns)`);
  const header = splitLine(lines[0]).map((h) => h.trim());
  const seen = new Set<string>();
  for (const h of header) {
    if (h === '') throw new InputError(`${name}:1: a column has no name (header: ${quotedList(header)})`);
    if (seen.has(h)) throw new InputError(`${name}:1: column "${h}" appears twice`);
    seen.add(h);
  }
  const columns: string[][] = header.map(() => []);
  let rows = 0;
  for (let i = 1; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    const f = splitLine(lines[i]);
    if (f.length !== header.length) throw new InputError(`${name}:${i + 1}: expected ${header.length} fields (${quotedList(header)}), found ${f.length}`);
    for (let j = 0; j < f.length; j++) columns[j].push(f[j].trim());
    rows++;
  }
  if (rows === 0) throw new InputError(`${name}: no data rows after the header`);
  return { name, header, columns, rows };
}

/** Reads a CSV file as a table; see {@link parseCsvTable}. */
export function readCsvTable(path: string): CsvTable {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new InputError(`${path}: cannot read: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  assertCsvText(bytes, path);
  return parseCsvTable(bytes.toString('utf8'), path);
}
