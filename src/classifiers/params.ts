/**
 * Checking a classifier's settings (beside core/params.ts's number reader), the frames it is given and
 * its saved names: the shared pieces, so every classifier's messages read alike.
 */
import { InputError, ModelFormatError } from '../core/errors.js';
import type { Frame } from '../core/frame.js';

/** Reads a setting that is one of `choices`. */
export function choiceParam<T extends string | boolean>(who: string, p: Readonly<Record<string, unknown>>, name: string, def: T, choices: readonly T[]): T {
  const v = (p[name] ?? def) as T;
  if (!choices.includes(v)) throw new InputError(`${who}: ${name} must be one of ${choices.map((c) => JSON.stringify(c)).join(', ')}, got ${JSON.stringify(p[name])}`);
  return v;
}

/**
 * Checks that a frame to predict on has the columns the model was fitted on, in order. Throws
 * {@link InputError} naming the first difference.
 */
export function checkColumns(who: string, features: readonly string[], frame: Frame): void {
  if (features.length === 0) throw new InputError(`${who}: predict before fit`);
  if (frame.cols !== features.length || frame.names.some((n, j) => n !== features[j])) {
    const j = frame.names.findIndex((n, k) => n !== features[k]);
    const at = j >= 0 && j < features.length ? `column ${j + 1} is ${JSON.stringify(frame.names[j])}, expected ${JSON.stringify(features[j])}` : `${frame.cols} columns, expected ${features.length}`;
    throw new InputError(`${who}: the frame's columns differ from the training columns (${at})`);
  }
}

/** Throws {@link InputError} unless `frame` has rows and columns to fit on. */
export function checkFitFrame(who: string, frame: Frame): void {
  if (frame.rows < 2 || frame.cols < 1) throw new InputError(`${who}: fit needs at least 2 rows and 1 column, got ${frame.rows}×${frame.cols}`);
}

/** Reads the saved class and feature names of a snapshot's state. Throws {@link ModelFormatError}. */
export function namesOf(kind: string, st: Record<string, unknown>, field: 'classes' | 'features'): string[] {
  const v = st[field];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new ModelFormatError(`${kind} snapshot: field "state.${field}" must be an array of strings`);
  return v as string[];
}
