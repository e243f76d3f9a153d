/**
 * Time sources. Everything that reads the time takes a {@link Clock}, so tests and the simulator can
 * run faster than real time. Times are epoch milliseconds.
 */

/** A source of the current time and of delays on the same time line. */
export interface Clock {
  /** Current time, epoch milliseconds. */
  now(): number;
  /** Resolves after `ms` of this clock's time (or earlier if `signal` aborts). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

function realSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, Math.max(0, ms));
    function done() {
      signal?.removeEventListener('abort', done);
      clearTimeout(timer);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** The wall clock. */
export const systemClock: Clock = { now: () => Date.now(), sleep: realSleep };

/**
 * A clock that runs `speed` times faster than real time from `start` (epoch ms), which it reads at
 * wall-clock time `realStart` (default: now). With speed 60 a one-minute scoring interval passes in
 * one real second.
 */
export function acceleratedClock(start: number, speed: number, realStart = Date.now()): Clock {
  return {
    now: () => start + (Date.now() - realStart) * speed,
    sleep: (ms, signal) => realSleep(ms / speed, signal),
  };
}

/** A clock that moves only when told to: `sleep` advances it at once. For tests. */
export interface ManualClock extends Clock {
  set(t: number): void;
  advance(ms: number): void;
}

/** Creates a {@link ManualClock} at `start` (epoch ms). */
export function manualClock(start: number): ManualClock {
  let t = start;
  return {
    now: () => t,
    set: (v) => { t = v; },
    advance: (ms) => { t += ms; },
    sleep: async (ms, signal) => {
      if (!signal?.aborted) t += ms;
      // Yield a macrotask, so a loop sleeping on this clock never starves timers and I/O.
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}
