#!/usr/bin/env python3
"""scikit-learn's RandomForestRegressor on the schedule data, set up as `AlmanacBench forest` sets up
Almanac's forest (scripts/bench/forest.sh runs both): rows sorted by (date, unit), first three quarters
train, last quarter held out, the features of scripts/reference/forest_reference.py (the mirror of
ScheduleFeatures), 100 trees, max_depth 10, max_features 1.0, bootstrap, n_jobs=-1 (all cores).
Prints one JSON object: fit and predict seconds (best of --repeats) and held-out MAE, start and end.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import sklearn
from sklearn.ensemble import RandomForestRegressor

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reference"))
from forest_reference import continuous_end, features, load, profiles  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="/work/shared/data/schedule_flights.csv")
    ap.add_argument("--trees", type=int, default=100)
    ap.add_argument("--max-depth", type=int, default=10)
    ap.add_argument("--min-samples-leaf", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    rows = load(args.data)
    split = int(len(rows) * 0.75)
    train, test = rows[:split], rows[split:]
    prof = profiles(train)
    test = [r for r in test if r[0] in prof]
    x_train = np.array([features(prof[r[0]], r[1]) for r in train])
    x_test = np.array([features(prof[r[0]], r[1]) for r in test])
    targets = {
        "start": (np.array([r[2] for r in train], float), np.array([r[2] for r in test], float)),
        "end": (np.array([continuous_end(r[2], r[3]) for r in train], float),
                np.array([continuous_end(r[2], r[3]) for r in test], float)),
    }
    result = dict(implementation=f"scikit-learn {sklearn.__version__}", train_rows=len(train), held_out_rows=len(test),
                  features=x_train.shape[1], trees=args.trees, max_depth=args.max_depth, cores=os.cpu_count())
    for name, (y, actual) in targets.items():
        best_fit = best_predict = float("inf")
        mae = float("nan")
        for _ in range(max(args.repeats, 1)):
            model = RandomForestRegressor(n_estimators=args.trees, max_depth=args.max_depth, max_features=1.0,
                                          min_samples_leaf=args.min_samples_leaf, bootstrap=True, random_state=42,
                                          n_jobs=-1)
            t0 = time.perf_counter()
            model.fit(x_train, y)
            t1 = time.perf_counter()
            predicted = model.predict(x_test)
            t2 = time.perf_counter()
            best_fit, best_predict = min(best_fit, t1 - t0), min(best_predict, t2 - t1)
            mae = float(np.mean(np.abs(predicted - actual)))
        result[name] = dict(fit_seconds=best_fit, predict_seconds=best_predict, mae=mae)
    print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main()
