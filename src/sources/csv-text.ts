/**
 * The CSV reader reads UTF-8 text. Bytes that are not (a NUL, a sequence that is not UTF-8: a binary
 * file, a UTF-16 export, a truncated download) stop it with one short message that says where, by
 * byte offset and line, and shows no byte of the file.
 */
import { isUtf8 } from 'node:buffer';
import { InputError } from '../core/errors.js';

/** Where `bytes` start in their file: the byte offset and the count of line ends before them. */
export interface TextPosition {
  offset: number;
  lines: number;
}

/**
 * The index of the first byte of `b` that starts a sequence that is not UTF-8 (a stray continuation
 * byte, a lead byte without its continuation bytes, an overlong form, a surrogate, past U+10FFFF);
 * -1 when all of `b` is UTF-8.
 */
export function firstInvalidUtf8(b: Uint8Array): number {
  for (let i = 0; i < b.length;) {
    const c = b[i];
    if (c < 0x80) { i++; continue; }
    let n: number, min: number;
    if (c >= 0xc2 && c <= 0xdf) { n = 1; min = 0x80; }
    else if (c >= 0xe0 && c <= 0xef) { n = 2; min = 0x800; }
    else if (c >= 0xf0 && c <= 0xf4) { n = 3; min = 0x10000; }
    else return i;
    let cp = c & (0x3f >> n);
    for (let k = 1; k <= n; k++) {
      const d = b[i + k];
      if (d === undefined || (d & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (d & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += n + 1;
  }
  return -1;
}

/**
 * Throws {@link InputError} when `bytes` (of the file `name`, starting at `at`) hold a NUL or are not
 * UTF-8: `in.csv: not a text file: a NUL byte at byte offset 1234 (line 5); kad reads CSV as UTF-8 text`.
 */
export function assertCsvText(bytes: Uint8Array, name: string, at: TextPosition = { offset: 0, lines: 0 }): void {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const nul = buf.indexOf(0);
  const bad = isUtf8(buf) ? -1 : firstInvalidUtf8(buf);
  if (nul < 0 && bad < 0) return;
  const k = nul >= 0 && (bad < 0 || nul <= bad) ? nul : bad;
  let line = at.lines + 1;
  for (let j = buf.indexOf(0x0a); j >= 0 && j < k; j = buf.indexOf(0x0a, j + 1)) line++;
  const what = k === nul ? 'a NUL byte' : `byte 0x${buf[k].toString(16).padStart(2, '0')}, which is not UTF-8,`;
  throw new InputError(`${name}: not a text file: ${what} at byte offset ${at.offset + k} (line ${line}); kad reads CSV as UTF-8 text`);
}
