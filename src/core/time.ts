/**
 * Time text as recorded data writes it. Times are epoch milliseconds, as everywhere in kad.
 */

/**
 * Parses `YYYY-MM-DD HH:MM:SS[.fraction]` (or with a `T`) as UTC epoch ms, fraction truncated to ms;
 * anything after it is ignored (Go's `+0000 UTC m=+0.11`), so is no zone. NaN when it does not match.
 */
export function parseUtc(text: string): number {
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d+))?/.exec(text.trim());
  if (!m) return NaN;
  return Date.parse(`${m[1]}T${m[2]}.${(m[3] ?? '0').slice(0, 3).padEnd(3, '0')}Z`);
}
