/**
 * The live feed: a {@link CycleObserver} the engine hands every cycle's result to, which passes it
 * on to whoever listens (the API's Server-Sent Events stream, GET /api/events). Listeners are called
 * in the engine's loop: they must be quick, and one that throws is dropped from this call only.
 */
import type { CycleObserver, CycleResult } from '../policy/cycle-result.js';

/** Passes cycle results on to listeners; see the module comment. */
export class LiveFeed implements CycleObserver {
  private readonly listeners = new Set<(r: CycleResult) => void>();

  /** Calls `fn` with every cycle's result from now on; returns the function that stops it. */
  subscribe(fn: (r: CycleResult) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** How many listen now. */
  get size(): number {
    return this.listeners.size;
  }

  observe(r: CycleResult): void {
    for (const fn of this.listeners) {
      try {
        fn(r);
      } catch {
        // a listener's failure is its own (a closed stream): the others still hear
      }
    }
  }
}
