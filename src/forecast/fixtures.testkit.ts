/**
 * Seeded synthetic series for the forecasting tests: a level times a daily cycle (and optionally a
 * weekend dip), plus mean-reverting AR(1) noise, so the truth is known: the best 30-minute forecast
 * is the seasonal shape plus the noise decaying towards 0.
 */
import { createRng } from '../core/rng.js';

/** Options of {@link seasonalSeries}. */
export interface SeasonalFixture {
  seed?: number;
  /** Epoch ms of the first value. Default 2024-03-05 00:00 UTC (a Tuesday). */
  startMs?: number;
  stepMs?: number;
  days: number;
  level?: number;
  /** Relative amplitude of the daily cosine (peak at 15:00 UTC). Default 0.5. */
  amplitude?: number;
  /** Weekend level relative to weekdays. Default 1 (no weekly pattern). */
  weekend?: number;
  /** Standard deviation of the AR(1) noise, relative to the level. Default 0.05. */
  noise?: number;
  /** Time constant of the noise, ms. Default 10 minutes. */
  noiseTauMs?: number;
}

/** The series and its parameters. */
export function seasonalSeries(o: SeasonalFixture): { startMs: number; stepMs: number; values: Float64Array } {
  const startMs = o.startMs ?? Date.parse('2024-03-05T00:00:00Z');
  const stepMs = o.stepMs ?? 60_000;
  const n = Math.round((o.days * 86_400_000) / stepMs);
  const level = o.level ?? 100;
  const amp = o.amplitude ?? 0.5;
  const weekend = o.weekend ?? 1;
  const sd = (o.noise ?? 0.05) * level;
  const phi = Math.exp(-stepMs / (o.noiseTauMs ?? 600_000));
  const rng = createRng(o.seed ?? 1);
  let ar = sd * rng.normal();
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t = startMs + i * stepMs;
    const hours = (t % 86_400_000) / 3_600_000;
    const dow = (Math.floor(t / 86_400_000) + 4) % 7;
    const w = dow === 0 || dow === 6 ? weekend : 1;
    ar = phi * ar + Math.sqrt(1 - phi * phi) * sd * rng.normal();
    values[i] = level * w * (1 + amp * Math.cos((2 * Math.PI * (hours - 15)) / 24)) + ar;
  }
  return { startMs, stepMs, values };
}
