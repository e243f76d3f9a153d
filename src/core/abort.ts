/**
 * The abort controller of one outgoing request: aborted by its timeout, by the caller's signal, or
 * by {@link RequestAbort.abort} (a source closing); {@link RequestAbort.dispose} clears the timer and
 * the listener once the request settles. (Not `AbortSignal.any` over the caller's long-lived signal:
 * on Node 20 every signal it combines with a long-lived one stays reachable, about 1 kB a call.)
 */

/** See the module comment. */
export interface RequestAbort {
  /** The signal to give the request. */
  readonly signal: AbortSignal;
  /** True once the timeout has fired (as opposed to the caller or `abort()` cancelling). */
  readonly timedOut: boolean;
  abort(): void;
  /** Clears the timer and stops following the caller's signal. */
  dispose(): void;
}

/** A {@link RequestAbort} that times out after `timeoutMs` and follows `parent` (aborted at once if it already is). */
export function requestAbort(timeoutMs: number, parent?: AbortSignal): RequestAbort {
  const ctrl = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    ctrl.abort();
  }, timeoutMs);
  const onAbort = () => ctrl.abort();
  parent?.addEventListener('abort', onAbort, { once: true });
  if (parent?.aborted) ctrl.abort();
  return {
    signal: ctrl.signal,
    get timedOut() {
      return timedOut;
    },
    abort: () => ctrl.abort(),
    dispose: () => {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onAbort);
    },
  };
}
