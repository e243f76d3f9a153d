/**
 * Long synchronous work written as a generator of units (one `yield` before each), so that the same
 * code runs at once ({@link runSteps}) or with a pause between units ({@link runStepsAsync}), where a
 * command looks at its stop signal and the event loop runs.
 */

/** Drives a generator of units of work (one `yield` before each) to its result. */
export function runSteps<T>(steps: Generator<void, T, void>): T {
  let next = steps.next();
  while (!next.done) next = steps.next();
  return next.value;
}

/** {@link runSteps}, awaiting `between()` at each `yield` and at the end (a throw there ends the generator). */
export async function runStepsAsync<T>(steps: Generator<void, T, void>, between: () => Promise<void>): Promise<T> {
  let next = steps.next();
  while (!next.done) {
    try {
      await between();
    } catch (e) {
      steps.return(undefined as T);
      throw e;
    }
    next = steps.next();
  }
  await between(); // after the last unit too: a stop asked for during it is not lost
  return next.value;
}
