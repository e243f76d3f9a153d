/**
 * Settings of a component (a detector, a scorer) given as a plain object: one reader that refuses
 * unknown names and reads each number with its default and its check, with messages that name the
 * component, the setting, what is allowed and what was given.
 */
import { InputError } from './errors.js';

/** Reads one number setting: `name`, its default, a check and the words for what is allowed. */
export type NumberParam = (name: string, def: number, ok: (v: number) => boolean, what: string) => number;

/**
 * Checks that `p` names only `known` settings and returns a reader of its numbers. Throws
 * {@link InputError} `"<component>: unknown parameter "x"; known: …"` for an unknown name, and (from
 * the reader) `"<component>: <name> must be <what>, got <value>"` for a bad value.
 */
export function paramReader(component: string, p: Readonly<Record<string, unknown>>, known: readonly string[], noun = 'parameter'): NumberParam {
  const unknown = Object.keys(p).filter((k) => !known.includes(k));
  if (unknown.length > 0) throw new InputError(`${component}: unknown ${noun} "${unknown[0]}"; known: ${known.join(', ')}`);
  return (name, def, ok, what) => {
    const v = p[name] ?? def;
    if (typeof v !== 'number' || !ok(v)) throw new InputError(`${component}: ${name} must be ${what}, got ${JSON.stringify(v)}`);
    return v;
  };
}

/** A check for {@link NumberParam}: an integer from `lo` to `hi`. */
export function intIn(lo: number, hi: number): (v: number) => boolean {
  return (v) => Number.isInteger(v) && v >= lo && v <= hi;
}
