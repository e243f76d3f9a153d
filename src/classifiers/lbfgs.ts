/**
 * L-BFGS (Nocedal 1980): minimises a smooth function from its value and gradient, keeping the last
 * `memory` steps to approximate the inverse Hessian (two-loop recursion), with a backtracking line
 * search under the Armijo condition. Stops when the largest gradient component is below `gtol`, when
 * the value stops moving (relative change below `ftol`), or after `maxIter` iterations.
 */

/** Writes the gradient at `x` into `grad` and returns the value there. */
export type Objective = (x: Float64Array, grad: Float64Array) => number;

/** Optimiser settings. */
export interface LbfgsOptions {
  maxIter?: number;
  memory?: number;
  gtol?: number;
  ftol?: number;
}

/** Where it stopped. */
export interface LbfgsResult {
  x: Float64Array;
  value: number;
  iterations: number;
  converged: boolean;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) if (Math.abs(a[i]) > m) m = Math.abs(a[i]);
  return m;
}

/** Minimises `f` from `x0` (not modified). */
export function lbfgs(f: Objective, x0: Float64Array, o: LbfgsOptions = {}): LbfgsResult {
  const maxIter = o.maxIter ?? 500, m = o.memory ?? 10, gtol = o.gtol ?? 1e-5, ftol = o.ftol ?? 1e-12;
  const n = x0.length;
  let x = Float64Array.from(x0);
  let g = new Float64Array(n);
  let fx = f(x, g);
  const S: Float64Array[] = [], Y: Float64Array[] = [], rho: number[] = [];
  const d = new Float64Array(n);
  const alpha = new Float64Array(m);
  let xn = new Float64Array(n), gn = new Float64Array(n);
  let it = 0;
  let converged = maxAbs(g) < gtol;
  while (!converged && it < maxIter) {
    // Direction: −H·g by the two-loop recursion.
    d.set(g);
    for (let k = S.length - 1; k >= 0; k--) {
      alpha[k] = rho[k] * dot(S[k], d);
      for (let i = 0; i < n; i++) d[i] -= alpha[k] * Y[k][i];
    }
    const last = S.length - 1;
    const gamma = last >= 0 ? dot(S[last], Y[last]) / dot(Y[last], Y[last]) : 1 / Math.max(Math.sqrt(dot(g, g)), 1e-12);
    for (let i = 0; i < n; i++) d[i] *= gamma;
    for (let k = 0; k < S.length; k++) {
      const b = rho[k] * dot(Y[k], d);
      for (let i = 0; i < n; i++) d[i] += S[k][i] * (alpha[k] - b);
    }
    for (let i = 0; i < n; i++) d[i] = -d[i];
    let slope = dot(g, d);
    if (!(slope < 0)) { // not a descent direction: restart from steepest descent
      S.length = Y.length = rho.length = 0;
      for (let i = 0; i < n; i++) d[i] = -g[i] / Math.max(Math.sqrt(dot(g, g)), 1e-12);
      slope = dot(g, d);
    }
    let step = 1;
    let fn = Infinity;
    for (let tries = 0; tries < 40; tries++) {
      for (let i = 0; i < n; i++) xn[i] = x[i] + step * d[i];
      fn = f(xn, gn);
      if (fn <= fx + 1e-4 * step * slope) break;
      step *= 0.5;
    }
    it++;
    if (!(fn <= fx)) break; // no progress along the direction
    const s = new Float64Array(n), y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = xn[i] - x[i];
      y[i] = gn[i] - g[i];
    }
    const sy = dot(s, y);
    if (sy > 1e-12) {
      if (S.length === m) {
        S.shift();
        Y.shift();
        rho.shift();
      }
      S.push(s);
      Y.push(y);
      rho.push(1 / sy);
    }
    const change = Math.abs(fx - fn) / Math.max(Math.abs(fx), Math.abs(fn), 1);
    [x, xn] = [xn, x];
    [g, gn] = [gn, g];
    fx = fn;
    converged = maxAbs(g) < gtol || change < ftol;
  }
  return { x, value: fx, iterations: it, converged };
}
