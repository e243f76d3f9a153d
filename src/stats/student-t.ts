/**
 * The one-sided 95% quantile of Student's t distribution: the critical value of a one-sided paired
 * t-test at the 5% level (the stacking's choice between its members, classifiers/stacking.ts).
 */

/** t(0.95, df) for df = 1 … 30 (the usual table, 3 decimals). */
const TABLE = [
  6.314, 2.92, 2.353, 2.132, 2.015, 1.943, 1.895, 1.86, 1.833, 1.812, 1.796, 1.782, 1.771, 1.761, 1.753,
  1.746, 1.74, 1.734, 1.729, 1.725, 1.721, 1.717, 1.714, 1.711, 1.708, 1.706, 1.703, 1.701, 1.699, 1.697,
];
/** The standard normal's 95% quantile. */
const Z95 = 1.6448536269514722;

/**
 * t(0.95, df): the value a Student-t variable of `df` degrees of freedom exceeds with probability 5%.
 * From the table up to 30 degrees of freedom; beyond, the Cornish–Fisher expansion around the normal
 * quantile (three terms: within 0.001 of the exact value there). NaN for df < 1 or not an integer.
 */
export function studentT95(df: number): number {
  if (!Number.isInteger(df) || df < 1) return NaN;
  if (df <= TABLE.length) return TABLE[df - 1];
  const z = Z95, z3 = z ** 3, z5 = z ** 5, z7 = z ** 7;
  return z + (z3 + z) / (4 * df) + (5 * z5 + 16 * z3 + 3 * z) / (96 * df ** 2) + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * df ** 3);
}
