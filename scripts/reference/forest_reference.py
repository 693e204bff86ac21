#!/usr/bin/env python3
"""Reference values for the random forest and schedule features in Libraries/Models/{Forest,Schedule}.

Reads the real schedule data (unit,date,first_dep_min,last_dep_min,n_flights), sorts it by (date, unit),
keeps the first three quarters for training and the last quarter as the held-out set, builds the same
features as `ScheduleFeatures` (Swift) and fits scikit-learn's RandomForestRegressor with the seed's
settings (n_estimators=100, max_depth=10, max_features=1.0, bootstrap, random_state=42, n_jobs=-1) for the
start and end minutes. It writes Tests/ModelsTests/Forest/ForestReferenceData.swift with the data itself
(as a string literal, so tests need no resource files), a slice of the feature matrix, and sklearn's
held-out MAE, OOB MAE and fit times.

    python3 -m venv /work/dev/venv-forest && /work/dev/venv-forest/bin/pip install scikit-learn numpy
    /work/dev/venv-forest/bin/python scripts/reference/forest_reference.py [path/to/schedule_flights.csv]
"""
import csv
import datetime as dt
import os
import statistics
import sys
import time

import numpy as np
import sklearn
from sklearn.ensemble import RandomForestRegressor

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
DATA = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data/schedule_flights.csv"
OUT = os.path.join(REPO, "Tests", "ModelsTests", "Forest", "ForestReferenceData.swift")
SETTINGS = dict(n_estimators=100, max_depth=10, max_features=1.0, bootstrap=True, random_state=42, n_jobs=-1)


def load(path):
    rows = []
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            rows.append((r["unit"], r["date"], int(r["first_dep_min"]), int(r["last_dep_min"])))
    rows.sort(key=lambda r: (r[1], r[0]))
    return rows


def profile(code, dates):
    """Mirror of EntityProfile (Swift): weekday counts and rates over the span, gap sd, lag-7 ACF."""
    days = sorted({d.toordinal() for d in dates})
    first, last = days[0], days[-1]
    span = last - first + 1
    counts = [0] * 7
    for d in days:
        counts[dt.date.fromordinal(d).weekday()] += 1
    first_wd = dt.date.fromordinal(first).weekday()
    rates = []
    for w in range(7):
        offset = (w - first_wd) % 7
        available = (span - offset + 6) // 7 if offset < span else 0
        rates.append(counts[w] / available if available else 0.0)
    if len(days) >= 3:
        gaps = np.diff(days).astype(float)
        gap_sd = float(np.sqrt(np.mean((gaps - gaps.mean()) ** 2)))
    else:
        gap_sd = 0.0
    if span <= 7:
        periodicity = 0.0
    else:
        x = np.zeros(span)
        for d in days:
            x[d - first] = 1.0
        m = len(days) / span
        den = float(np.sum((x - m) ** 2))
        periodicity = 1.0 if den == 0 else float(np.sum((x[:-7] - m) * (x[7:] - m)) / den)
    return dict(code=code, counts=counts, rates=rates, gap_sd=gap_sd, periodicity=periodicity)


def profiles(rows):
    by_entity = {}
    for unit, date, _, _ in rows:
        by_entity.setdefault(unit, []).append(dt.date.fromisoformat(date))
    return {e: profile(i, by_entity[e]) for i, e in enumerate(sorted(by_entity, key=lambda s: s.encode()))}


def week_of_month(d):
    first_wd = d.replace(day=1).weekday()
    return (d.day + first_wd + 6) // 7 - 1


def features(p, date):
    d = dt.date.fromisoformat(date)
    w = d.weekday()
    return [float(p["code"]), float(w), float(d.timetuple().tm_yday), float(week_of_month(d)),
            float(d.isocalendar()[1]), float(d.month), p["rates"][w], float(p["counts"][w]), p["gap_sd"],
            p["periodicity"]]


def continuous_end(start, end):
    return end + 1440 if end < start else end


def timed_fit(x, y, repeats=3, **kw):
    best = float("inf")
    model = None
    for _ in range(repeats):
        model = RandomForestRegressor(**{**SETTINGS, **kw})
        t0 = time.perf_counter()
        model.fit(x, y)
        best = min(best, time.perf_counter() - t0)
    return model, best


def swift_double(v):
    r = repr(float(v))
    return r if ("." in r or "e" in r) else r + ".0"


def main():
    rows = load(DATA)
    split = int(len(rows) * 0.75)
    train, test = rows[:split], rows[split:]
    prof = profiles(train)
    test = [r for r in test if r[0] in prof]
    test_offset = split
    x_train = np.array([features(prof[r[0]], r[1]) for r in train])
    x_test = np.array([features(prof[r[0]], r[1]) for r in test])
    y_train = {"start": np.array([r[2] for r in train], float),
               "end": np.array([continuous_end(r[2], r[3]) for r in train], float)}
    y_test = {"start": np.array([r[2] for r in test], float),
              "end": np.array([continuous_end(r[2], r[3]) for r in test], float)}

    results = {}
    for target in ("start", "end"):
        model, seconds = timed_fit(x_train, y_train[target])
        mae = float(np.mean(np.abs(model.predict(x_test) - y_test[target])))
        seed_maes = []
        for seed in range(5):
            m = RandomForestRegressor(**{**SETTINGS, "random_state": seed}).fit(x_train, y_train[target])
            seed_maes.append(float(np.mean(np.abs(m.predict(x_test) - y_test[target]))))
        oob = RandomForestRegressor(**{**SETTINGS, "oob_score": True}).fit(x_train, y_train[target])
        oob_mae = float(np.mean(np.abs(oob.oob_prediction_ - y_train[target])))
        results[target] = dict(mae=mae, seconds=seconds, seed_maes=seed_maes, oob_mae=oob_mae,
                               importances=[float(v) for v in model.feature_importances_])
        print(f"{target}: held-out MAE {mae:.3f} (seeds 0-4: {', '.join(f'{v:.3f}' for v in seed_maes)}), "
              f"OOB MAE {oob_mae:.3f}, fit {seconds:.3f} s on {len(train)} rows", file=sys.stderr)

    # Fit time on the whole file (one forest on all rows, features from all rows).
    prof_all = profiles(rows)
    x_all = np.array([features(prof_all[r[0]], r[1]) for r in rows])
    _, full_seconds = timed_fit(x_all, np.array([r[2] for r in rows], float))
    print(f"full fit: {full_seconds:.3f} s on {len(rows)} rows x {x_all.shape[1]} features", file=sys.stderr)

    slice_rows = list(range(0, 3)) + list(range(test_offset, len(rows), max(1, (len(rows) - test_offset) // 20)))
    slice_rows = [i for i in slice_rows if i < split or rows[i][0] in prof]

    out = []
    out.append("// Generated by scripts/reference/forest_reference.py — do not edit by hand.")
    out.append(f"// scikit-learn {sklearn.__version__}, numpy {np.__version__}; data: {os.path.basename(DATA)}.")
    out.append("// swift-format-ignore-file")
    out.append("")
    out.append("enum ForestReferenceData {")
    out.append(f"    static let sklearnVersion = \"{sklearn.__version__}\"")
    out.append(f"    /// Rows sorted by (date, unit); the first `trainCount` train, the rest are held out.")
    out.append(f"    static let trainCount = {split}")
    out.append(f"    static let heldOutCount = {len(test)}")
    for target in ("start", "end"):
        r = results[target]
        cap = target.capitalize()
        out.append(f"    /// sklearn held-out MAE (random_state=42), minutes.")
        out.append(f"    static let sklearn{cap}MAE = {swift_double(r['mae'])}")
        out.append(f"    /// sklearn held-out MAE for random_state 0…4.")
        out.append(f"    static let sklearn{cap}SeedMAEs: [Double] = [{', '.join(swift_double(v) for v in r['seed_maes'])}]")
        out.append(f"    static let sklearn{cap}OOBMAE = {swift_double(r['oob_mae'])}")
        out.append(f"    static let sklearn{cap}FitSeconds = {swift_double(r['seconds'])}")
        out.append(f"    static let sklearn{cap}Importances: [Double] = [{', '.join(swift_double(v) for v in r['importances'])}]")
    out.append(f"    /// sklearn fit time, one forest on all {len(rows)} rows, n_jobs=-1, best of 3.")
    out.append(f"    static let sklearnFullFitSeconds = {swift_double(full_seconds)}")
    out.append("    /// (row index in the sorted data, features with profiles from the training rows).")
    out.append("    static let featureSlice: [(row: Int, features: [Double])] = [")
    for i in slice_rows:
        f = features(prof[rows[i][0]], rows[i][1])
        out.append(f"        ({i}, [{', '.join(swift_double(v) for v in f)}]),")
    out.append("    ]")
    out.append("    /// unit,date,start,end — sorted by (date, unit).")
    out.append("    static let csv = \"\"\"")
    for unit, date, s, e in rows:
        out.append(f"        {unit},{date},{s},{e}")
    out.append("        \"\"\"")
    out.append("}")
    with open(OUT, "w") as f:
        f.write("\n".join(out) + "\n")
    print(f"wrote {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
