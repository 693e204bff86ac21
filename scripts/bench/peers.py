#!/usr/bin/env python3
"""The Python peers of Almanac's forecasting models on the shared series (scripts/bench/models.sh runs it).

For every series of series.csv the last `h` points are held out; each peer fits the rest and forecasts `h`
steps with 80 % and 95 % intervals:
  statsforecast AutoETS and AutoARIMA (season_length = m), statsmodels ExponentialSmoothing (additive damped
  trend, additive season when there are two full seasons; intervals by simulation) and SARIMAX
  (1,1,1)(0,1,1)m, and prophet with its defaults (intervals 95 %, dates as given).
Times are CPU seconds (this process and its children), single-threaded (the BLAS/OpenMP/numba thread counts are set to 1 before the imports). numba's compile
time is spent on a warm-up series first and reported apart, not counted in the per-series times.
Writes one JSON line per (series, model, origin) in AlmanacBench's format. --origins 0,1,2,3 also scores
earlier windows: origin k ends each series k*h points earlier (window_length says which windows exist).

The output is a cache: a (series, model, origin) triple already in it is not fitted again and new lines are appended,
so an interrupted run resumes where it stopped (--fresh starts over). --timeout bounds one fit in CPU
seconds (a virtual-time interval timer, so a loaded machine does not cut fits short); a fit that exceeds it
is recorded as an error line "timeout" and counted as missing, not as a score. statsforecast's AutoARIMA
spends minutes at a time in compiled code, where the timer's Python handler cannot run (m = 52 on m4_W10
ran for 16 CPU minutes past a 600 s timeout), so its fits run in a forked child under a hard CPU limit
(RLIMIT_CPU) instead; the fork costs about a millisecond against seconds per fit.

    peers.py --data /work/shared/data/series --output peers.jsonl [--freq monthly,quarterly] [--models ...]
             [--series id1,id2] [--origins 0,1,2,3] [--timeout 300] [--fresh]
"""
import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[var] = "1"

import argparse
import json
import logging
import math
import pickle
import resource
import signal
import sys
import warnings

import numpy as np
import pandas as pd

warnings.filterwarnings("ignore")
logging.getLogger("cmdstanpy").setLevel(logging.ERROR)
logging.getLogger("prophet").setLevel(logging.ERROR)

ALL = ["statsforecast_autoets", "statsforecast_autoarima", "statsmodels_ets", "statsmodels_sarimax", "prophet",
       "statsforecast_autotheta", "statsforecast_ensemble"]


def smape(y, f):
    d = np.abs(y) + np.abs(f)
    return float(np.mean(np.where(d == 0, 0.0, 200 * np.abs(y - f) / np.where(d == 0, 1, d))))


def mase(y, f, insample, m):
    lag = max(m, 1) if len(insample) > m else 1
    scale = np.mean(np.abs(insample[lag:] - insample[:-lag])) if len(insample) > lag else float("nan")
    return float(np.mean(np.abs(y - f)) / scale) if scale > 0 else float("nan")


def coverage(y, lo, hi):
    return float(np.mean((y >= lo) & (y <= hi)))


def msis(y, lo, hi, level, insample, m):
    """M4's MSIS: the interval (Winkler) score over the in-sample mean absolute seasonal difference."""
    a = 1 - level / 100
    score = np.mean((hi - lo) + 2 / a * (lo - y) * (y < lo) + 2 / a * (y - hi) * (y > hi))
    lag = max(m, 1) if len(insample) > m else 1
    scale = np.mean(np.abs(insample[lag:] - insample[:-lag])) if len(insample) > lag else float("nan")
    return float(score / scale) if scale > 0 else float("nan")


def cpu_seconds():
    """CPU seconds of this process and its waited-for children (prophet runs Stan in a child process).
    The machine is shared, so wall-clock time would mostly measure the other processes."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def finite(v):
    return v if v is not None and math.isfinite(v) else None


def statsforecast_model(name, m):
    from statsforecast.models import AutoARIMA, AutoETS, AutoTheta

    if name == "statsforecast_autotheta":
        return AutoTheta(season_length=m)
    return AutoETS(season_length=m) if name == "statsforecast_autoets" else AutoARIMA(season_length=m)


def fit_forecast(name, train, m, h, train_dates, test_dates):
    """Returns (mean, {80: (lo, hi), 95: (lo, hi)}, form)."""
    if name.startswith("statsforecast"):
        model = statsforecast_model(name, m).fit(train)
        f = model.predict(h=h, level=[80, 95])
        return f["mean"], {80: (f["lo-80"], f["hi-80"]), 95: (f["lo-95"], f["hi-95"])}, ""
    if name == "statsmodels_ets":
        from statsmodels.tsa.holtwinters import ExponentialSmoothing

        seasonal = "add" if m > 1 and len(train) >= 2 * m else None
        fit = ExponentialSmoothing(train, trend="add", damped_trend=True, seasonal=seasonal,
                                   seasonal_periods=m if seasonal else None).fit()
        mean = fit.forecast(h)
        sims = fit.simulate(h, repetitions=500, anchor="end", error="add")
        sims = np.asarray(sims).reshape(h, -1)
        iv = {lv: (np.quantile(sims, (100 - lv) / 200, axis=1), np.quantile(sims, 1 - (100 - lv) / 200, axis=1))
              for lv in (80, 95)}
        return np.asarray(mean), iv, f"A,Ad,{'A' if seasonal else 'N'}"
    if name == "statsmodels_sarimax":
        from statsmodels.tsa.statespace.sarimax import SARIMAX

        seasonal = (0, 1, 1, m) if m > 1 and len(train) > 3 * m else (0, 0, 0, 0)
        fit = SARIMAX(train, order=(1, 1, 1), seasonal_order=seasonal).fit(disp=False)
        f = fit.get_forecast(h)
        iv = {}
        for lv in (80, 95):
            ci = np.asarray(f.conf_int(alpha=1 - lv / 100))
            iv[lv] = (ci[:, 0], ci[:, 1])
        return np.asarray(f.predicted_mean), iv, f"(1,1,1){seasonal}"
    if name == "prophet":
        from prophet import Prophet

        model = Prophet(interval_width=0.95).fit(pd.DataFrame({"ds": train_dates, "y": train}))
        f = model.predict(pd.DataFrame({"ds": test_dates}))
        return f["yhat"].to_numpy(), {95: (f["yhat_lower"].to_numpy(), f["yhat_upper"].to_numpy())}, ""
    raise ValueError(name)


class FitTimeout(Exception):
    pass


# Peers whose fits can run for minutes inside compiled code without returning to Python.
IN_CHILD = {"statsforecast_autoarima"}

# The mean of AutoETS, AutoARIMA and AutoTheta (M4's Comb of ETS, ARIMA and Theta), bounds averaged alike:
# made from the members' stored forecasts of the same window, so no member is fitted twice.
ENSEMBLE = "statsforecast_ensemble"
MEMBERS = ("statsforecast_autoets", "statsforecast_autoarima", "statsforecast_autotheta")


def fit_in_child(limit, fn, *args):
    """fn(*args) in a forked child whose CPU time is capped at `limit` seconds by the kernel (SIGXCPU, then
    SIGKILL); FitTimeout when the child dies without an answer. The result comes back pickled on a pipe."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        try:
            cap = max(1, math.ceil(limit))
            resource.setrlimit(resource.RLIMIT_CPU, (cap, cap + 1))
            payload = pickle.dumps(("ok", fn(*args)))
        except BaseException as e:  # the parent re-raises it
            payload = pickle.dumps(("error", f"{e.__class__.__name__}: {e}"))
        with os.fdopen(write_end, "wb") as f:
            f.write(payload)
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as f:
        data = f.read()
    os.waitpid(pid, 0)
    if not data:
        raise FitTimeout("timeout")
    kind, value = pickle.loads(data)
    if kind == "error":
        raise RuntimeError(value)
    return value


def _on_alarm(signum, frame):
    raise FitTimeout("timeout")


def done_fits(path):
    """The (series, model, origin) fits the cache file already holds (a torn last line is ignored)."""
    done = set()
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                try:
                    r = json.loads(line)
                except ValueError:
                    continue
                done.add((r["series"], r["model"], r.get("origin", 0)))
    return done


def window_length(n, h, origin):
    """How many points of a series of n the window at `origin` keeps (origin 0: all; k: the last k*h dropped),
    or None when its training part would be shorter than 10 points or than half of origin 0's. The same rule
    as AlmanacBench's BenchSeries.window(origin:)."""
    if origin == 0:
        return n
    train = n - (origin + 1) * h
    return n - origin * h if train >= 10 and 2 * train >= n - h else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="/work/shared/data/series")
    ap.add_argument("--output", required=True)
    ap.add_argument("--freq")
    ap.add_argument("--series", help="only these series ids (comma-separated), in this order")
    ap.add_argument("--models", default=",".join(ALL))
    ap.add_argument("--meta", help="JSON file for versions and warm-up (numba compile) times")
    ap.add_argument("--timeout", type=float, default=0, help="CPU seconds allowed per fit (0: no limit)")
    ap.add_argument("--fresh", action="store_true", help="ignore and overwrite the cached results")
    ap.add_argument("--origins", default="0",
                    help="forecast origins, comma-separated: 0 holds out the last h points, k ends each series k*h points earlier")
    args = ap.parse_args()
    names = args.models.split(",")
    origins = [int(k) for k in args.origins.split(",")]
    described = pd.read_csv(os.path.join(args.data, "series.csv"))
    if args.freq:
        described = described[described["freq"].isin(args.freq.split(","))]
    if args.series:
        wanted = args.series.split(",")
        described = described[described["series_id"].isin(wanted)]
        described = described.iloc[sorted(range(len(described)), key=lambda i: wanted.index(described.iloc[i]["series_id"]))]
    frames = {f: pd.read_csv(os.path.join(args.data, f"{f}.csv")) for f in described["freq"].unique()}

    meta = {"time": "CPU seconds", "python": sys.version.split()[0], "warmup_seconds": {}}
    for pkg in ("numpy", "statsforecast", "statsmodels", "prophet", "numba"):
        try:
            meta[pkg] = __import__(pkg).__version__
        except Exception as e:  # a peer that did not install is reported, not hidden
            meta[pkg] = f"not installed ({e.__class__.__name__})"
    # Warm-up: numba compiles statsforecast's kernels on first use; prophet loads its Stan model.
    rng = np.random.default_rng(0)
    warm = 100 + 10 * np.sin(np.arange(60) * 2 * np.pi / 12) + rng.normal(0, 1, 60)
    warm_dates = pd.date_range("2020-01-01", periods=60, freq="MS")
    for name in names:
        t0 = cpu_seconds()
        try:
            fit_forecast(name, warm[:-6], 12, 6, warm_dates[:-6], warm_dates[-6:])
        except Exception as e:
            print(f"{name}: warm-up failed: {e}", file=sys.stderr)
        meta["warmup_seconds"][name] = cpu_seconds() - t0

    done = set() if args.fresh else done_fits(args.output)
    made = {}  # (series, origin) -> {member: (mean, {level: (lo, hi)}, seconds)}
    if not args.fresh and os.path.exists(args.output):
        with open(args.output) as f:
            for line in f:
                r = json.loads(line)
                fc = r.get("forecast")
                if r["model"] in MEMBERS and fc:
                    made.setdefault((r["series"], r.get("origin", 0)), {})[r["model"]] = (
                        np.asarray(fc["mean"]), {lv: (np.asarray(fc[f"lo{lv}"]), np.asarray(fc[f"hi{lv}"])) for lv in (80, 95)},
                        r.get("seconds", 0.0))
    out = open(args.output, "w" if args.fresh else "a")
    if args.timeout > 0:
        signal.signal(signal.SIGVTALRM, _on_alarm)
    for _, row in described.iterrows():
        sid, freq, m, h = row["series_id"], row["freq"], int(row["m"]), int(row["h"])
        s = frames[freq][frames[freq]["series_id"] == sid]
        whole = s["value"].to_numpy(float)
        whole_dates = pd.to_datetime(s["date"]).to_numpy()
        for origin, name in ((o, name) for o in origins for name in names):
            keep = window_length(len(whole), h, origin)
            if keep is None or (sid, name, origin) in done:
                continue
            y, dates = whole[:keep], whole_dates[:keep]
            train, test = y[:-h], y[-h:]
            r = dict(series=sid, freq=freq, m=m, h=h, n=len(y), model=name, origin=origin)
            t0 = cpu_seconds()
            try:
                if name == ENSEMBLE:
                    members = made.get((sid, origin), {})
                    missing = [n for n in MEMBERS if n not in members]
                    if missing:
                        raise ValueError(f"members without a forecast: {', '.join(missing)}")
                    parts = [members[n] for n in MEMBERS]
                    mean = np.mean([p[0] for p in parts], axis=0)
                    iv = {lv: (np.mean([p[1][lv][0] for p in parts], axis=0), np.mean([p[1][lv][1] for p in parts], axis=0))
                          for lv in (80, 95)}
                    form, member_seconds = "", sum(p[2] for p in parts)
                elif args.timeout > 0 and name in IN_CHILD:
                    mean, iv, form = fit_in_child(args.timeout, fit_forecast, name, train, m, h, dates[:-h], dates[-h:])
                else:
                    if args.timeout > 0:
                        signal.setitimer(signal.ITIMER_VIRTUAL, args.timeout)
                    try:
                        mean, iv, form = fit_forecast(name, train, m, h, dates[:-h], dates[-h:])
                    finally:
                        if args.timeout > 0:
                            signal.setitimer(signal.ITIMER_VIRTUAL, 0)
                r["seconds"] = member_seconds if name == ENSEMBLE else cpu_seconds() - t0
                mean = np.asarray(mean, float)
                if not np.all(np.isfinite(mean)):
                    raise ValueError("non-finite forecast")
                r["smape"] = finite(smape(test, mean))
                r["mase"] = finite(mase(test, mean, train, m))
                for lv, (lo, hi) in iv.items():
                    lo, hi = np.asarray(lo, float), np.asarray(hi, float)
                    r[f"coverage{lv}"] = finite(coverage(test, lo, hi))
                    r[f"msis{lv}"] = finite(msis(test, lo, hi, lv, train, m))
                r["form"] = form
                if name in MEMBERS and set(iv) >= {80, 95}:
                    r["forecast"] = {"mean": [float(v) for v in mean]}
                    for lv in (80, 95):
                        r["forecast"][f"lo{lv}"] = [float(v) for v in iv[lv][0]]
                        r["forecast"][f"hi{lv}"] = [float(v) for v in iv[lv][1]]
                    made.setdefault((sid, origin), {})[name] = (
                        mean, {lv: (np.asarray(iv[lv][0], float), np.asarray(iv[lv][1], float)) for lv in (80, 95)}, r["seconds"])
            except Exception as e:
                r.pop("seconds", None)
                r["error"] = f"{e.__class__.__name__}: {e}"[:300]
            out.write(json.dumps(r) + "\n")
            out.flush()
    out.close()
    if args.meta:
        with open(args.meta, "w") as f:
            json.dump(meta, f, indent=1)
    print(json.dumps(meta), file=sys.stderr)


if __name__ == "__main__":
    main()
