#!/usr/bin/env python3
"""p50/p99 latency of the work-schedule predict endpoint (seed 000's POST /api/predict/) under a bounded load.

Usage: schedule_predict_latency.py BASE_URL [--requests N] [--concurrency C] [--window W]
Needs a running upload-api (embedded or distributed). Trains one session on the whole of
/work/shared/data/schedule_flights.csv (every unit is an entity), then sends N predict requests for random
entities and dates with C requests in flight at most, and prints the latency percentiles in milliseconds.
Standard library only.
"""
import argparse, csv, http.client, io, json, random, statistics, sys, threading, time, urllib.parse, uuid

def request(base, method, path, body=None, headers=None):
    u = urllib.parse.urlparse(base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=300)
    conn.request(method, path, body=body, headers=headers or {})
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return r.status, data

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("base")
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--window", type=int, default=7)
    a = ap.parse_args()
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["ID", "Date", "Start Time", "End Time"])
    units = set()
    with open("/work/shared/data/schedule_flights.csv") as f:
        for row in csv.DictReader(f):
            s, e = int(row["first_dep_min"]), int(row["last_dep_min"])
            w.writerow([row["unit"], row["date"], f"{s // 60:02d}:{s % 60:02d}", f"{e // 60 % 24:02d}:{e % 60:02d}"])
            units.add(row["unit"])
    status, data = request(a.base, "POST", "/api/session/create")
    sid = json.loads(data)["session_id"]
    boundary = uuid.uuid4().hex
    parts = []
    for k, v in {"id_column": "ID", "date_column": "Date", "start_time_column": "Start Time", "end_time_column": "End Time"}.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n')
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="flights.csv"\r\nContent-Type: text/csv\r\n\r\n')
    body = "".join(parts).encode() + out.getvalue().encode() + f"\r\n--{boundary}--\r\n".encode()
    t0 = time.perf_counter()
    status, data = request(a.base, "POST", "/api/train/", body, {"X-Session-ID": sid, "Content-Type": f"multipart/form-data; boundary={boundary}"})
    train_s = time.perf_counter() - t0
    if status != 200:
        sys.exit(f"train failed: {status} {data[:300]!r}")
    trained = json.loads(data)
    units = sorted(units)
    rng = random.Random(42)
    jobs = [json.dumps({"id": rng.choice(units), "target_date": f"2014-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}", "window_size": a.window})
            for _ in range(a.requests)]
    latencies, errors, lock = [], [], threading.Lock()
    it = iter(jobs)
    def worker():
        u = urllib.parse.urlparse(a.base)
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
        while True:
            with lock:
                j = next(it, None)
            if j is None:
                break
            s = time.perf_counter()
            conn.request("POST", "/api/predict/", body=j, headers={"X-Session-ID": sid, "Content-Type": "application/json"})
            r = conn.getresponse()
            r.read()
            d = (time.perf_counter() - s) * 1000
            with lock:
                (latencies if r.status == 200 else errors).append(d if r.status == 200 else r.status)
        conn.close()
    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(a.concurrency)]
    for t in threads: t.start()
    for t in threads: t.join()
    wall = time.perf_counter() - t0
    latencies.sort()
    q = lambda p: latencies[min(len(latencies) - 1, int(round(p * (len(latencies) - 1))))]
    print(json.dumps({
        "training_rows": trained["data_points"], "entities": trained["entities"], "train_request_s": round(train_s, 2),
        "requests": a.requests, "concurrency": a.concurrency, "window_size": a.window, "errors": len(errors),
        "p50_ms": round(q(0.5), 2), "p99_ms": round(q(0.99), 2), "mean_ms": round(statistics.mean(latencies), 2),
        "throughput_rps": round(len(latencies) / wall, 1)}, indent=1))

if __name__ == "__main__":
    main()
