"""scikit-learn's side of bench/classify.bench.ts.

Reads CSV files written by the bench: feature columns, then `__label` and `__fold`. Every fold k >= 0 is
predicted by models fitted on the other rows (fold -1 is training only), so one test fold is a plain
train/test split and k folds are cross-validation. Prints one JSON object: per model, macro-F1 over
every predicted row, recall per class, fit seconds (all folds) and predict rows per second (CPU time,
process_time, as the bench measures kad's), and for gradient boosting the boosting iterations fitted
(all folds: early stopping ends each fit after its own count, so fit time is compared per iteration too).
With --throughput N, RandomForest's predict_proba is also timed on N rows (the test rows repeated).
Models: RandomForestClassifier() and HistGradientBoostingClassifier() at their defaults (random_state
--seed, default 42), HistGradientBoostingClassifier(l2_regularization=1) (kad's gbdt default), and LogisticRegression() after mean imputation and standard scaling; RandomForest gets mean
imputation too (scikit-learn 1.2's forests do not take NaN).
"""
import json
import sys
import time

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, recall_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


def read(path):
    with open(path) as f:
        header = f.readline().rstrip('\n').split(',')
        rows = [line.rstrip('\n').split(',') for line in f if line.strip()]
    nf = len(header) - 2
    X = np.array([[float(v) if v != '' else np.nan for v in r[:nf]] for r in rows])
    y = np.array([r[nf] for r in rows])
    fold = np.array([int(r[nf + 1]) for r in rows])
    return X, y, fold


def models(seed):
    return {
        'RandomForest': lambda: make_pipeline(SimpleImputer(), RandomForestClassifier(random_state=seed)),
        'HistGradientBoosting': lambda: HistGradientBoostingClassifier(random_state=seed),
        'HistGradientBoosting(l2=1)': lambda: HistGradientBoostingClassifier(random_state=seed, l2_regularization=1.0),
        'LogisticRegression': lambda: make_pipeline(SimpleImputer(), StandardScaler(), LogisticRegression(max_iter=1000)),
    }


def main():
    path = sys.argv[1]
    throughput = int(sys.argv[sys.argv.index('--throughput') + 1]) if '--throughput' in sys.argv else 0
    seed = int(sys.argv[sys.argv.index('--seed') + 1]) if '--seed' in sys.argv else 42
    X, y, fold = read(path)
    classes = sorted(set(y))
    out = {}
    for name, make in models(seed).items():
        pred = np.empty(len(y), dtype=object)
        fit_s = 0.0
        pred_s = 0.0
        pred_n = 0
        iters = 0
        last = None
        for k in sorted(set(fold) - {-1}):
            tr, te = fold != k, fold == k
            m = make()
            t = time.process_time()
            m.fit(X[tr], y[tr])
            fit_s += time.process_time() - t
            iters += getattr(m, 'n_iter_', 0)
            t = time.process_time()
            p = m.predict_proba(X[te])
            pred_s += time.process_time() - t
            pred_n += int(te.sum())
            pred[te] = m.classes_[p.argmax(axis=1)]
            last = (m, te)
        done = fold != -1
        yt, yp = y[done], pred[done].astype(str)
        rec = recall_score(yt, yp, labels=classes, average=None, zero_division=0)
        res = {
            'macroF1': f1_score(yt, yp, average='macro', zero_division=0),
            'recall': {c: float(r) for c, r in zip(classes, rec)},
            'fitSeconds': fit_s,
            'predictRowsPerSecond': pred_n / pred_s if pred_s > 0 else None,
        }
        if iters:
            res['iterations'] = int(iters)
        if throughput and name == 'RandomForest':
            m, te = last
            big = np.resize(X[te], (throughput, X.shape[1]))
            t = time.process_time()
            m.predict_proba(big)
            res['throughputRowsPerSecond'] = throughput / (time.process_time() - t)
        out[name] = res
    print(json.dumps(out))


if __name__ == '__main__':
    main()
