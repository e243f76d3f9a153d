/**
 * JSON larger than one JavaScript string. Node's longest string is 2^29 − 24 characters (about 512
 * MiB), and `JSON.stringify` / `JSON.parse` build or read the whole text as one: a model file of a
 * large cluster (`kad train` keeps about 60 KB a pod: some 9,000 pods) would fail with "Invalid
 * string length". So the text is written in parts, and a file too long for one string is read by
 * splitting its outer objects into members and parsing each member's value on its own.
 *
 * Both split only plain objects within `depth` levels of the top (a model file: the file itself, then
 * `workloads` and `pods`); everything below is one `JSON.stringify` / `JSON.parse`. The parts joined
 * are exactly `JSON.stringify(value)`, and reading gives what `JSON.parse` gives.
 */
import { constants } from 'node:buffer';
import { InputError } from '../core/errors.js';

/** Whether `v` is an object to split: a plain object (not an array, a boxed number or string, a Date…) without `toJSON`. */
function splittable(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || typeof (v as { toJSON?: unknown }).toJSON === 'function') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * The JSON text of `value` in parts, `JSON.stringify(value)` when joined: plain objects within
 * `depth` levels are opened member by member; below that, each value is one part.
 */
export function* jsonParts(value: unknown, depth = 2): Generator<string, void, void> {
  if (depth <= 0 || !splittable(value)) {
    const text = JSON.stringify(value);
    yield text === undefined ? 'null' : text;
    return;
  }
  let first = true;
  for (const [k, v] of Object.entries(value)) {
    if (depth > 1 && splittable(v)) {
      yield `${first ? '{' : ','}${JSON.stringify(k)}:`;
      yield* jsonParts(v, depth - 1);
    } else {
      // JSON.stringify's own member text: `toJSON(key)` with the member's name, a member with no JSON
      // form (undefined, a function) left out.
      const member = JSON.stringify({ [k]: v }).slice(1, -1);
      if (member === '') continue;
      yield `${first ? '{' : ','}${member}`;
    }
    first = false;
  }
  yield first ? '{}' : '}';
}

/** The longest text one string can hold here (UTF-16 code units; a UTF-8 byte is at most one). */
const MAX_TEXT = constants.MAX_STRING_LENGTH;

/**
 * Parses JSON `bytes` (UTF-8). Text that fits in one string is one `JSON.parse`; longer text (or any,
 * with `maxText`) is split as {@link jsonParts} writes it: the members of plain objects within
 * `depth` levels, each value parsed on its own. Throws a `SyntaxError` (or an {@link InputError} from
 * the splitter) saying what is wrong and at which byte.
 */
export function parseJsonBytes(bytes: Uint8Array, depth = 2, maxText = MAX_TEXT): unknown {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length <= maxText) return JSON.parse(b.toString('utf8'));
  const s = skipSpace(b, 0);
  const { value, end } = parseAt(b, s, depth, maxText);
  if (skipSpace(b, end) !== b.length) throw new InputError(`JSON: unexpected text after the value at byte ${skipSpace(b, end)}`);
  return value;
}

const SPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);
const QUOTE = 0x22, BACKSLASH = 0x5c, OPEN = 0x7b, CLOSE = 0x7d, COLON = 0x3a, COMMA = 0x2c;

function skipSpace(b: Buffer, i: number): number {
  while (i < b.length && SPACE.has(b[i])) i++;
  return i;
}

/** The value at byte `i` (no space before it) and the byte after it. */
function parseAt(b: Buffer, i: number, depth: number, maxText: number): { value: unknown; end: number } {
  const end = valueEnd(b, i);
  if (depth <= 0 || b[i] !== OPEN || end - i <= maxText) return { value: JSON.parse(b.toString('utf8', i, end)), end };
  const out: Record<string, unknown> = {};
  let p = skipSpace(b, i + 1);
  if (b[p] === CLOSE) return { value: out, end: p + 1 };
  for (;;) {
    if (b[p] !== QUOTE) throw new InputError(`JSON: expected a member name at byte ${p}`);
    const keyEnd = valueEnd(b, p);
    const key = JSON.parse(b.toString('utf8', p, keyEnd)) as string;
    p = skipSpace(b, keyEnd);
    if (b[p] !== COLON) throw new InputError(`JSON: expected ':' at byte ${p}`);
    p = skipSpace(b, p + 1);
    const member = parseAt(b, p, depth - 1, maxText);
    // As JSON.parse: a repeated name keeps its last value; "__proto__" is an own member, not the prototype.
    Object.defineProperty(out, key, { value: member.value, enumerable: true, writable: true, configurable: true });
    p = skipSpace(b, member.end);
    if (b[p] === COMMA) {
      p = skipSpace(b, p + 1);
      continue;
    }
    if (b[p] === CLOSE) return { value: out, end: p + 1 };
    throw new InputError(`JSON: expected ',' or '}' at byte ${p}`);
  }
}

/** The byte after the value that starts at `i`: a string, an object or array (matched brackets outside strings), or a literal or number. */
function valueEnd(b: Buffer, i: number): number {
  const c = b[i];
  if (c === QUOTE) {
    for (let p = i + 1; p < b.length; p++) {
      if (b[p] === BACKSLASH) p++;
      else if (b[p] === QUOTE) return p + 1;
    }
    throw new InputError(`JSON: a string that starts at byte ${i} does not end`);
  }
  if (c === OPEN || c === 0x5b) {
    let level = 0;
    for (let p = i; p < b.length; p++) {
      const x = b[p];
      if (x === QUOTE) {
        for (p++; p < b.length && b[p] !== QUOTE; p++) if (b[p] === BACKSLASH) p++;
      } else if (x === OPEN || x === 0x5b) level++;
      else if ((x === CLOSE || x === 0x5d) && --level === 0) return p + 1;
    }
    throw new InputError(`JSON: the ${c === OPEN ? 'object' : 'array'} that starts at byte ${i} does not end`);
  }
  let p = i;
  while (p < b.length && !SPACE.has(b[p]) && b[p] !== COMMA && b[p] !== CLOSE && b[p] !== 0x5d) p++;
  if (p === i) throw new InputError(`JSON: expected a value at byte ${i}`);
  return p;
}
