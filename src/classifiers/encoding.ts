/**
 * From a table of text cells to a numeric frame, learned on the training table and applied unchanged
 * to later ones: a column whose cells are all numbers (or missing: empty, `NaN`, `null`, `NA`, … as csv-text.ts `isMissingCell`) is a feature
 * as it is; a column of text with at most {@link MAX_LEVELS} distinct values is one-hot encoded (one
 * feature `<column>=<level>` per level, sorted; a missing cell is missing in each, an unseen level 0 in
 * each); any other text column is refused, naming it. Saved as data with the model.
 */
import { InputError, ModelFormatError } from '../core/errors.js';
import type { Frame } from '../core/frame.js';
import { quoted } from '../core/quote.js';
import { isMissingCell } from '../sources/csv-text.js';

/** Most distinct text values a column may have to be one-hot encoded. */
export const MAX_LEVELS = 32;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** Text cells by column, as a CSV table reader gives them. */
export interface TextTable {
  /** The file or source, for messages. */
  name: string;
  header: readonly string[];
  columns: readonly (readonly string[])[];
  rows: number;
  /** The file's line of row 0, for messages (default 2: the row after the header). */
  firstLine?: number;
}

/** How one input column becomes features. */
export type ColumnEncoding = { name: string; type: 'numeric' } | { name: string; type: 'categorical'; levels: string[] };

/** A saved encoder. */
export interface EncoderSnapshot {
  kind: 'table-encoder';
  formatVersion: 1;
  columns: ColumnEncoding[];
}

/** Reads one numeric cell: a finite number, or NaN when missing; undefined when it is not a number. */
function numberOf(cell: string): number | undefined {
  if (!NUMBER.test(cell)) return isMissingCell(cell) ? NaN : undefined;
  const v = Number(cell);
  return Number.isFinite(v) ? v : undefined;
}

/** See the module comment. */
export class TableEncoder {
  private constructor(readonly columns: readonly ColumnEncoding[]) {}

  /**
   * Learns how to encode every column of `table` except `exclude` (the target, the time column);
   * `table` may be a file's blocks of rows (same header), read once, holding at most 33 distinct
   * values per column.
   */
  static fit(table: TextTable | Iterable<TextTable>, exclude: readonly string[]): TableEncoder {
    const blocks: Iterable<TextTable> = 'header' in table ? [table as TextTable] : table;
    let header: readonly string[] | undefined;
    let name = '';
    // Per column: all numbers (or missing) so far, its first other cell, and up to MAX_LEVELS + 1 distinct cells.
    let seen: { numeric: boolean; first?: string; levels: Set<string> }[] = [];
    for (const t of blocks) {
      if (!header) {
        header = t.header;
        name = t.name;
        seen = header.map(() => ({ numeric: true, levels: new Set<string>() }));
      }
      header.forEach((col, j) => {
        if (exclude.includes(col)) return;
        const st = seen[j];
        for (const c of t.columns[j]) {
          if (st.numeric && numberOf(c) === undefined) {
            st.numeric = false;
            st.first = c;
          }
          if (st.levels.size <= MAX_LEVELS && !isMissingCell(c)) st.levels.add(c);
        }
      });
    }
    const cols: ColumnEncoding[] = [];
    (header ?? []).forEach((col, j) => {
      if (exclude.includes(col)) return;
      const st = seen[j];
      if (st.numeric) {
        cols.push({ name: col, type: 'numeric' });
        return;
      }
      if (st.levels.size > MAX_LEVELS) {
        throw new InputError(
          `${name}: column ${quoted(col)} is not numeric (e.g. ${quoted(st.first as string)}) and has more than ${MAX_LEVELS} distinct values; ` +
          `kad one-hot encodes text columns of at most ${MAX_LEVELS} values: drop the column or map it to numbers`,
        );
      }
      cols.push({ name: col, type: 'categorical', levels: [...st.levels].sort() });
    });
    if (cols.length === 0) throw new InputError(`${name}: no feature columns besides ${exclude.filter((e) => header?.includes(e)).map((e) => quoted(e)).join(' and ')}`);
    return new TableEncoder(cols);
  }

  /** Feature names, in frame order. */
  get names(): string[] {
    return this.columns.flatMap((c) => (c.type === 'numeric' ? [c.name] : c.levels.map((l) => `${c.name}=${l}`)));
  }

  /** The frame columns of each one-hot encoded column (for SMOTE-NC). */
  get categoricalGroups(): number[][] {
    const out: number[][] = [];
    let j = 0;
    for (const c of this.columns) {
      if (c.type === 'numeric') j++;
      else {
        out.push(c.levels.map((_, k) => j + k));
        j += c.levels.length;
      }
    }
    return out;
  }

  /**
   * Encodes `table` (its columns found by name; others are ignored). Throws {@link InputError} naming
   * a missing column, or a numeric column's cell that is not a number (file, line and column).
   */
  encode(table: TextTable): Frame {
    const names = this.names;
    const d = names.length;
    const data = new Float64Array(table.rows * d);
    const line0 = table.firstLine ?? 2;
    let o = 0;
    for (const c of this.columns) {
      const j = table.header.indexOf(c.name);
      if (j < 0) throw new InputError(`${table.name}: no column ${quoted(c.name)} (the model was trained with it)`);
      const cells = table.columns[j];
      if (c.type === 'numeric') {
        for (let i = 0; i < table.rows; i++) {
          const v = numberOf(cells[i]);
          if (v === undefined) throw new InputError(`${table.name}:${line0 + i}: column ${quoted(c.name)}: ${quoted(cells[i])} is not a number`);
          data[i * d + o] = v;
        }
        o++;
      } else {
        const index = new Map(c.levels.map((l, k) => [l, k]));
        for (let i = 0; i < table.rows; i++) {
          // A level first: an encoder saved before the marker list grew may have a level "NA" or "None".
          const k = index.get(cells[i]) ?? -1;
          const missing = k < 0 && isMissingCell(cells[i]);
          for (let q = 0; q < c.levels.length; q++) data[i * d + o + q] = missing ? NaN : q === k ? 1 : 0;
        }
        o += c.levels.length;
      }
    }
    return { names, rows: table.rows, cols: d, data };
  }

  /** The encoder as data. */
  toJSON(): EncoderSnapshot {
    return { kind: 'table-encoder', formatVersion: 1, columns: this.columns.map((c) => ({ ...c })) };
  }

  /** Restores an encoder saved by {@link TableEncoder.toJSON}. Throws {@link ModelFormatError}. */
  static fromJSON(s: unknown): TableEncoder {
    const e = s as Partial<EncoderSnapshot> | null;
    if (typeof e !== 'object' || e === null || e.kind !== 'table-encoder' || e.formatVersion !== 1 || !Array.isArray(e.columns)) {
      throw new ModelFormatError('expected a "table-encoder" snapshot with formatVersion 1');
    }
    for (const c of e.columns) {
      const ok = typeof c?.name === 'string' && (c.type === 'numeric' || (c.type === 'categorical' && Array.isArray(c.levels) && c.levels.every((l) => typeof l === 'string')));
      if (!ok) throw new ModelFormatError(`table-encoder snapshot: bad column ${JSON.stringify(c)}`);
    }
    return new TableEncoder(e.columns as ColumnEncoding[]);
  }
}
