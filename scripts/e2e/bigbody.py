#!/usr/bin/env python3
"""Memory stays flat while a 1 GiB body is refused (issue 8), driven by scripts/e2e/bigbody.sh.

Against a running upload-api (BIGBODY_URL, BIGBODY_PID), four requests, each with a 1 GiB body generated on
the fly (never stored on the client side) and sent until the server answers or closes:
  - POST /upload, multipart, Content-Length: 1 GiB   (refused from the header)
  - POST /upload, multipart, chunked, no length      (refused once the file passes MAX_UPLOAD_BYTES)
  - POST /fit/<id>, JSON,    Content-Length: 1 GiB   (refused from the header)
  - POST /fit/<id>, JSON,    chunked, no length      (refused once the body passes the JSON limit)
Each must be answered 413 with {"error": ...}; the server's peak RSS (VmHWM) must grow by less than
BIGBODY_MAX_GROWTH_MB (default 64) over the whole run, the server must stay ready, and no upload is stored.
Prints `bigbody: peak_rss_before=..MB peak_rss_after=..MB growth=..MB` and one line per request.
"""
import json
import os
import select
import socket
import sys
import time
import urllib.parse
import urllib.request

URL = os.environ["BIGBODY_URL"]
PID = int(os.environ["BIGBODY_PID"])
KEY = os.environ.get("BIGBODY_API_KEY", "")
GIB = 1 << 30
CHUNK = 1 << 20
MAX_GROWTH_MB = float(os.environ.get("BIGBODY_MAX_GROWTH_MB", "64"))


def vm(field):
    with open(f"/proc/{PID}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024  # kB -> MB
    raise RuntimeError(f"{field} not in /proc/{PID}/status")


def read_response(sock, timeout):
    """The status and body of the first response on the socket (or None, b'' when it closed without one)."""
    sock.settimeout(timeout)
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            part = sock.recv(65536)
            if not part:
                break
            data += part
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        if not lines or not lines[0].startswith(b"HTTP/1.1 "):
            return None, data
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(b":")
            headers[k.strip().lower()] = v.strip()
        if b"content-length" in headers:
            want = int(headers[b"content-length"])
            while len(body) < want:
                part = sock.recv(65536)
                if not part:
                    break
                body += part
        return int(lines[0].split()[1]), body
    except (socket.timeout, ConnectionError):
        return None, data


def send_big(path, content_type, chunked, prefix=b"", filler=b"x"):
    """Sends a 1 GiB body (prefix, then filler bytes) until the server answers or closes; returns
    (status, body, bytes sent, seconds)."""
    u = urllib.parse.urlparse(URL)
    sock = socket.create_connection((u.hostname, u.port))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
    head = [f"POST {path} HTTP/1.1", f"Host: {u.hostname}:{u.port}", f"Content-Type: {content_type}"]
    if KEY:
        head.append(f"Authorization: Bearer {KEY}")
    head.append("Transfer-Encoding: chunked" if chunked else f"Content-Length: {GIB}")
    sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
    block = (filler * (CHUNK // len(filler) + 1))[:CHUNK]
    sent = 0
    start = time.monotonic()
    answered = False
    try:
        while sent < GIB:
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                answered = True
                break
            data = prefix if sent == 0 and prefix else block[: min(CHUNK, GIB - sent)]
            if chunked:
                sock.sendall(b"%x\r\n" % len(data) + data + b"\r\n")
            else:
                sock.sendall(data)
            sent += len(data)
        if not answered and chunked:
            sock.sendall(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass
    status, body = read_response(sock, timeout=30)
    sock.close()
    return status, body, sent, time.monotonic() - start


def main():
    failures = []
    ready = urllib.request.urlopen(URL + "/ready", timeout=10).status
    before = vm("VmHWM")
    boundary = "bigbodyboundary7f3a"
    multipart_prefix = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.csv\"\r\n"
                        f"Content-Type: text/csv\r\n\r\nDate,product_id,category,sales\r\n").encode()
    cases = [
        ("upload_declared", "/upload", f"multipart/form-data; boundary={boundary}", False, multipart_prefix,
         b"2026-01-01,P001,Electronics,1.00\r\n"),
        ("upload_chunked", "/upload", f"multipart/form-data; boundary={boundary}", True, multipart_prefix,
         b"2026-01-01,P001,Electronics,1.00\r\n"),
        ("json_declared", "/fit/bigbody", "application/json", False, b'{"values": [', b"1.0, "),
        ("json_chunked", "/fit/bigbody", "application/json", True, b'{"values": [', b"1.0, "),
    ]
    for name, path, ctype, chunked, prefix, filler in cases:
        status, body, sent, took = send_big(path, ctype, chunked, prefix, filler)
        try:
            error = json.loads(body.decode()).get("error", "")
        except (ValueError, UnicodeDecodeError, AttributeError):
            error = ""
        rss = vm("VmRSS")
        print(f"bigbody: {name}: status={status} sent={sent / (1 << 20):.0f}MiB in {took:.1f}s "
              f"rss_now={rss:.0f}MB error={error[:90]!r}", flush=True)
        if status != 413 or not error:
            failures.append(f"{name}: want 413 with an error message, got {status} {body[:200]!r}")
    after = vm("VmHWM")
    growth = after - before
    print(f"bigbody: peak_rss_before={before:.0f}MB peak_rss_after={after:.0f}MB growth={growth:.0f}MB "
          f"(limit {MAX_GROWTH_MB:.0f}MB)", flush=True)
    if growth > MAX_GROWTH_MB:
        failures.append(f"peak RSS grew by {growth:.0f} MB while refusing 1 GiB bodies (limit {MAX_GROWTH_MB:.0f} MB)")
    try:
        if urllib.request.urlopen(URL + "/ready", timeout=10).status != ready:
            failures.append("the server is no longer ready")
    except OSError as e:
        failures.append(f"the server is no longer ready: {e}")
    for f in failures:
        print(f"bigbody: FAIL: {f}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
