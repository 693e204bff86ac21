"""The real series of /work/shared/data/series/ for the reference scripts beside this file, and the writing of
their generated Swift files."""
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


def swift_doubles(xs):
    """A Swift [Double] literal that round-trips every value."""
    return "[" + ", ".join(repr(float(v)) for v in xs) + "]"


def write_swift(path, lines):
    """Writes the generated Swift file and says where."""
    with open(path, "w") as f:
        f.write("\n".join(lines))
    print("wrote", os.path.normpath(path))
