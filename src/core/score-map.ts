/**
 * The one mapping from an unbounded distance (a z-score, a calibrated ratio) to a score in [0, 1),
 * shared by every detector that has such a distance, so scores are comparable and keep their order.
 *
 * Below `z50`: z^p / (z^p + z50^p), 0 at 0 and 0.5 at z50. Above: 1 − 0.5 / (1 + (p/2)·ln(z/z50)),
 * which meets the first at z50 with the same slope and approaches 1 only logarithmically: a purely
 * polynomial tail rounds to exactly 1.0 in double precision once z/z50 passes ~10^4 (a scale floor
 * of 1e-9 on a flat series gets there at once), making many points tie at 1 where no threshold can
 * separate them. With this tail, distinct finite z give distinct scores below 1 up to z/z50 ≈ e^10^15.
 */

/**
 * A detector whose score is `zToScore(scoreZ(x, t), scoreZ50, scorePower)`: a combiner can compare
 * such members on z / z50 and map only those whose score it needs (adaptive.ts).
 */
export interface ZScored {
  /** The z that `scoreOne(x, t)` maps, with the same effects on the detector as `scoreOne`. */
  scoreZ(x: ArrayLike<number>, t: number): number;
  /** The z50 of the detector's mapping. */
  readonly scoreZ50: number;
  /** The power of the detector's mapping. */
  readonly scorePower: number;
}

/** Maps z ≥ 0 to [0, 1): 0.5 at `z50`, increasing, smooth. NaN → 0; +Infinity → 1 − 1e-12. */
export function zToScore(z: number, z50: number, power: number): number {
  if (!(z > 0)) return 0;
  if (z === Infinity) return 1 - 1e-12;
  if (z <= z50) {
    const zp = Math.pow(z / z50, power);
    return zp / (zp + 1);
  }
  return 1 - 0.5 / (1 + (power / 2) * Math.log(z / z50));
}

/**
 * The inverse of {@link zToScore}: the z ≥ 0 that maps to score `s` (0 for s ≤ 0 or NaN, Infinity for
 * s ≥ 1). Lets a combiner read any detector's score back on its own decision scale (1 = z50).
 */
export function scoreToZ(s: number, z50: number, power: number): number {
  if (!(s > 0)) return 0;
  if (s >= 1) return Infinity;
  if (s <= 0.5) return z50 * Math.pow(s / (1 - s), 1 / power);
  return z50 * Math.exp(((0.5 / (1 - s) - 1) * 2) / power);
}
