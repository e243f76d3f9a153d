import { isUtf8 } from 'node:buffer';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { createRng } from '../core/rng.js';
import { readCsvBlocks, readCsvSeries } from './csv.js';
import { assertCsvText, firstInvalidUtf8 } from './csv-text.js';

const dir = mkdtempSync(join(tmpdir(), 'kad-csv-text-'));

describe('firstInvalidUtf8', () => {
  it('agrees with Node\'s isUtf8 on random bytes, and the prefix before it is UTF-8', () => {
    const rng = createRng(5);
    for (let n = 0; n < 3000; n++) {
      const b = Buffer.from(Array.from({ length: 1 + rng.int(12) }, () => (rng.next() < 0.5 ? rng.int(128) : 128 + rng.int(128))));
      const k = firstInvalidUtf8(b);
      expect(k < 0, b.toString('hex')).toBe(isUtf8(b));
      if (k >= 0) expect(isUtf8(b.subarray(0, k))).toBe(true);
    }
    expect(firstInvalidUtf8(Buffer.from('héllo 😀 ½', 'utf8'))).toBe(-1);
    expect(firstInvalidUtf8(Buffer.from([0x61, 0xc0, 0x80]))).toBe(1); // overlong
    expect(firstInvalidUtf8(Buffer.from([0x61, 0xed, 0xa0, 0x80]))).toBe(1); // a surrogate
    expect(firstInvalidUtf8(Buffer.from([0x61, 0x62, 0xe2, 0x82]))).toBe(2); // cut short
  });
});

describe('assertCsvText', () => {
  it('says where a NUL or a byte that is not UTF-8 is, by offset and line, and shows no byte of it', () => {
    expect(() => assertCsvText(Buffer.from('timestamp,a\n1,2\n'), 'ok.csv')).not.toThrow();
    expect(() => assertCsvText(Buffer.from('timestamp,a\n1,\u0000\n'), 'n.csv')).toThrow(
      'n.csv: not a text file: a NUL byte at byte offset 14 (line 2); kad reads CSV as UTF-8 text',
    );
    expect(() => assertCsvText(Buffer.from([0x74, 0x0a, 0x0a, 0x31, 0xff, 0x00]), 'b.csv', { offset: 1000, lines: 9 })).toThrow(
      'b.csv: not a text file: byte 0xff, which is not UTF-8, at byte offset 1004 (line 12); kad reads CSV as UTF-8 text',
    );
    expect(() => assertCsvText(Buffer.from([0xff, 0xfe, 0x74, 0x00]), 'utf16.csv')).toThrow(InputError);
  });

  it('stops kad\'s CSV readers, whole file or block by block, with the whole file\'s offset and line', () => {
    const rows = ['timestamp,value', ...Array.from({ length: 500 }, (_, i) => `${1_700_000_000 + 60 * i},${i % 7}`)];
    const text = rows.join('\n') + '\n';
    const bytes = Buffer.from(text);
    const at = text.indexOf('\n1700024000,') + 12; // inside line 402
    bytes[at] = 0xfe;
    const p = join(dir, 'bin.csv');
    writeFileSync(p, bytes);
    const msg = `${p}: not a text file: byte 0xfe, which is not UTF-8, at byte offset ${at} (line 402); kad reads CSV as UTF-8 text`;
    expect(() => readCsvSeries(p)).toThrow(msg);
    expect(() => [...readCsvBlocks(p, {}, 256)]).toThrow(msg);
  });
});
