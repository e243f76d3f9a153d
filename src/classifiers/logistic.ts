/**
 * Multinomial logistic regression: inputs standardised (features/standard-scaler.ts, so a missing
 * value is imputed by the training mean), softmax over the classes, L2 penalty on the weights (not the
 * intercepts) with scikit-learn's convention `½‖W‖² + C·Σ weighted log loss`, fitted by L-BFGS
 * (lbfgs.ts) to convergence. Deterministic: no seed is needed. (`standardize: false` takes the inputs as
 * they are, for a stacking meta-learner.)
 */
import { ModelFormatError } from '../core/errors.js';
import type { Frame } from '../core/frame.js';
import { intIn, paramReader } from '../core/params.js';
import { openSnapshot } from '../core/snapshot.js';
import { StandardScaler } from '../features/standard-scaler.js';
import type { Classifier, ClassifierSnapshot, FitOptions } from './classifier.js';
import { encodeLabels, rowWeights } from './labels.js';
import { lbfgs } from './lbfgs.js';
import { checkColumns, checkFitFrame, choiceParam, namesOf } from './params.js';

/** Logistic regression settings. */
export interface LogisticParams {
  /** Inverse of the L2 strength, scikit-learn's C (default 1). */
  C?: number;
  /** L-BFGS iterations at most (default 500). */
  maxIter?: number;
  /** Stop when no gradient component exceeds this (default 1e-4, scikit-learn's `tol`), or when the loss stops moving (relative change below 2.2e-9, SciPy's L-BFGS-B `ftol`). */
  tol?: number;
  /** Standardise the inputs (default true); false: use them as they are (a missing value as 0), as a stacking meta-learner does with probabilities. */
  standardize?: boolean;
}

const KIND = 'logistic';
const FORMAT_VERSION = 1;
const PARAMS = ['C', 'maxIter', 'tol', 'standardize'];

/** Checks logistic regression settings and fills in defaults; throws {@link InputError} naming a bad one. */
export function resolveLogisticParams(p: Record<string, unknown>): Required<LogisticParams> {
  const num = paramReader(KIND, p, PARAMS);
  return {
    C: num('C', 1, (v) => v > 0 && Number.isFinite(v), 'a positive number'),
    maxIter: num('maxIter', 500, intIn(1, 1_000_000), 'an integer >= 1'),
    tol: num('tol', 1e-4, (v) => v > 0 && Number.isFinite(v), 'a positive number'),
    standardize: choiceParam(KIND, p, 'standardize', true, [true, false]),
  };
}

/** Softmax of the scores of row `x` (standardised, `d` wide) under `coef` (K × (d + 1), intercept last) into `out`. */
function softmaxRow(coef: Float64Array, x: Float64Array, xo: number, d: number, K: number, out: Float64Array): void {
  let mx = -Infinity;
  for (let k = 0; k < K; k++) {
    const o = k * (d + 1);
    let z = coef[o + d];
    for (let j = 0; j < d; j++) z += coef[o + j] * x[xo + j];
    out[k] = z;
    if (z > mx) mx = z;
  }
  let s = 0;
  for (let k = 0; k < K; k++) s += (out[k] = Math.exp(out[k] - mx));
  for (let k = 0; k < K; k++) out[k] /= s;
}

/** The model's inputs: standardised (missing → 0, the mean), or as they are with missing → 0. */
function inputs(scaler: StandardScaler | null, frame: Frame): Float64Array {
  if (scaler) return scaler.transform(frame).data;
  return frame.data.map((v) => (v === v ? v : 0));
}

/** Multinomial logistic regression; see the module comment. */
export class LogisticRegression implements Classifier {
  readonly kind = KIND;
  readonly params: Required<LogisticParams>;
  private names: string[] = [];
  private labels: string[] = [];
  private scaler: StandardScaler | null = null;
  private coef: Float64Array = new Float64Array(0);
  private iters = 0;
  private done = false;

  /** An unfitted model (the seed is accepted for a uniform factory and unused: fitting is deterministic). */
  constructor(params: LogisticParams = {}, readonly seed = 0) {
    this.params = resolveLogisticParams(params as Record<string, unknown>);
  }

  get classes(): readonly string[] {
    return this.labels;
  }

  /** L-BFGS iterations of the last fit, and whether it converged. */
  get fitInfo(): { iterations: number; converged: boolean } {
    return { iterations: this.iters, converged: this.done };
  }

  fit(frame: Frame, labels: readonly string[], opts?: FitOptions): void {
    checkFitFrame(KIND, frame);
    const { classes, y } = encodeLabels(labels, frame.rows, KIND);
    const w = rowWeights(y, classes, opts, KIND);
    const scaler = this.params.standardize ? new StandardScaler().fit(frame) : null;
    const X = inputs(scaler, frame);
    const n = frame.rows, d = frame.cols, K = classes.length;
    const C = this.params.C;
    const p = new Float64Array(K);
    const objective = (coef: Float64Array, grad: Float64Array): number => {
      grad.fill(0);
      let loss = 0;
      for (let i = 0; i < n; i++) {
        if (w[i] === 0) continue;
        softmaxRow(coef, X, i * d, d, K, p);
        loss -= w[i] * Math.log(Math.max(p[y[i]], 1e-300));
        for (let k = 0; k < K; k++) {
          const r = C * w[i] * (p[k] - (y[i] === k ? 1 : 0));
          const o = k * (d + 1);
          for (let j = 0; j < d; j++) grad[o + j] += r * X[i * d + j];
          grad[o + d] += r;
        }
      }
      let reg = 0;
      for (let k = 0; k < K; k++) {
        for (let j = 0, o = k * (d + 1); j < d; j++) {
          reg += coef[o + j] * coef[o + j];
          grad[o + j] += coef[o + j];
        }
      }
      return C * loss + 0.5 * reg;
    };
    const r = lbfgs(objective, new Float64Array(K * (d + 1)), { maxIter: this.params.maxIter, gtol: this.params.tol, ftol: 2.2e-9 });
    this.names = [...frame.names];
    this.labels = classes;
    this.scaler = scaler;
    this.coef = r.x;
    this.iters = r.iterations;
    this.done = r.converged;
  }

  predictProba(frame: Frame): Float64Array {
    checkColumns(KIND, this.names, frame);
    const K = this.labels.length, d = frame.cols;
    const X = inputs(this.scaler, frame);
    const out = new Float64Array(frame.rows * K);
    const p = new Float64Array(K);
    for (let i = 0; i < frame.rows; i++) {
      softmaxRow(this.coef, X, i * d, d, K, p);
      out.set(p, i * K);
    }
    return out;
  }

  toJSON(): ClassifierSnapshot {
    return {
      kind: KIND,
      formatVersion: FORMAT_VERSION,
      params: { ...this.params },
      state: { classes: this.labels, features: this.names, scaler: this.scaler?.toJSON() ?? null, coef: Array.from(this.coef), iterations: this.iters, converged: this.done },
    };
  }

  /** Restores a model saved by {@link LogisticRegression.toJSON}; throws {@link ModelFormatError} naming the bad field. */
  static fromJSON(s: ClassifierSnapshot): LogisticRegression {
    const { model, state } = openSnapshot(s, KIND, FORMAT_VERSION, (p) => new LogisticRegression(p as LogisticParams));
    model.labels = namesOf(KIND, state, 'classes');
    model.names = namesOf(KIND, state, 'features');
    model.scaler = state.scaler === null ? null : StandardScaler.fromJSON(state.scaler as ClassifierSnapshot);
    const c = state.coef;
    const want = model.labels.length * (model.names.length + 1);
    if (!Array.isArray(c) || c.length !== want || !c.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      throw new ModelFormatError(`${KIND} snapshot: field "state.coef" must be ${want} finite numbers`);
    }
    if (model.params.standardize !== (model.scaler !== null)) throw new ModelFormatError(`${KIND} snapshot: field "state.scaler" must be ${model.params.standardize ? 'a scaler' : 'null'}`);
    if (model.scaler && model.scaler.dims !== model.names.length) throw new ModelFormatError(`${KIND} snapshot: field "state.scaler" has ${model.scaler.dims} features, expected ${model.names.length}`);
    model.coef = Float64Array.from(c as number[]);
    model.iters = Number(state.iterations) || 0;
    model.done = state.converged === true;
    return model;
  }
}
