#!/usr/bin/env python3
"""Reference values for the Prophet-like model in Libraries/Models/Prophet.

Fits Facebook's `prophet` (PyPI package, with its bundled CmdStan model: MAP by L-BFGS, or
Newton below 100 points) on real daily and weekly series from /work/shared/data/series/ and writes
Tests/ModelsTests/Prophet/ProphetReferenceData.swift with the data and the expected numbers:
the MAP trend parameters (k, m, delta, sigma_obs, all on Prophet's scaled data), the changepoint
days, the in-sample fit yhat, and the forecast yhat with yhat_lower/yhat_upper at 80% and 95%
(1000 uncertainty samples, numpy seed 0; Prophet's vectorized trend simulation).

Days are day numbers (days since 1970-01-01), as the Swift API takes them.

Cases:
  bike_registered   daily, whole 2 years (yearly + weekly seasonality switched on automatically)
  m4_W120           weekly, training part (yearly on, weekly off automatically)
  nycflights_EWR    daily, 2013, with a US holiday list (some with windows) reaching into 2014
  nycflights_LGA    daily, training part, extra continuous regressor = EWR departures (standardised)
  walmart_1_1       weekly, training part, extra binary regressor = holiday week (not standardised)

Usage:  python3 -m venv /work/dev/venv-prophet && /work/dev/venv-prophet/bin/pip install prophet
        /work/dev/venv-prophet/bin/python scripts/reference/prophet_reference.py
"""
import csv
import datetime as dt
import logging
import os
import time

import numpy as np
import pandas as pd
import prophet
from prophet import Prophet

logging.getLogger("cmdstanpy").setLevel(logging.WARNING)
logging.getLogger("prophet").setLevel(logging.WARNING)

DATA = "/work/shared/data/series"
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "Tests", "ModelsTests", "Prophet", "ProphetReferenceData.swift")
EPOCH = pd.Timestamp("1970-01-01")

US_HOLIDAYS = [
    # name, dates, lower_window, upper_window
    ("new_year", ["2013-01-01", "2014-01-01"], 0, 0),
    ("mlk", ["2013-01-21", "2014-01-20"], 0, 0),
    ("presidents", ["2013-02-18"], 0, 0),
    ("memorial", ["2013-05-27"], 0, 0),
    ("independence", ["2013-07-04"], -1, 1),
    ("labor", ["2013-09-02"], 0, 0),
    ("thanksgiving", ["2013-11-28"], -1, 1),
    ("christmas", ["2013-12-25", "2014-12-25"], -1, 1),
]
WALMART_HOLIDAY_WEEKS = ["2010-02-12", "2011-02-11", "2012-02-10", "2013-02-08",
                         "2010-09-10", "2011-09-09", "2012-09-07",
                         "2010-11-26", "2011-11-25", "2012-11-23",
                         "2010-12-31", "2011-12-30", "2012-12-28"]


def load():
    meta, values = {}, {}
    with open(os.path.join(DATA, "series.csv")) as f:
        for row in csv.DictReader(f):
            meta[row["series_id"]] = row
    for freq in ("daily", "weekly"):
        with open(os.path.join(DATA, f"{freq}.csv")) as f:
            for row in csv.DictReader(f):
                values.setdefault(row["series_id"], []).append((row["date"], float(row["value"])))
    return meta, values


def day_numbers(ds):
    return [float((pd.Timestamp(d) - EPOCH).days) for d in ds]


def fit_case(name, series, h, holdout, holidays=None, regressor=None):
    ds = pd.to_datetime([d for d, _ in series])
    y = np.array([v for _, v in series])
    if holdout:
        train_ds, train_y, future_ds = ds[:-h], y[:-h], ds[-h:]
    else:
        train_ds, train_y = ds, y
        step = pd.Series(ds).diff().median()
        future_ds = pd.DatetimeIndex([ds[-1] + step * (i + 1) for i in range(h)])
    df = pd.DataFrame({"ds": train_ds, "y": train_y})
    future = pd.DataFrame({"ds": future_ds})
    hol_df = None
    if holidays:
        rows = []
        for hname, dates, lw, uw in holidays:
            for d in dates:
                rows.append({"holiday": hname, "ds": pd.Timestamp(d), "lower_window": lw, "upper_window": uw})
        hol_df = pd.DataFrame(rows)
    m = Prophet(holidays=hol_df, interval_width=0.8, uncertainty_samples=1000)
    reg_name, reg_train, reg_future = None, None, None
    if regressor:
        reg_name, reg_all = regressor
        reg_train, reg_future = reg_all[: len(train_ds)], reg_all[len(train_ds): len(train_ds) + h]
        m.add_regressor(reg_name)
        df[reg_name] = reg_train
        future[reg_name] = reg_future
    t0 = time.perf_counter()
    m.fit(df)
    fit_ms = (time.perf_counter() - t0) * 1000
    insample = m.predict(df)
    np.random.seed(0)
    fc80 = m.predict(future)
    m.interval_width = 0.95
    np.random.seed(0)
    fc95 = m.predict(future)
    p = m.params
    seasonal = sorted(m.seasonalities.keys())
    print(f"{name}: n={len(df)} seasonalities={seasonal} changepoints={len(m.changepoints)} "
          f"k={p['k'][0][0]:.5f} m={p['m'][0][0]:.5f} fit={fit_ms:.0f} ms")
    return {
        "name": name,
        "days": day_numbers(train_ds),
        "values": list(train_y),
        "futureDays": day_numbers(future_ds),
        "holidays": holidays or [],
        "regressorName": reg_name,
        "regressor": list(map(float, reg_train)) if regressor else [],
        "futureRegressor": list(map(float, reg_future)) if regressor else [],
        "weekly": "weekly" in m.seasonalities,
        "yearly": "yearly" in m.seasonalities,
        "yScale": float(m.y_scale),
        "k": float(p["k"][0][0]),
        "m": float(p["m"][0][0]),
        "sigma": float(p["sigma_obs"][0][0]),
        "delta": [float(x) for x in p["delta"][0]],
        "beta": [float(x) for x in p["beta"][0]],
        "betaNames": [str(c) for c in m.make_all_seasonality_features(m.history)[0].columns],
        "changepointDays": day_numbers(m.changepoints) if len(m.changepoints) else [],
        "fitted": list(insample["yhat"]),
        "forecast": list(fc80["yhat"]),
        "lower80": list(fc80["yhat_lower"]),
        "upper80": list(fc80["yhat_upper"]),
        "lower95": list(fc95["yhat_lower"]),
        "upper95": list(fc95["yhat_upper"]),
        "fitMilliseconds": fit_ms,
    }


def lit(xs):
    body = ", ".join(repr(float(x)) for x in xs)
    return f"[{body}]"


def swift_case(c):
    hol = ", ".join(
        f'ProphetHoliday(name: "{n}", days: {lit(day_numbers(ds))}, lowerWindow: {lw}, upperWindow: {uw})'
        for n, ds, lw, uw in c["holidays"])
    reg = (f'["{c["regressorName"]}": {lit(c["regressor"])}]' if c["regressorName"] else "[:]")
    freg = (f'["{c["regressorName"]}": {lit(c["futureRegressor"])}]' if c["regressorName"] else "[:]")
    return f"""        ProphetReferenceCase(
            name: "{c['name']}",
            days: {lit(c['days'])},
            values: {lit(c['values'])},
            futureDays: {lit(c['futureDays'])},
            holidays: [{hol}],
            regressors: {reg},
            futureRegressors: {freg},
            weekly: {str(c['weekly']).lower()}, yearly: {str(c['yearly']).lower()},
            yScale: {c['yScale']!r}, k: {c['k']!r}, m: {c['m']!r}, sigma: {c['sigma']!r},
            delta: {lit(c['delta'])},
            beta: {lit(c['beta'])},
            betaNames: [{", ".join('"' + n + '"' for n in c['betaNames'])}],
            changepointDays: {lit(c['changepointDays'])},
            fitted: {lit(c['fitted'])},
            forecast: {lit(c['forecast'])},
            lower80: {lit(c['lower80'])}, upper80: {lit(c['upper80'])},
            lower95: {lit(c['lower95'])}, upper95: {lit(c['upper95'])},
            prophetFitMilliseconds: {c['fitMilliseconds']:.1f}),
"""


def main():
    meta, values = load()
    cases = []
    cases.append(fit_case("bike_registered", values["bike_registered"], 28, holdout=False))
    cases.append(fit_case("m4_W120", values["m4_W120"], 13, holdout=True))
    cases.append(fit_case("nycflights_EWR", values["nycflights_EWR"], 28, holdout=False, holidays=US_HOLIDAYS))
    ewr = [v for _, v in values["nycflights_EWR"]]
    cases.append(fit_case("nycflights_LGA", values["nycflights_LGA"], 28, holdout=True, regressor=("ewr", ewr)))
    walmart = values["walmart_1_1"]
    flags = [1.0 if d in WALMART_HOLIDAY_WEEKS else 0.0 for d, _ in walmart]
    cases.append(fit_case("walmart_1_1", walmart, 13, holdout=True, regressor=("holiday_week", flags)))
    with open(OUT, "w") as f:
        f.write(f"""// GENERATED by scripts/reference/prophet_reference.py — do not edit.
// prophet {prophet.__version__}, numpy {np.__version__}, pandas {pd.__version__}; data: /work/shared/data/series.
// k, m, sigma, delta are Prophet's MAP parameters on its scaled data (y / max|y|, t in [0, 1]).
// Intervals: 1000 uncertainty samples, numpy seed 0 (Monte Carlo; compare widths loosely).
@testable import Models

struct ProphetReferenceCase: Sendable {{
    var name: String
    var days: [Double]
    var values: [Double]
    var futureDays: [Double]
    var holidays: [ProphetHoliday]
    var regressors: [String: [Double]]
    var futureRegressors: [String: [Double]]
    var weekly: Bool
    var yearly: Bool
    var yScale: Double
    var k: Double
    var m: Double
    var sigma: Double
    var delta: [Double]
    /// Prophet's beta in its column order (`betaNames`).
    var beta: [Double]
    var betaNames: [String]
    var changepointDays: [Double]
    var fitted: [Double]
    var forecast: [Double]
    var lower80: [Double]
    var upper80: [Double]
    var lower95: [Double]
    var upper95: [Double]
    var prophetFitMilliseconds: Double
}}

enum ProphetReferenceData {{
    static let cases: [ProphetReferenceCase] = [
""")
        for c in cases:
            f.write(swift_case(c))
        f.write("    ]\n}\n")
    print("wrote", os.path.normpath(OUT))


if __name__ == "__main__":
    main()
