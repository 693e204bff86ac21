"""The real series of /work/shared/data/series/ for the reference scripts beside this file."""
import csv
import os

DATA = "/work/shared/data/series"


def load(data=DATA):
    """(meta, values): series.csv's row (series_id, freq, m, h, ...) and the list of values, by series id."""
    meta = {}
    with open(os.path.join(data, "series.csv")) as f:
        for row in csv.DictReader(f):
            meta[row["series_id"]] = row
    values = {}
    for name in os.listdir(data):
        if name == "series.csv" or not name.endswith(".csv"):
            continue
        with open(os.path.join(data, name)) as f:
            for row in csv.DictReader(f):
                values.setdefault(row["series_id"], []).append(float(row["value"]))
    return meta, values
