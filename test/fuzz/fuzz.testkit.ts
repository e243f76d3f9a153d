/**
 * Shared pieces of the property-based (fast-check) suites: one fixed seed, run counts that a variable
 * can scale, and a tally of outcomes that each suite prints once, so CI's log shows how many cases
 * ran and how they ended. The rule every suite checks: a case either succeeds or fails with a coded
 * error (a {@link KadError}); anything else thrown fails the property with the case that caused it.
 */
import fc from 'fast-check';
import { KadError } from '../../src/core/errors.js';

/** The seed of every fuzz suite (fast-check's `seed`): the same cases on every run. `KAD_FUZZ_SEED` overrides it. */
export const FUZZ_SEED = Number(process.env.KAD_FUZZ_SEED ?? 20_260_114);

/** `n` cases, times `KAD_FUZZ_SCALE` (default 1; e.g. 10 for a longer local run), at least 1. */
export function runs(n: number): number {
  const scale = Number(process.env.KAD_FUZZ_SCALE ?? 1);
  return Math.max(1, Math.round(n * (Number.isFinite(scale) && scale > 0 ? scale : 1)));
}

/** fast-check parameters of a suite: the fixed seed, `numRuns`, no time limit (the counts bound it). */
export function params(numRuns: number): fc.Parameters<unknown> {
  return { seed: FUZZ_SEED, numRuns, endOnFailure: true };
}

/** The outcome of one case: `ok`, or the KadError it threw. */
export type Outcome = 'ok' | KadError;

/**
 * Runs `fn`: `ok` when it returns, the error when it throws a {@link KadError}; anything else is
 * rethrown with `what` in front, which fails the property.
 */
export function outcomeOf(what: string, fn: () => void): Outcome {
  try {
    fn();
    return 'ok';
  } catch (e) {
    if (e instanceof KadError) return e;
    throw uncoded(what, e);
  }
}

/** Async {@link outcomeOf}. */
export async function outcomeOfAsync(what: string, fn: () => Promise<unknown>): Promise<Outcome> {
  try {
    await fn();
    return 'ok';
  } catch (e) {
    if (e instanceof KadError) return e;
    throw uncoded(what, e);
  }
}

function uncoded(what: string, e: unknown): Error {
  const err = e as Error;
  return new Error(`${what}: threw ${err?.name ?? typeof e} without a KAD_ERR_ code: ${err?.message ?? String(e)}\n${err?.stack ?? ''}`);
}

/** Counts the outcomes of a suite's cases (by error code, with the first message of each) and prints them. */
export class Tally {
  private readonly counts = new Map<string, number>();
  private readonly examples = new Map<string, string>();
  constructor(private readonly name: string) {}

  /** Records one case's outcome; returns it. */
  add<T extends Outcome>(outcome: T): T {
    if (outcome === 'ok') this.note('ok');
    else this.note(outcome.code, outcome.message);
    return outcome;
  }

  /** Records one case that ended with `key` (e.g. `HTTP 404`), with an example message for the report. */
  note(key: string, example?: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    if (example !== undefined && !this.examples.has(key)) this.examples.set(key, example.split('\n').slice(0, 2).join(' ').slice(0, 160));
  }

  /** Cases recorded so far. */
  get total(): number {
    let n = 0;
    for (const v of this.counts.values()) n += v;
    return n;
  }

  /** Cases that ended with `key` (`ok` or an error code). */
  count(key: string): number {
    return this.counts.get(key) ?? 0;
  }

  /**
   * `[fuzz] NAME: N cases (seed S): ok 40, KAD_ERR_INPUT 20`, then one indented line per error code
   * with its first message; printed on stdout and returned.
   */
  report(): string {
    const keys = [...this.counts.keys()].sort((a, b) => (a === 'ok' ? -1 : b === 'ok' ? 1 : a.localeCompare(b)));
    const head = `[fuzz] ${this.name}: ${this.total} cases (seed ${FUZZ_SEED}): ${keys.map((k) => `${k} ${this.counts.get(k)}`).join(', ') || 'none'}`;
    const lines = [head, ...keys.filter((k) => this.examples.has(k)).map((k) => `         ${k}, e.g. ${this.examples.get(k)}`)];
    console.log(lines.join('\n'));
    return lines.join('\n');
  }
}

/**
 * Numbers a metric source or a file may hold: ordinary values, zero, tiny and huge magnitudes, the
 * largest doubles, infinities and NaN (`nonFinite` false leaves out the infinities and NaN).
 */
export function anyNumber(nonFinite = true): fc.Arbitrary<number> {
  const finite: fc.Arbitrary<number>[] = [
    fc.double({ min: -1e3, max: 1e3, noNaN: true }),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.constantFrom(0, -0, 1, -1, 5e-324, -5e-324, 1e-300, 1e300, -1e300, Number.MAX_VALUE, -Number.MAX_VALUE, Number.MAX_SAFE_INTEGER, 2 ** 53 + 1),
  ];
  return nonFinite ? fc.oneof(...finite, fc.constantFrom(NaN, Infinity, -Infinity)) : fc.oneof(...finite);
}

/**
 * Times of a stream, epoch ms, built from steps: mostly forward by one step, with repeats, steps
 * backward, large gaps and jumps far into the past or future.
 */
export function timeline(n: number, start = 1_700_000_000_000, stepMs = 60_000): fc.Arbitrary<number[]> {
  const step = fc.oneof(
    { weight: 6, arbitrary: fc.constant(stepMs) },
    { weight: 1, arbitrary: fc.constant(0) },
    { weight: 1, arbitrary: fc.integer({ min: -10, max: -1 }).map((k) => k * stepMs) },
    { weight: 1, arbitrary: fc.integer({ min: 2, max: 10_000 }).map((k) => k * stepMs) },
    { weight: 1, arbitrary: fc.constantFrom(-1e12, 1e12, 1) },
  );
  return fc.array(step, { minLength: n, maxLength: n }).map((steps) => {
    let t = start;
    return steps.map((s) => (t += s));
  });
}
