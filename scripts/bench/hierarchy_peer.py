"""Issue 20's hierarchy benchmark, the peer side and the table (scripts/bench/hierarchy.sh runs it).

hierarchicalforecast on the same hierarchy and holdouts as `AlmanacBench hierarchy`: each New York airport's
daily departures and each carrier's there (nycflights13, ../shared/data/schedule_flights.csv, missing days 0),
the last H days held out. Base forecasts: statsforecast AutoETS (season 7) for every node, as hierarchicalforecast's
tutorials do; reconciled by BottomUp, MinTrace(mint_shrink) and TopDown(forecast_proportions), with normality
intervals where the method has them. Scores per product and for the category total: MASE (seasonal naive, m=7,
on the node's training part), coverage at 80 and 95 %, MSIS at 95 %. Then prints one table with Almanac's rows
(read from --almanac) beside the peer's.
"""
import argparse
import json
import sys
import time

import numpy as np
import pandas as pd


def mase(actual, forecast, insample, m=7):
    insample = np.asarray(insample, dtype=float)
    scale = np.mean(np.abs(insample[m:] - insample[:-m])) if len(insample) > m else np.nan
    if not scale or not np.isfinite(scale):
        return None
    return float(np.mean(np.abs(np.asarray(actual) - np.asarray(forecast))) / scale)


def coverage(actual, lo, hi):
    a = np.asarray(actual)
    return float(np.mean((a >= np.asarray(lo)) & (a <= np.asarray(hi))))


def msis(actual, lo, hi, insample, level=95, m=7):
    insample = np.asarray(insample, dtype=float)
    scale = np.mean(np.abs(insample[m:] - insample[:-m])) if len(insample) > m else np.nan
    if not scale or not np.isfinite(scale):
        return None
    a, lo, hi = np.asarray(actual), np.asarray(lo), np.asarray(hi)
    alpha = 1 - level / 100
    s = (hi - lo) + 2 / alpha * (lo - a) * (a < lo) + 2 / alpha * (a - hi) * (a > hi)
    return float(np.mean(s) / scale)


def load(path):
    raw = pd.read_csv(path)
    raw["airport"] = raw["unit"].str.split("_").str[1]
    raw["carrier"] = raw["unit"].str.split("_").str[0]
    raw["ds"] = pd.to_datetime(raw["date"])
    days = pd.date_range(raw["ds"].min(), raw["ds"].max(), freq="D")
    frames = []
    for (airport, carrier), g in raw.groupby(["airport", "carrier"]):
        s = g.set_index("ds")["n_flights"].reindex(days, fill_value=0)
        frames.append(pd.DataFrame({"airport": airport, "carrier": carrier, "ds": days, "y": s.values.astype(float)}))
    return pd.concat(frames, ignore_index=True), days


def peer(df, days, h, origins):
    from hierarchicalforecast.core import HierarchicalReconciliation
    from hierarchicalforecast.methods import BottomUp, MinTrace, TopDown
    from hierarchicalforecast.utils import aggregate
    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS

    Y, S, tags = aggregate(df, [["airport"], ["airport", "carrier"]])
    if "unique_id" not in Y.columns:
        Y = Y.reset_index()
    if "unique_id" not in S.columns:
        S = S.reset_index().rename(columns={"index": "unique_id"})
    rows = []
    for origin in origins:
        end = days[len(days) - 1 - origin * h]
        start = end - pd.Timedelta(days=h - 1)
        train = Y[Y["ds"] < start]
        test = Y[(Y["ds"] >= start) & (Y["ds"] <= end)]
        t0 = time.process_time()
        sf = StatsForecast(models=[AutoETS(season_length=7)], freq="D", n_jobs=1)
        hat = sf.forecast(df=train, h=h, level=[80, 95], fitted=True)
        fitted = sf.forecast_fitted_values()
        if "unique_id" not in hat.columns:
            hat = hat.reset_index()
        if "unique_id" not in fitted.columns:
            fitted = fitted.reset_index()
        rec = HierarchicalReconciliation(reconcilers=[BottomUp(), MinTrace(method="mint_shrink")])
        out = rec.reconcile(Y_hat_df=hat, Y_df=fitted, S_df=S, tags=tags, level=[80, 95], intervals_method="normality")
        td = HierarchicalReconciliation(reconcilers=[TopDown(method="forecast_proportions")])
        out_td = td.reconcile(Y_hat_df=hat, Y_df=fitted, S_df=S, tags=tags)
        seconds = time.process_time() - t0
        if "unique_id" not in out.columns:
            out = out.reset_index()
        if "unique_id" not in out_td.columns:
            out_td = out_td.reset_index()
        out = out.merge(out_td[["unique_id", "ds"] + [c for c in out_td.columns if "TopDown" in c]], on=["unique_id", "ds"])
        methods = {"AutoETS": "peer:AutoETS (base)"}
        for c in out.columns:
            if c.startswith("AutoETS/") and "-lo-" not in c and "-hi-" not in c:
                name = c.split("/", 1)[1]
                label = "bottom_up" if name.startswith("BottomUp") else "mint_shrink" if "mint_shrink" in name else "top_down" if "TopDown" in name else name
                methods[c] = f"peer:AutoETS+{label}"
        categories = sorted(df["airport"].unique())
        for col, label in methods.items():
            for uid, g in out.groupby("unique_id"):
                g = g.sort_values("ds")
                if "/" in uid:
                    category, node = uid.split("/", 1)
                elif uid in categories:
                    category, node = uid, "_total"
                else:
                    continue
                actual = test[test["unique_id"] == uid].sort_values("ds")["y"].values
                insample = train[train["unique_id"] == uid].sort_values("ds")["y"].values
                f = g[col].values
                r = {"category": category, "node": node, "origin": origin, "method": label, "mase": mase(actual, f, insample)}
                lo80, hi80, lo95, hi95 = (f"{col}-lo-80", f"{col}-hi-80", f"{col}-lo-95", f"{col}-hi-95")
                if lo95 in g.columns:
                    r["coverage80"] = coverage(actual, g[lo80].values, g[hi80].values)
                    r["coverage95"] = coverage(actual, g[lo95].values, g[hi95].values)
                    r["msis95"] = msis(actual, g[lo95].values, g[hi95].values, insample)
                if node == "_total":
                    r["seconds"] = seconds / len(categories)
                rows.append(r)
    return rows


def table(rows):
    frame = pd.DataFrame(rows)
    frame["who"] = np.where(frame["method"].str.startswith("peer:"), frame["method"], "almanac:HW+Theta, chosen per category")
    lines = ["| model | products MASE | total MASE | products 80 % | products 95 % | products MSIS 95 (median) | seconds / category |",
             "|---|---|---|---|---|---|---|"]
    summary = {}
    for who, g in frame.groupby("who"):
        p, t = g[g["node"] != "_total"], g[g["node"] == "_total"]
        s = {
            "pm": p["mase"].mean(), "tm": t["mase"].mean(),
            "c80": p["coverage80"].mean() if "coverage80" in p else np.nan,
            "c95": p["coverage95"].mean() if "coverage95" in p else np.nan,
            # The median: a carrier with one flight a day has a scale near 0, and its MSIS swamps any mean.
            "ms": p["msis95"].median() if "msis95" in p else np.nan, "sec": t["seconds"].mean(),
        }
        summary[who] = s
    for who, s in sorted(summary.items(), key=lambda kv: kv[1]["pm"]):
        f = lambda v, d=3: "–" if v is None or not np.isfinite(v) else f"{v:.{d}f}"
        lines.append(f"| {who} | {f(s['pm'])} | {f(s['tm'])} | {f(s['c80'])} | {f(s['c95'])} | {f(s['ms'])} | {f(s['sec'], 2)} |")
    almanac = [s for w, s in summary.items() if w.startswith("almanac")]
    peers = {w: s for w, s in summary.items() if w.startswith("peer")}
    if almanac and peers:
        best = min(peers.items(), key=lambda kv: kv[1]["pm"])
        lines.append("")
        lines.append(f"Almanac / best peer ({best[0]}) on products MASE: {almanac[0]['pm'] / best[1]['pm']:.3f}; "
                     f"on total MASE: {almanac[0]['tm'] / best[1]['tm']:.3f}")
        a = frame[frame["who"].str.startswith("almanac") & (frame["node"] != "_total")]
        b = frame[(frame["who"] == best[0]) & (frame["node"] != "_total")]
        pair = a.merge(b, on=["category", "node", "origin"], suffixes=("_a", "_p")).dropna(subset=["mase_a", "mase_p"])
        ratio = np.exp(np.mean(np.log(pair["mase_a"] / pair["mase_p"])))
        lines.append(f"Per product and origin, the geometric mean of Almanac's MASE over {best[0]}'s: {ratio:.3f} ({len(pair)} pairs)")
        counts = frame[frame["who"].str.startswith("almanac") & (frame["node"] == "_total")]["method"].value_counts().to_dict()
        lines.append(f"Almanac's choice per category and origin: {counts}")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="/work/shared/data/schedule_flights.csv")
    ap.add_argument("--almanac", required=True)
    ap.add_argument("--holdout", type=int, default=28)
    ap.add_argument("--origins", default="0")
    args = ap.parse_args()
    origins = [int(o) for o in args.origins.split(",")]
    df, days = load(args.data)
    rows = peer(df, days, args.holdout, origins)
    with open(args.almanac) as fh:
        rows += [json.loads(line) for line in fh if line.strip()]
    print(table(rows))


if __name__ == "__main__":
    sys.exit(main())
