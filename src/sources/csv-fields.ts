/**
 * CSV fields read in place from the file's bytes, for the CSV reader (csv.ts): plain decimals and the two
 * common time forms, parsed to exactly what the string rules (`Number()`, `parseTime`) give, and a
 * whole plain row in one pass. Anything else returns {@link SLOW}, and the string rules decide.
 */

/** Powers of ten that are exact doubles. */
const POW10 = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));
/** Returned by the byte parsers when the string rules must decide. */
export const SLOW = -Infinity;
const COMMA = 0x2c, MINUS = 0x2d, PLUS = 0x2b, DOT = 0x2e, ZERO = 0x30;

const isDigit = (c: number): boolean => c >= ZERO && c <= 0x39;

/** Where {@link scanDecimal} leaves the number it read. */
interface Scanned {
  value: number;
}

/**
 * Reads a plain decimal (`-12.5`, `3e-4`) starting at `b[s]`, no further than `e`, into `out.value`
 * (exactly the double `Number()` gives for those bytes; {@link SLOW} when the string rules must decide:
 * no digits, more than 15 significant digits, or a power of ten past 22, where one multiplication or
 * division is not exact). Returns where the number stopped.
 */
function scanDecimal(b: Uint8Array, s: number, e: number, out: Scanned): number {
  let i = s;
  let neg = false;
  if (i < e && (b[i] === MINUS || b[i] === PLUS)) neg = b[i++] === MINUS;
  let m = 0, digits = 0, sig = 0, frac = 0;
  for (; i < e; i++, digits++) {
    const d = b[i] - ZERO;
    if (d < 0 || d > 9) break;
    if (sig > 0 || d !== 0) { m = m * 10 + d; sig++; }
  }
  if (i < e && b[i] === DOT) {
    for (i++; i < e; i++, digits++, frac++) {
      const d = b[i] - ZERO;
      if (d < 0 || d > 9) break;
      if (sig > 0 || d !== 0) { m = m * 10 + d; sig++; }
    }
  }
  let exp = 0;
  if (i < e && (b[i] | 0x20) === 0x65) { // e or E
    i++;
    let eneg = false;
    if (i < e && (b[i] === MINUS || b[i] === PLUS)) eneg = b[i++] === MINUS;
    const start = i;
    for (; i < e && exp < 1000; i++) {
      const d = b[i] - ZERO;
      if (d < 0 || d > 9) break;
      exp = exp * 10 + d;
    }
    if (i === start) digits = 0;
    if (eneg) exp = -exp;
  }
  const p = exp - frac;
  let v: number;
  if (digits === 0 || sig > 15) v = SLOW;
  else if (m === 0) v = neg ? -0 : 0;
  else if (p >= 0 && p <= 22) v = neg ? -(m * POW10[p]) : m * POW10[p];
  else if (p < 0 && p >= -22) v = neg ? -(m / POW10[-p]) : m / POW10[-p];
  else v = SLOW;
  out.value = v;
  return i;
}

/**
 * Parses a plain decimal (`-12.5`, `3e-4`) in `b[s..e)` to exactly the double `Number()` gives: NaN for
 * an empty field, {@link SLOW} when the string rules must decide (anything else, or more than 15
 * significant digits or a power of ten past 22, where one multiplication is not exact).
 */
export function parseDecimalBytes(b: Uint8Array, s: number, e: number): number {
  if (s === e) return NaN;
  const out = { value: 0 };
  return scanDecimal(b, s, e, out) === e ? out.value : SLOW;
}

/** Days from 1970-01-01 to a proleptic Gregorian date (month 1–12; a day past the month's end rolls over). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  return era * 146_097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719_468;
}

/** Where `YYYY-MM-DD HH:MM:SS` has digits. */
const DATETIME_DIGITS = Uint8Array.of(0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18);
const two = (b: Uint8Array, i: number): number => (b[i] - ZERO) * 10 + (b[i + 1] - ZERO);

/**
 * Parses a time field in `b[s..e)` the way {@link parseTime} does for its two common forms, epoch
 * seconds and `YYYY-MM-DD HH:MM:SS` / `YYYY-MM-DDTHH:MM:SS` (UTC); {@link SLOW} for anything else.
 */
export function parseTimeBytes(b: Uint8Array, s: number, e: number): number {
  if (e - s === 19 && b[s + 4] === MINUS && b[s + 7] === MINUS && (b[s + 10] === 0x20 || b[s + 10] === 0x54) && b[s + 13] === 0x3a && b[s + 16] === 0x3a) {
    for (let k = 0; k < DATETIME_DIGITS.length; k++) if (!isDigit(b[s + DATETIME_DIGITS[k]])) return SLOW;
    const year = two(b, s) * 100 + two(b, s + 2);
    const mon = two(b, s + 5), day = two(b, s + 8), h = two(b, s + 11), mi = two(b, s + 14), sec = two(b, s + 17);
    // Inside these ranges this is what Date.parse gives (a day past the month's end rolls over in both).
    if (year < 100 || mon < 1 || mon > 12 || day < 1 || day > 31 || h > 23 || mi > 59 || sec > 59) return SLOW;
    return daysFromCivil(year, mon, day) * 86_400_000 + h * 3_600_000 + mi * 60_000 + sec * 1000;
  }
  let i = s;
  if (b[i] === MINUS) i++;
  const d0 = i;
  while (i < e && isDigit(b[i])) i++;
  if (i === d0) return SLOW;
  if (i < e && b[i] === DOT) {
    const f0 = ++i;
    while (i < e && isDigit(b[i])) i++;
    if (i === f0) return SLOW;
  }
  if (i !== e) return SLOW;
  const v = parseDecimalBytes(b, s, e);
  return v === SLOW ? SLOW : v * 1000; // epoch seconds
}

/** Where {@link readPlainRow} leaves the row's time, the time field's bounds and its missing values. */
export interface PlainRow extends Scanned {
  time: number;
  ts: number;
  te: number;
  missing: number;
}

/**
 * Reads line `b[ls..le)` in one pass when it is plain: `fields` comma-separated fields, the time field
 * (`tcol`) in a common form ({@link parseTimeBytes}), every other field a plain decimal or empty
 * (missing). Values go to `data[base + slot[j]]`. Returns false when the careful path must read the
 * line (which writes every value again).
 */
export function readPlainRow(b: Uint8Array, ls: number, le: number, fields: number, tcol: number, slot: Int32Array, data: Float64Array, base: number, out: PlainRow): boolean {
  let k = ls;
  let missing = 0;
  for (let j = 0; j < fields; j++) {
    if (j > 0) {
      if (k >= le || b[k] !== COMMA) return false;
      k++;
    }
    if (j === tcol) {
      const s = k;
      while (k < le && b[k] !== COMMA) k++;
      const t = parseTimeBytes(b, s, k);
      if (t === SLOW) return false;
      out.time = t;
      out.ts = s;
      out.te = k;
    } else if (k === le || b[k] === COMMA) {
      data[base + slot[j]] = NaN;
      missing++;
    } else {
      k = scanDecimal(b, k, le, out);
      if (out.value === SLOW) return false;
      data[base + slot[j]] = out.value;
    }
  }
  out.missing = missing;
  return k === le;
}
