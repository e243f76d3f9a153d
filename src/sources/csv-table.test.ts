import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { parseCsvTable, readCsvTable } from './csv-table.js';

describe('CSV tables', () => {
  it('reads text, numbers, empty and quoted cells by column', () => {
    const t = parseCsvTable('\uFEFFa, b ,label\r\n1,"x, y",normal\n,2,"crash_loop"\n\n', 'in.csv');
    expect(t.header).toEqual(['a', 'b', 'label']);
    expect(t.rows).toBe(2);
    expect(t.columns).toEqual([['1', ''], ['x, y', '2'], ['normal', 'crash_loop']]);
  });

  it('says what is wrong and where', () => {
    expect(() => parseCsvTable('', 'e.csv')).toThrow(/e.csv: the file is empty/);
    expect(() => parseCsvTable('a,b\n', 'h.csv')).toThrow(/h.csv: no data rows/);
    expect(() => parseCsvTable('a,b\n1,2\n3\n', 'f.csv')).toThrow(/f.csv:3: expected 2 fields/);
    expect(() => parseCsvTable('a,a\n1,2\n', 'd.csv')).toThrow(/column "a" appears twice/);
    expect(() => readCsvTable('/nonexistent/x.csv')).toThrow(InputError);
    const dir = mkdtempSync(join(tmpdir(), 'kad-table-'));
    writeFileSync(join(dir, 'bin.csv'), Buffer.from([0x61, 0x0a, 0x00]));
    expect(() => readCsvTable(join(dir, 'bin.csv'))).toThrow(/not a text file/);
  });
});
