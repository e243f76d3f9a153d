/**
 * The CSV reader reads UTF-8 text. Bytes that are not (a NUL, a sequence that is not UTF-8: a binary
 * file, a UTF-16 export, a truncated download) stop it with one short message that says where, by
 * byte offset and line, and shows no byte of the file.
 */
import { isUtf8 } from 'node:buffer';
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { InputError } from '../core/errors.js';

/** Cells read as missing whatever their case: empty, `NaN`, `-nan`, `null`. */
const MISSING_ANY_CASE = /^(|[+-]?nan|null)$/i;
/** And, as written, the other markers pandas reads as missing by default (`NA`, `N/A`, `None`, `#N/A`, …). */
const MISSING_MARKERS = new Set(['NA', 'N/A', 'n/a', '<NA>', 'None', '#N/A', '#N/A N/A', '#NA', '-1.#IND', '-1.#QNAN', '1.#IND', '1.#QNAN']);

/**
 * Whether a CSV cell (trimmed) is a missing value: empty, `NaN` or `null` in any case, or one of the
 * other markers pandas reads as missing by default (`NA`, `N/A`, `n/a`, `<NA>`, `None`, `#N/A`, …),
 * so that a file written by pandas, R or a spreadsheet reads as it does there.
 */
export function isMissingCell(cell: string): boolean {
  return MISSING_ANY_CASE.test(cell) || MISSING_MARKERS.has(cell);
}

/**
 * For a header that lacks a column it should have: when it is one field holding semicolons, tabs or
 * bars (a spreadsheet's export in a locale whose decimal mark is a comma, a TSV), what to do about
 * it, starting with "; "; else "".
 */
export function separatorHint(header: readonly string[]): string {
  if (header.length !== 1) return '';
  const [sep, name] = ([[';', 'semicolons'], ['\t', 'tabs'], ['|', 'bars']] as const).find(([c]) => header[0].includes(c)) ?? [];
  return sep ? `; the header is one field with ${name} in it: kad reads values separated by commas, with a point as the decimal mark (export the file so)` : '';
}

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

/** The error of a file that cannot be opened or read, naming it. */
export function cannotRead(path: string, e: unknown): InputError {
  return new InputError(`${path}: cannot read: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
}

/** A run of whole lines of a file, as {@link readLineChunks} reads it. */
export interface LineChunk {
  /** Its bytes: whole lines (the last chunk: to the end of the file), checked to be UTF-8 text. */
  bytes: Buffer;
  /** Line ends in the file before it (its first line is line `linesBefore + 1`). */
  linesBefore: number;
  /** The file's bytes up to its end. */
  endByte: number;
  /** Whether it ends the file. */
  eof: boolean;
}

const NL = 0x0a;

/** Standard input's file descriptor: `-` in a command's input options. */
const STDIN_FD = 0;

/** For waiting between tries on a standard input that has no data yet. */
const WAIT = new Int32Array(new SharedArrayBuffer(4));

/**
 * Reads up to `length` bytes of `fd` into `buf` at `offset` (0 at the end of the input). Standard
 * input may be non-blocking (a socket or pipe its parent set so): with nothing to read yet, it waits
 * 5 ms and tries again.
 */
function readSome(fd: number, buf: Buffer, offset: number, length: number): number {
  for (;;) {
    try {
      return readSync(fd, buf, offset, length, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      Atomics.wait(WAIT, 0, 0, 5);
    }
  }
}

/**
 * The chunk of `bytes` (whole lines of the file `name`, starting at `at`, which moves past them),
 * checked to be text: a UTF-8 sequence never spans a line end.
 */
function lineChunk(bytes: Buffer, name: string, at: TextPosition, endByte: number, eof: boolean): LineChunk {
  assertCsvText(bytes, name, at);
  const linesBefore = at.lines;
  at.offset += bytes.length;
  for (let k = bytes.indexOf(NL); k >= 0; k = bytes.indexOf(NL, k + 1)) at.lines++;
  return { bytes, linesBefore, endByte, eof };
}

/**
 * `bytes` (a whole file's content, named `name`) as chunks of whole lines of about `blockBytes` each,
 * as {@link readLineChunks} gives a file's (views into `bytes`, no copy), each checked to be text.
 */
export function* lineChunksOf(bytes: Buffer, name: string, blockBytes: number): Generator<LineChunk, void, void> {
  const at: TextPosition = { offset: 0, lines: 0 };
  for (let start = 0; ;) {
    let cut = bytes.length;
    if (start + blockBytes < bytes.length) {
      const k = bytes.indexOf(NL, start + blockBytes);
      cut = k < 0 ? bytes.length : k + 1;
    }
    const eof = cut === bytes.length;
    yield lineChunk(bytes.subarray(start, cut), name, at, cut, eof);
    if (eof) return;
    start = cut;
  }
}

/** The whole content of a command's input file; `-` is standard input. Throws {@link InputError} naming it when it cannot be read. */
export function readInput(path: string): Buffer {
  try {
    if (path !== '-') return readFileSync(path);
    const parts: Buffer[] = [];
    for (;;) {
      const b = Buffer.allocUnsafe(1 << 20);
      const n = readSome(STDIN_FD, b, 0, b.length);
      if (n === 0) return Buffer.concat(parts);
      parts.push(b.subarray(0, n));
    }
  } catch (e) {
    throw cannotRead(path, e);
  }
}

/**
 * Reads a file as chunks of whole lines, about `blockBytes` each (a longer line makes a longer
 * chunk), each checked by {@link assertCsvText} with its place in the file: memory is bound by the
 * chunk, not the file. The last chunk (`eof`) holds what follows the last line end, possibly nothing.
 * `reserve()` bytes are left free before each chunk's bytes in its buffer (`bytes.buffer`), for a
 * caller that puts a header there without a copy. Each chunk has its own buffer. `-` reads standard
 * input (a pipe is read as it comes, a chunk at a time). Throws {@link InputError} naming the file
 * when it cannot be read, or where it is not text.
 */
export function* readLineChunks(path: string, blockBytes: number, reserve: () => number = () => 0): Generator<LineChunk, void, void> {
  let fd: number;
  try {
    fd = path === '-' ? STDIN_FD : openSync(path, 'r');
  } catch (e) {
    throw cannotRead(path, e);
  }
  try {
    let carry = Buffer.alloc(0); // the bytes after the last whole line read so far
    let read = 0; // bytes read from the file so far
    const at: TextPosition = { offset: 0, lines: 0 }; // where the next bytes to check start
    for (let eof = false; !eof;) {
      const head = reserve();
      const buf = Buffer.allocUnsafe(head + carry.length + blockBytes);
      carry.copy(buf, head);
      let n: number;
      try {
        n = readSome(fd, buf, head + carry.length, blockBytes);
      } catch (e) {
        throw cannotRead(path, e);
      }
      eof = n === 0;
      read += n;
      const data = buf.subarray(head, head + carry.length + n);
      const cut = eof ? data.length : data.lastIndexOf(NL) + 1;
      carry = Buffer.from(data.subarray(cut));
      if (cut === 0 && !eof) continue; // no whole line yet
      yield lineChunk(data.subarray(0, cut), path, at, read - carry.length, eof);
    }
  } finally {
    if (fd !== STDIN_FD) closeSync(fd);
  }
}
