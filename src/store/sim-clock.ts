/**
 * The simulated clock of `kad serve` on the embedded simulator (KAD_SIM_SPEED), kept monotonic across
 * restarts. Without this a restart starts the simulated clock again at the wall clock's time, which
 * at speed 60 is hours behind where it was: alerts saved in the state directory then resolve at a
 * time before (or equal to) their own `startsAt`.
 *
 * The clock's origin (at wall-clock time `realTime` it read `simTime`, running `speed` times real
 * time) is written to `<state dir>/sim-clock.json` at start, through the atomic state writer. A
 * restart computes where the previous run's clock would read now, which is later than any time that
 * run read, and continues from there: as if the simulated cluster had kept running while kad was
 * down. One write per start, none while running.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { acceleratedClock, systemClock, type Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { readJsonOrSetAside, writeJsonAtomicSync } from './state-file.js';

/** File of the simulated clock's origin under the state directory. */
export const SIM_CLOCK_FILE = 'sim-clock.json';

/** What {@link SIM_CLOCK_FILE} holds: at wall-clock time `realTime` (epoch ms) the clock read `simTime`, running `speed` times real time. */
export interface SimClockOrigin {
  simTime: number;
  realTime: number;
  speed: number;
}

function parseOrigin(v: unknown): SimClockOrigin {
  const o = v as Partial<SimClockOrigin> | null;
  const ok = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
  if (!o || typeof o !== 'object' || !ok(o.simTime) || !ok(o.realTime) || !ok(o.speed) || !(o.speed > 0)) {
    throw new Error('expected {"simTime": epoch ms, "realTime": epoch ms, "speed": > 0}');
  }
  return { simTime: o.simTime, realTime: o.realTime, speed: o.speed };
}

/** Where a clock of `origin` reads at wall-clock time `realNow`. */
export function originTime(origin: SimClockOrigin, realNow: number): number {
  return origin.simTime + (realNow - origin.realTime) * origin.speed;
}

/** Options of {@link resumeSimulatedClock}. */
export interface ResumeSimulatedClockOptions {
  /** The state directory (KAD_STATE_DIR). */
  dir: string;
  /** KAD_SIM_SPEED. */
  speed: number;
  log: Logger;
  /** The wall clock's time now, epoch ms (tests pass their own). Default `Date.now()`. */
  realNow?: number;
}

/**
 * The simulated clock for this run (see the module comment): at `speed` from where the previous run's
 * clock reads now, or from the wall clock's time on a first start. At speed 1 with nothing saved (or
 * a saved clock that real time has caught up with) it is the wall clock itself, and nothing is kept.
 * A state file that cannot be written is logged, and the clock runs unsaved.
 */
export function resumeSimulatedClock(opts: ResumeSimulatedClockOptions): Clock {
  const realNow = opts.realNow ?? Date.now();
  const path = join(opts.dir, SIM_CLOCK_FILE);
  let saved: SimClockOrigin | undefined;
  readJsonOrSetAside(path, (v) => { saved = parseOrigin(v); }, opts.log, realNow);
  const previous = saved ? originTime(saved, realNow) : -Infinity;
  if (opts.speed === 1 && !(previous > realNow)) {
    // The wall clock is already past anything the previous run read: no simulated clock to keep.
    if (saved) rmSync(path, { force: true });
    return systemClock;
  }
  const start = Math.max(previous, saved ? -Infinity : realNow);
  try {
    writeJsonAtomicSync(path, { simTime: start, realTime: realNow, speed: opts.speed } satisfies SimClockOrigin);
  } catch (e) {
    opts.log.warn({ file: path, err: (e as Error).message }, `cannot save the simulated clock to ${path}; a restart will start it again from the wall clock`);
  }
  if (saved) opts.log.info({ simTime: new Date(start).toISOString(), speed: opts.speed }, 'simulated clock continues where the previous run left it');
  return acceleratedClock(start, opts.speed, realNow);
}
