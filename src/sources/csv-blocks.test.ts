/** readCsvBlocks: the same rows, times, notes and errors as reading the whole file, block by block. */
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCsvBlocks, readCsvSeries, type CsvNotes, type CsvSeries } from './csv.js';

const dir = mkdtempSync(join(tmpdir(), 'kad-csv-blocks-'));

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

/** Every block's rows joined, the notes returned, and the warnings told. */
function readBlocks(path: string, blockBytes: number, strictTime = false): { times: number[]; texts: string[]; data: number[]; notes: CsvNotes; warned: string[]; blocks: number } {
  const warned: string[] = [];
  const gen = readCsvBlocks(path, { strictTime, warn: (l) => warned.push(l) }, blockBytes);
  const out = { times: [] as number[], texts: [] as string[], data: [] as number[], warned, blocks: 0 };
  let endByte = 0;
  for (let r = gen.next(); ; r = gen.next()) {
    if (r.done) {
      expect(endByte).toBe(statSync(path).size); // the blocks' ends reach the end of the file
      return { ...out, notes: r.value };
    }
    const b = r.value as CsvSeries;
    expect(b.endByte).toBeGreaterThan(endByte);
    endByte = b.endByte!;
    out.blocks++;
    out.times.push(...b.frame.times);
    out.texts.push(...b.timeText.toArray());
    out.data.push(...b.frame.data);
  }
}

describe('readCsvBlocks', () => {
  // Backward and repeated times (one across a block edge), missing values, quoted fields, CRLF, trailing blank lines.
  const lines = ['timestamp,a,b'];
  for (let i = 0; i < 300; i++) {
    const t = i === 100 || i === 101 || i === 217 ? 1_700_000_000 + 60 * (i - 5) : 1_700_000_000 + 60 * i;
    const a = i % 37 === 3 ? '' : i % 41 === 5 ? 'NaN' : String((i * 7) % 11);
    const b = i % 53 === 9 ? '"1,5"'.replace(',', '') : (i % 5).toFixed(2);
    lines.push(`${t},${a},${b}`);
  }
  const path = file('mixed.csv', lines.join('\r\n') + '\r\n\r\n');

  it('gives the rows, time texts, notes and warning of reading the whole file, for any block size', () => {
    const warned: string[] = [];
    const whole = readCsvSeries(path, { warn: (l) => warned.push(l) });
    for (const size of [16, 100, 333, 4096, 1 << 20]) {
      const r = readBlocks(path, size);
      expect(r.times, `${size}`).toEqual([...whole.frame.times]);
      expect(r.texts).toEqual(whole.timeText.toArray());
      expect(r.data).toEqual([...whole.frame.data]);
      expect(r.notes).toEqual(whole.notes);
      expect(r.warned).toEqual(warned);
      if (size === 100) expect(r.blocks).toBeGreaterThan(10);
    }
  });

  it('throws the same errors, with the whole file\'s line numbers', () => {
    const bad = file('bad.csv', lines.slice(0, 250).join('\n') + '\n1700099999,x,1\n');
    expect(() => readCsvSeries(bad)).toThrow(/bad\.csv:251: column "a": "x" is not a number/);
    expect(() => readBlocks(bad, 64)).toThrow(/bad\.csv:251: column "a": "x" is not a number/);
    let strict = '';
    try {
      readCsvSeries(path, { strictTime: true });
    } catch (e) {
      strict = (e as Error).message;
    }
    expect(strict).toMatch(/mixed\.csv:102: .* is before line 101/);
    for (const size of [16, 64, 4096]) expect(() => readBlocks(path, size, true)).toThrow(strict);
    expect(() => readBlocks(file('empty.csv', ''), 64)).toThrow(/the file is empty/);
    expect(() => readBlocks(file('header.csv', 'timestamp,value\n'), 64)).toThrow(/no data rows/);
    expect(() => readBlocks(file('header-only.csv', 'timestamp,value'), 64)).toThrow(/no data rows/);
    expect(() => readBlocks(join(dir, 'absent.csv'), 64)).toThrow(/absent\.csv: cannot read: no such file/);
  });
});
