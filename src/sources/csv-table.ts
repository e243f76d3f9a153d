/**
 * CSV tables of any columns (numbers, text, empty cells), for labelled data sets: a header and rows of
 * text cells, read as UTF-8 (csv-text.ts) with the CSV reader's quoting rules (csv.ts `splitLine`).
 * Cells are trimmed and unquoted; what they mean (numbers, categories, missing) is the caller's
 * business. Errors name the file, and the line where one is at fault.
 */
import { InputError } from '../core/errors.js';
import { quotedList } from '../core/quote.js';
import { splitLine } from './csv.js';
import { lineChunksOf, readLineChunks, separatorHint, type LineChunk } from './csv-text.js';

/** A table read from a CSV file: the header and each column's cells. */
export interface CsvTable {
  /** The file (for messages). */
  name: string;
  header: string[];
  /** `columns[j][i]`: column j of data row i. */
  columns: string[][];
  rows: number;
  /** The file's line of data row 0 (2 for a whole file; blank lines before a row shift it). */
  firstLine: number;
  /** Read by blocks ({@link readCsvTableBlocks}): the file's bytes up to the end of this block. */
  endByte?: number;
}

/** The header line's column names; throws {@link InputError} on an empty header, a column without a name or one named twice. */
function parseHeader(line: string | undefined, name: string): string[] {
  if (line === undefined || line.trim() === '') throw new InputError(`${name}: the file is empty (expected a header line naming the columns)`);
  const header = splitLine(line).map((h) => h.trim());
  const seen = new Set<string>();
  for (const h of header) {
    if (h === '') throw new InputError(`${name}:1: a column has no name (header: ${quotedList(header)})`);
    if (seen.has(h)) throw new InputError(`${name}:1: column "${h}" appears twice`);
    seen.add(h);
  }
  return header;
}

/** The rows of `lines` (line `lines[k]` is line `lineBefore + k + 1` of the file) as a table; blank lines are skipped. */
function parseRows(lines: readonly string[], from: number, lineBefore: number, header: string[], name: string): CsvTable {
  const columns: string[][] = header.map(() => []);
  let rows = 0;
  let firstLine = 0;
  for (let i = from; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    const f = splitLine(lines[i]);
    if (f.length !== header.length) throw new InputError(`${name}:${lineBefore + i + 1}: expected ${header.length} fields (${quotedList(header)}), found ${f.length}${separatorHint(header)}`);
    for (let j = 0; j < f.length; j++) columns[j].push(f[j].trim());
    if (rows === 0) firstLine = lineBefore + i + 1;
    rows++;
  }
  return { name, header, columns, rows, firstLine };
}

/** Bytes read at a time by {@link readCsvTableBlocks}. */
const BLOCK_BYTES = 1 << 20;

/**
 * Reads a CSV file as tables of whole rows, about `blockBytes` of the file each, with the same header,
 * rows and errors (the file's line numbers) whatever the block size: memory is bound by the block, not
 * the file. Blocks without rows (blank lines) are not yielded. Throws {@link InputError} on an empty
 * file, a bad header (a column without a name, or named twice), no data rows, or a row with the wrong
 * number of fields, naming the file and line.
 */
export function readCsvTableBlocks(path: string, blockBytes = BLOCK_BYTES): Generator<CsvTable, void, void> {
  return tableBlocks(readLineChunks(path, blockBytes), path);
}

/** {@link readCsvTableBlocks} over a file's content already read (`bytes`, named `name` in messages), block by block without a copy. */
export function csvTableBlocksOf(bytes: Buffer, name: string, blockBytes = BLOCK_BYTES): Generator<CsvTable, void, void> {
  return tableBlocks(lineChunksOf(bytes, name, blockBytes), name);
}

/** The tables of chunks of whole lines of the file `path`. */
function* tableBlocks(chunks: Iterable<LineChunk>, path: string): Generator<CsvTable, void, void> {
  let header: string[] | undefined;
  let rows = 0;
  for (const chunk of chunks) {
    const lines = chunk.bytes.toString('utf8').replace(/^\uFEFF/, '').split(/\r?\n/); // no byte-order mark, no line ends
    if (!chunk.eof) lines.pop(); // the empty text after the chunk's last line end
    let from = 0;
    if (!header) {
      header = parseHeader(lines[0], path);
      from = 1;
    }
    const table = parseRows(lines, from, chunk.linesBefore, header, path);
    rows += table.rows;
    if (table.rows > 0) yield { ...table, endByte: chunk.endByte };
  }
  if (!header) throw new InputError(`${path}: the file is empty (expected a header line naming the columns)`);
  if (rows === 0) throw new InputError(`${path}: no data rows after the header`);
}
