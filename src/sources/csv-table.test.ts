import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { csvTableBlocksOf, readCsvTableBlocks, type CsvTable } from './csv-table.js';

const dir = mkdtempSync(join(tmpdir(), 'kad-table-'));

function file(name: string, content: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

/** CSV text read as one block (the whole text; `name` for messages). */
function wholeTable(text: string, name: string): CsvTable {
  const blocks = [...csvTableBlocksOf(Buffer.from(text), name, Infinity)];
  expect(blocks).toHaveLength(1);
  return blocks[0];
}

/** Every block of `path` read `blockBytes` at a time. */
const blocksOf = (path: string, blockBytes: number): CsvTable[] => [...readCsvTableBlocks(path, blockBytes)];

describe('CSV tables', () => {
  it('reads text, numbers, empty and quoted cells by column', () => {
    const t = wholeTable('\uFEFFa, b ,label\r\n1,"x, y",normal\n,2,"crash_loop"\n\n', 'in.csv');
    expect(t.header).toEqual(['a', 'b', 'label']);
    expect(t.rows).toBe(2);
    expect(t.columns).toEqual([['1', ''], ['x, y', '2'], ['normal', 'crash_loop']]);
    expect(t.firstLine).toBe(2);
  });

  it('says what is wrong and where', () => {
    expect(() => wholeTable('', 'e.csv')).toThrow(/e.csv: the file is empty/);
    expect(() => wholeTable('a,b\n', 'h.csv')).toThrow(/h.csv: no data rows/);
    expect(() => wholeTable('a,b\n1,2\n3\n', 'f.csv')).toThrow(/f.csv:3: expected 2 fields/);
    expect(() => wholeTable('a,a\n1,2\n', 'd.csv')).toThrow(/column "a" appears twice/);
  });

  it('reads a file block by block: the same header, rows and cells, each block with its line and its end in the file', () => {
    const lines = ['\uFEFFt, v ,label'];
    for (let i = 0; i < 500; i++) lines.push(i % 97 === 5 ? '' : `${i},"${i % 3 === 0 ? 'x, y' : i}",c${i % 4}`);
    const text = lines.join('\r\n') + '\r\n\r\n';
    const path = file('blocks.csv', text);
    const whole = wholeTable(text, path);
    for (const size of [64, 1000, 1 << 20]) {
      const blocks = blocksOf(path, size);
      expect(blocks.length).toBeGreaterThanOrEqual(size === 64 ? 100 : 1);
      for (const b of blocks) expect(b.header).toEqual(['t', 'v', 'label']);
      expect(blocks.reduce((n, b) => n + b.rows, 0)).toBe(whole.rows);
      whole.columns.forEach((col, j) => expect(blocks.flatMap((b) => b.columns[j])).toEqual(col));
      // Each block's first row is at its line of the file; the blocks end where the file does.
      for (const b of blocks) expect(lines[b.firstLine - 1].split(',')[0]).toBe(b.columns[0][0]);
      expect(blocks.map((b) => b.endByte).at(-1)).toBe(statSync(path).size);
    }
  });

  it('says what is wrong and where when reading by blocks: the line of a bad row in a later block, an empty file, no rows, no file, not text', () => {
    const rows = Array.from({ length: 300 }, (_, i) => `${i},${i}`);
    rows[250] = '7';
    expect(() => blocksOf(file('f.csv', `a,b\n${rows.join('\n')}\n`), 100)).toThrow(/f\.csv:252: expected 2 fields/);
    expect(() => blocksOf(file('e.csv', '\n\n'), 100)).toThrow(/e\.csv: the file is empty/);
    expect(() => blocksOf(file('h.csv', 'a,b\n\n'), 100)).toThrow(/h\.csv: no data rows/);
    expect(() => blocksOf('/nonexistent/x.csv', 100)).toThrow(InputError);
    expect(() => blocksOf(file('bin.csv', Buffer.from([0x61, 0x0a, 0x00])), 100)).toThrow(/not a text file/);
  });
});
