import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../core/clock.js';
import { silentLogger, type Logger } from '../core/logger.js';
import { originTime, resumeSimulatedClock, SIM_CLOCK_FILE, type SimClockOrigin } from './sim-clock.js';

const H = 3_600_000;
const saved = (dir: string): SimClockOrigin => JSON.parse(readFileSync(join(dir, SIM_CLOCK_FILE), 'utf8')) as SimClockOrigin;

describe('resumeSimulatedClock', () => {
  it('first start: the wall clock\'s time at the speed asked, its origin saved', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kad-sim-clock-'));
    const realNow = Date.now();
    const clock = resumeSimulatedClock({ dir, speed: 60, log: silentLogger, realNow });
    expect(saved(dir)).toEqual({ simTime: realNow, realTime: realNow, speed: 60 });
    const t = clock.now();
    expect(t).toBeGreaterThanOrEqual(realNow);
    expect(t).toBeLessThan(realNow + 60 * 5000);
  });

  it('a restart continues after the last time the previous run could have read, at any speed, monotonic over many restarts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kad-sim-clock-'));
    const t0 = Date.now() - 10 * H; // the first run, ten real hours ago
    resumeSimulatedClock({ dir, speed: 60, log: silentLogger, realNow: t0 });
    let latest = t0; // the latest simulated time any run could have read before it stopped
    for (const [realNow, speed] of [[t0 + H, 60], [t0 + 2 * H, 0.5], [t0 + 3 * H, 60], [t0 + 9 * H, 2]] as const) {
      const before = saved(dir);
      latest = Math.max(latest, originTime(before, realNow)); // the previous run read at most this until now
      resumeSimulatedClock({ dir, speed, log: silentLogger, realNow });
      const after = saved(dir);
      expect(after.simTime).toBe(latest); // starts exactly where the previous clock reads
      expect(after.simTime).toBeGreaterThan(before.simTime);
      expect(after.speed).toBe(speed);
    }
    // Real hours at 60, 60, 0.5, then 6 at 60: as if the simulated cluster had kept running while kad was down.
    expect(saved(dir).simTime).toBe(t0 + (60 + 60 + 0.5 + 6 * 60) * H);
  });

  it('at speed 1: the wall clock when nothing is saved, or once it has caught up (the file removed); else continues at speed 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kad-sim-clock-'));
    expect(resumeSimulatedClock({ dir, speed: 1, log: silentLogger })).toBe(systemClock);
    expect(readdirSync(dir)).toEqual([]);
    const realNow = Date.now();
    writeFileSync(join(dir, SIM_CLOCK_FILE), JSON.stringify({ simTime: realNow - 10 * H, realTime: realNow - 11 * H, speed: 2 }));
    const ahead = resumeSimulatedClock({ dir, speed: 1, log: silentLogger, realNow }); // 10 h behind + 11 h × 2 = 12 h ahead
    expect(saved(dir)).toEqual({ simTime: realNow + 12 * H, realTime: realNow, speed: 1 });
    expect(ahead.now()).toBeGreaterThanOrEqual(realNow + 12 * H);
    writeFileSync(join(dir, SIM_CLOCK_FILE), JSON.stringify({ simTime: realNow - 10 * H, realTime: realNow - 11 * H, speed: 0.5 }));
    expect(resumeSimulatedClock({ dir, speed: 1, log: silentLogger, realNow })).toBe(systemClock);
    expect(existsSync(join(dir, SIM_CLOCK_FILE))).toBe(false);
  });

  it('sets an unusable file aside and starts from the wall clock; an unwritable directory is logged and the clock still runs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kad-sim-clock-'));
    writeFileSync(join(dir, SIM_CLOCK_FILE), '{"simTime": "soon"}');
    const realNow = Date.now();
    resumeSimulatedClock({ dir, speed: 60, log: silentLogger, realNow });
    expect(saved(dir).simTime).toBe(realNow);
    expect(readdirSync(dir).some((f) => f.startsWith(`${SIM_CLOCK_FILE}.corrupt-`))).toBe(true);

    const locked = mkdtempSync(join(tmpdir(), 'kad-sim-clock-'));
    chmodSync(locked, 0o500);
    const warned: string[] = [];
    const log: Logger = { ...silentLogger, warn: (_o, m) => warned.push(String(m)) };
    try {
      const clock = resumeSimulatedClock({ dir: locked, speed: 60, log, realNow });
      expect(clock.now()).toBeGreaterThanOrEqual(realNow);
      if (process.getuid?.() !== 0) expect(warned.join('\n')).toMatch(/cannot save the simulated clock/);
    } finally {
      chmodSync(locked, 0o700);
    }
  });
});
