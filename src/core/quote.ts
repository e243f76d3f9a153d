/**
 * Text from a user's input shown inside a message (a column name, a field, a setting's value): in
 * double quotes, escaped as JSON escapes it plus the invisible characters a terminal would act on
 * (C1 controls, line and paragraph separators, bidirectional overrides, the byte-order mark), and cut
 * to a length, so a message never carries raw bytes or a wall of text.
 *
 * @example quoted('x1') // '"x1"'
 * @example quoted('a\u0000b') // '"a\\u0000b"'
 */

/** Characters JSON.stringify leaves as they are but a terminal should not see raw. */
const INVISIBLE = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;

const escapeOne = (c: string): string => {
  const json = JSON.stringify(c).slice(1, -1);
  return json.replace(INVISIBLE, (x) => `\\u${x.charCodeAt(0).toString(16).padStart(4, '0')}`);
};

/** The longest a quoted text gets, quotes included. */
export const QUOTED_MAX = 80;

/** `text` in double quotes, escaped, at most `max` characters long in all (cut with `…`). */
export function quoted(text: string, max = QUOTED_MAX): string {
  const pieces = Array.from(text, escapeOne);
  const all = pieces.join('');
  if (all.length + 2 <= max) return `"${all}"`;
  let out = '';
  for (const p of pieces) {
    if (out.length + p.length > max - 3) break; // room for the quotes and the ellipsis; never half an escape
    out += p;
  }
  return `"${out}…"`;
}

/** Names in quotes, separated by `, `, the first `n` of them and how many more (a long header stays one line). */
export function quotedList(names: readonly string[], n = 10): string {
  const shown = names.slice(0, n).map((s) => quoted(s)).join(', ');
  return names.length > n ? `${shown} and ${names.length - n} more` : shown;
}

/** A value from a config file as a message shows it: text {@link quoted}, numbers, booleans and null as they are, anything else as quoted JSON. */
export function shownValue(value: unknown): string {
  if (typeof value === 'string') return quoted(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  return quoted(JSON.stringify(value) ?? String(value));
}
