"""The seeds' scikit-learn pipeline as a command, for timing beside `kad score --train` (bench:score).

StandardScaler + IsolationForest (100 trees, contamination "auto", as the seed service configures it),
fitted on TRAIN.csv's numeric columns, scoring INPUT.csv, writing OUT.csv with the time column, the
score (the negated `score_samples`, higher = more anomalous) and `is_anomaly` (the forest's own
prediction). pandas reads and writes the CSV files, as a user of these libraries would.

Usage: python3 bench/score_sklearn.py TRAIN.csv INPUT.csv OUT.csv [SEED]
"""
import sys

import pandas as pd
from sklearn.ensemble import IsolationForest
from sklearn.preprocessing import StandardScaler


def main() -> None:
    train_path, input_path, out_path = sys.argv[1:4]
    seed = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    train = pd.read_csv(train_path)
    data = pd.read_csv(input_path)
    time_col = train.columns[0]
    features = [c for c in train.columns if c != time_col]
    scaler = StandardScaler().fit(train[features].to_numpy())
    forest = IsolationForest(n_estimators=100, contamination="auto", random_state=seed)
    forest.fit(scaler.transform(train[features].to_numpy()))
    x = scaler.transform(data[features].to_numpy())
    out = pd.DataFrame({
        time_col: data[time_col],
        "score": -forest.score_samples(x),
        "is_anomaly": (forest.predict(x) == -1).astype(int),
    })
    out.to_csv(out_path, index=False)


if __name__ == "__main__":
    main()
