/**
 * Checks of values read back from JSON (state files, request bodies) before they are trusted as a type.
 */

/** True when `r` is a plain object of string values (alert labels, annotations). */
export function isStringRecord(r: unknown): r is Record<string, string> {
  return !!r && typeof r === 'object' && !Array.isArray(r) && Object.values(r).every((v) => typeof v === 'string');
}
