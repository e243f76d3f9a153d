/**
 * Models as data (CONVENTIONS.md point 9): the envelope every saved model has (kind, formatVersion,
 * params, state) and its check on load; and what a model says about one point (a feature's
 * contribution), which alerts carry. Also the pieces every loader shares: opening a snapshot
 * ({@link openSnapshot}) and the base64 codec of typed arrays ({@link toBase64}, {@link fromBase64}).
 */
import { ModelFormatError } from './errors.js';

/** What a detector saves: plain JSON, with its kind and format version checked on load. */
export interface DetectorSnapshot {
  kind: string;
  formatVersion: number;
  params: Record<string, unknown>;
  state: unknown;
}

/** How far one feature of a point is from what a detector learned. */
export interface FeatureContribution {
  name: string;
  value: number;
  /** Distance from the learned centre in learned spreads (scale floors applied). */
  z: number;
  /** The range the detector considers normal: [low, high]. */
  expected: [number, number];
}

/** Checks a snapshot's envelope: throws {@link ModelFormatError} unless it has this `kind` and `formatVersion`. */
export function checkSnapshot(s: DetectorSnapshot, kind: string, formatVersion: number): void {
  if (typeof s !== 'object' || s === null) throw new ModelFormatError(`expected a "${kind}" snapshot object, got ${s === null ? 'null' : typeof s}`);
  if (s.kind !== kind) throw new ModelFormatError(`expected a snapshot of kind "${kind}", got kind ${JSON.stringify(s.kind)}`);
  if (s.formatVersion !== formatVersion) {
    throw new ModelFormatError(`"${kind}" snapshot has formatVersion ${JSON.stringify(s.formatVersion)}; this version of kad reads formatVersion ${formatVersion}`);
  }
}

/**
 * Opens a snapshot the way every loader starts: checks its envelope ({@link checkSnapshot}), requires
 * `state` to be an object, and builds the component from `params` (and the state, e.g. its seed) with
 * `make`. Throws {@link ModelFormatError} `"<kind> snapshot: field "state" must be an object"`, or
 * `"<kind> snapshot: field "params" is invalid: …"` when `make` refuses the settings (a
 * ModelFormatError that `make` throws itself, e.g. about the state, passes through unchanged).
 */
export function openSnapshot<T>(
  s: DetectorSnapshot,
  kind: string,
  formatVersion: number,
  make: (params: Record<string, unknown>, state: Record<string, unknown>) => T,
): { model: T; state: Record<string, unknown> } {
  checkSnapshot(s, kind, formatVersion);
  const state = s.state as Record<string, unknown> | null;
  if (typeof state !== 'object' || state === null) throw new ModelFormatError(`${kind} snapshot: field "state" must be an object`);
  try {
    return { model: make(s.params, state), state };
  } catch (e) {
    if (e instanceof ModelFormatError) throw e;
    throw new ModelFormatError(`${kind} snapshot: field "params" is invalid: ${(e as Error).message}`);
  }
}

/** A typed array's constructor, for {@link fromBase64}. */
export interface TypedArrayType<A> {
  new (buffer: ArrayBuffer): A;
  readonly BYTES_PER_ELEMENT: number;
}

/** A typed array's bytes in base64 (little-endian, as on every platform Node runs on), as snapshots store them. */
export function toBase64(a: ArrayBufferView): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

/**
 * Decodes a typed array written by {@link toBase64} into a fresh, aligned buffer. Throws
 * {@link ModelFormatError} `"<kind> snapshot: field "<field>" must be a base64 string"` or
 * `"… is truncated"` (a byte count that is not a whole number of elements).
 */
export function fromBase64<A>(type: TypedArrayType<A>, s: unknown, kind: string, field: string): A {
  if (typeof s !== 'string') throw new ModelFormatError(`${kind} snapshot: field "${field}" must be a base64 string`);
  const bytes = Buffer.from(s, 'base64');
  if (bytes.length % type.BYTES_PER_ELEMENT !== 0) throw new ModelFormatError(`${kind} snapshot: field "${field}" is truncated`);
  const buf = new ArrayBuffer(bytes.length);
  new Uint8Array(buf).set(bytes);
  return new type(buf);
}
