/**
 * A shortened soak (the full one is `npm run bench:soak`, a simulated week): `kad serve` on the
 * simulated cluster for two simulated hours at KAD_SIM_SPEED=720 (10 s), under a steady load of
 * `/detect` and `/metrics`: no errors, the scoring cycles keep up with the sped-up clock, and the
 * event loop's delay and the resident set stay within generous bounds (the machine may be busy).
 */
import { describe, expect, it } from 'vitest';
import { runSoak } from './soak.js';

describe('soak (shortened): kad serve on the simulated cluster under steady load', () => {
  it('answers every /detect and /metrics request for two simulated hours at speed 720, cycles keeping up', async () => {
    const r = await runSoak({ days: 2 / 24, speed: 720, requestsPerSecond: 8 });
    console.log(`[soak] ${r.days * 24} simulated h at speed ${r.speed} in ${r.realSeconds.toFixed(1)} s (ready after ${r.readySeconds.toFixed(1)} s): ` +
      `${r.requests} requests, ${r.errors} errors; event-loop delay p99 ${r.lagP99Ms.toFixed(1)} ms, max ${r.lagMaxMs.toFixed(1)} ms; ` +
      `${r.cycles} of ${r.expectedCycles} cycles; RSS ${r.perDay[r.perDay.length - 1].rssMb.toFixed(0)} MB`);
    expect(r.errorSamples).toEqual([]);
    expect(r.errors).toBe(0);
    expect(r.requests).toBeGreaterThan(40);
    expect(r.cycles).toBeGreaterThan(r.expectedCycles / 2);
    expect(r.lagP99Ms).toBeLessThan(2_000);
    expect(r.perDay[r.perDay.length - 1].rssMb).toBeLessThan(1_500);
  }, 90_000);
});
