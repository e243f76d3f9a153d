/**
 * From a table of text cells to a numeric frame, learned on the training table and applied unchanged
 * to later ones: a column whose cells are all numbers (or missing: empty, `NaN`, `null`) is a feature
 * as it is; a column of text with at most {@link MAX_LEVELS} distinct values is one-hot encoded (one
 * feature `<column>=<level>` per level, sorted; a missing cell is missing in each, an unseen level 0 in
 * each); any other text column is refused, naming it. Saved as data with the model.
 */
import { InputError, ModelFormatError } from '../core/errors.js';
import type { Frame } from '../core/frame.js';
import { quoted } from '../core/quote.js';

/** Most distinct text values a column may have to be one-hot encoded. */
export const MAX_LEVELS = 32;
const MISSING = /^(|nan|null)$/i;
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
  if (MISSING.test(cell)) return NaN;
  if (!NUMBER.test(cell)) return undefined;
  const v = Number(cell);
  return Number.isFinite(v) ? v : undefined;
}

/** See the module comment. */
export class TableEncoder {
  private constructor(readonly columns: readonly ColumnEncoding[]) {}

  /** Learns how to encode every column of `table` except `exclude` (the target, the time column). */
  static fit(table: TextTable, exclude: readonly string[]): TableEncoder {
    const cols: ColumnEncoding[] = [];
    table.header.forEach((name, j) => {
      if (exclude.includes(name)) return;
      const cells = table.columns[j];
      let numeric = true;
      for (let i = 0; i < cells.length && numeric; i++) numeric = numberOf(cells[i]) !== undefined;
      if (numeric) {
        cols.push({ name, type: 'numeric' });
        return;
      }
      const levels = [...new Set(cells.filter((c) => !MISSING.test(c)))].sort();
      if (levels.length > MAX_LEVELS) {
        const first = cells.find((c) => numberOf(c) === undefined) as string;
        throw new InputError(
          `${table.name}: column ${quoted(name)} is not numeric (e.g. ${quoted(first)}) and has ${levels.length} distinct values; ` +
          `kad one-hot encodes text columns of at most ${MAX_LEVELS} values: drop the column or map it to numbers`,
        );
      }
      cols.push({ name, type: 'categorical', levels });
    });
    if (cols.length === 0) throw new InputError(`${table.name}: no feature columns besides ${exclude.filter((e) => table.header.includes(e)).map((e) => quoted(e)).join(' and ')}`);
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
          const missing = MISSING.test(cells[i]);
          const k = index.get(cells[i]) ?? -1;
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
