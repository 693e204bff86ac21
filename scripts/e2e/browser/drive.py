#!/usr/bin/env python3
"""Drives headless Chromium over the DevTools protocol on a pipe (--remote-debugging-pipe: commands on
fd 3, replies on fd 4, each message JSON ended by a NUL byte). Python standard library only.

Uses the dashboard as a person would: uploads a CSV through the page's own form (the file input and the
submit button, so the page's script sends it with its progress bar), watches the batch complete without
reloading, opens a category, waits for the forecast, then checks the chart through the DOM and saves
screenshots at phone (390 px) and desktop (1280 px) widths. Then fits an anomaly baseline through the API
and checks and screenshots the dashboard's anomaly page the same way.
"""
import argparse
import base64
import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request


class Fail(Exception):
    pass


class Browser:
    def __init__(self, chromium, log):
        to_child_r, self.to_child_w = os.pipe()
        self.from_child_r, from_child_w = os.pipe()
        # The child's ends move above 3 and 4 first, so the redirections below cannot overwrite one another.
        to_child_r, from_child_w = [self._high(fd) for fd in (to_child_r, from_child_w)]
        self.profile = tempfile.mkdtemp(prefix="almanac-chromium-")
        args = [
            chromium, "--headless=new", "--remote-debugging-pipe", "--no-sandbox", "--disable-gpu",
            "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check", "--hide-scrollbars",
            "--disable-extensions", "--mute-audio", "--user-data-dir=" + self.profile, "about:blank",
        ]
        # The shell puts the pipe ends on fds 3 and 4, as --remote-debugging-pipe expects, then becomes chromium.
        script = 'exec "$@" 3<&%d 4>&%d %d<&- %d>&-' % (to_child_r, from_child_w, to_child_r, from_child_w)
        self.proc = subprocess.Popen(["bash", "-c", script, "chromium"] + args, pass_fds=(to_child_r, from_child_w),
                                     stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        os.close(to_child_r)
        os.close(from_child_w)
        self.next_id = 0
        self.replies = {}
        self.events = []
        self.cond = threading.Condition()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.session = None

    @staticmethod
    def _high(fd):
        high = fcntl.fcntl(fd, fcntl.F_DUPFD, 10)
        os.close(fd)
        return high

    def _read(self):
        buf = b""
        while True:
            chunk = os.read(self.from_child_r, 65536)
            if not chunk:
                with self.cond:
                    self.closed = True
                    self.cond.notify_all()
                return
            buf += chunk
            while b"\0" in buf:
                raw, buf = buf.split(b"\0", 1)
                msg = json.loads(raw)
                with self.cond:
                    if "id" in msg:
                        self.replies[msg["id"]] = msg
                    else:
                        self.events.append(msg)
                    self.cond.notify_all()

    def send(self, method, params=None, session=True, timeout=60):
        self.next_id += 1
        mid = self.next_id
        msg = {"id": mid, "method": method, "params": params or {}}
        if session and self.session:
            msg["sessionId"] = self.session
        os.write(self.to_child_w, json.dumps(msg).encode() + b"\0")
        deadline = time.time() + timeout
        with self.cond:
            while mid not in self.replies:
                if getattr(self, "closed", False):
                    raise Fail("chromium closed the pipe during %s" % method)
                left = deadline - time.time()
                if left <= 0:
                    raise Fail("no reply to %s within %ss" % (method, timeout))
                self.cond.wait(left)
            reply = self.replies.pop(mid)
        if "error" in reply:
            raise Fail("%s: %s" % (method, reply["error"]))
        return reply.get("result", {})

    def open_page(self):
        target = self.send("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True}, session=False)["sessionId"]
        self.send("Page.enable")
        self.send("Runtime.enable")
        self.send("DOM.enable")

    def eval(self, expression, timeout=60):
        r = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True}, timeout=timeout)
        if "exceptionDetails" in r:
            raise Fail("script error in %r: %s" % (expression[:80], r["exceptionDetails"].get("exception", {}).get("description")))
        return r["result"].get("value")

    def wait_for(self, expression, what, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                if self.eval(expression):
                    return
            except Fail:
                pass  # the page is navigating
            time.sleep(0.25)
        raise Fail("timed out after %ss waiting for %s" % (timeout, what))

    def navigate(self, url):
        self.send("Page.navigate", {"url": url})
        time.sleep(0.2)
        self.wait_for("document.readyState === 'complete'", "page load of " + url, 30)

    def viewport(self, width, height=900):
        self.send("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})
        time.sleep(0.3)

    def screenshot(self, path, width):
        self.viewport(width)
        height = int(self.eval("Math.ceil(document.documentElement.scrollHeight)"))
        self.viewport(width, min(max(height, 300), 6000))
        png = self.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": False})["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(png))
        print("  screenshot %s (%dx%d)" % (path, width, min(max(height, 300), 6000)))

    def dialogs(self):
        with self.cond:
            return [e for e in self.events if e.get("method") == "Page.javascriptDialogOpening"]

    def close(self):
        try:
            self.send("Browser.close", session=False, timeout=10)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


def upload_through_form(b, csv_path):
    doc = b.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
    node = b.send("DOM.querySelector", {"nodeId": doc, "selector": "#upload-form input[type=file]"})["nodeId"]
    if not node:
        raise Fail("no file input in the upload form")
    b.send("DOM.setFileInputFiles", {"nodeId": node, "files": [os.path.abspath(csv_path)]})
    b.eval("document.querySelector('#upload-form button[type=submit]').click(); true")


CHART_CHECK = """
(() => {
  const out = {};
  for (const id of ["chart-wide", "chart-narrow"]) {
    const svg = document.getElementById(id);
    if (!svg) { out[id] = null; continue; }
    const visible = getComputedStyle(svg).display !== "none";
    const box = svg.getBoundingClientRect();
    const paths = (sel) => [...svg.querySelectorAll(sel)].map(p => ({
      series: p.dataset.series, width: p.getBBox().width, height: p.getBBox().height, points: (p.getAttribute("d").match(/L/g) || []).length + 1 }));
    out[id] = { visible, width: box.width, history: paths("path.line.history"), forecasts: paths("path.line.forecast"),
      bands: paths("path.band"), xLabels: [...svg.querySelectorAll("g.grid text")].map(t => t.textContent),
      title: svg.querySelector("title") && svg.querySelector("title").textContent };
  }
  out.legend = [...document.querySelectorAll(".legend li")].map(li => li.textContent.trim());
  out.best = [...document.querySelectorAll("#accuracy-table .best")].length;
  out.scrollWidth = document.documentElement.scrollWidth;
  out.innerWidth = window.innerWidth;
  return out;
})()
"""

MODELS = {"holt_winters", "sarimax", "prophet", "theta", "auto"}


def check_chart(b, width):
    c = b.eval(CHART_CHECK)
    shown = "chart-narrow" if width <= 600 else "chart-wide"
    hidden = "chart-wide" if width <= 600 else "chart-narrow"
    chart = c.get(shown)
    if not chart or not chart["visible"]:
        raise Fail("at %dpx the %s chart is not shown" % (width, shown))
    if c[hidden] and c[hidden]["visible"]:
        raise Fail("at %dpx the %s chart is shown too" % (width, hidden))
    if len(chart["history"]) != 1 or chart["history"][0]["points"] < 30 or chart["history"][0]["width"] <= 0:
        raise Fail("at %dpx: expected one history line with its points, got %s" % (width, chart["history"]))
    if {f["series"] for f in chart["forecasts"]} != MODELS or len(chart["forecasts"]) != len(MODELS):
        raise Fail("at %dpx: expected a forecast line per model (%s), got %s" % (width, MODELS, chart["forecasts"]))
    if {f["series"] for f in chart["bands"]} != MODELS or any(f["height"] <= 0 for f in chart["bands"]):
        raise Fail("at %dpx: expected a 95%% band per model with some height, got %s" % (width, chart["bands"]))
    for f in chart["forecasts"]:
        if f["points"] < 7:
            raise Fail("at %dpx: forecast %s has only %d points" % (width, f["series"], f["points"]))
    if chart["width"] > width:
        raise Fail("at %dpx the chart is %dpx wide" % (width, chart["width"]))
    if c["scrollWidth"] > c["innerWidth"] + 1:
        raise Fail("at %dpx the page scrolls sideways (%dpx wide)" % (width, c["scrollWidth"]))
    if len(c["legend"]) != 1 + len(MODELS) or c["best"] != 1:
        raise Fail("legend %s, best marks %d" % (c["legend"], c["best"]))
    print("  %dpx: %s shown, 1 history line (%d points), forecasts %s, a band each, axis labels %s" % (
        width, shown, chart["history"][0]["points"], sorted(f["series"] for f in chart["forecasts"]), chart["xLabels"][:3] + ["…"]))


def sign_in(b, base, key):
    """With API keys on: the dashboard sends the browser to its sign-in page, the key typed there gives an
    HTTP-only, SameSite=Strict, Secure session cookie the page's script cannot read, and the dashboard opens."""
    b.navigate(base + "/")
    if b.eval("location.pathname") != "/dashboard/login":
        raise Fail("without a session the dashboard did not send the browser to the sign-in page: %s" % b.eval("location.href"))
    b.eval("document.getElementById('signin-key').value = 'not-' + 'the-key'; document.getElementById('signin-button').click(); true")
    b.wait_for("!!document.getElementById('signin-notice')", "the refusal of a wrong key", 30)
    if "not accepted" not in b.eval("document.getElementById('signin-notice').textContent"):
        raise Fail("a wrong key got %r" % b.eval("document.getElementById('signin-notice').textContent"))
    b.eval("document.getElementById('signin-key').value = %s; document.getElementById('signin-button').click(); true" % json.dumps(key))
    b.wait_for("document.title === 'Dashboard · Almanac'", "the dashboard after signing in", 30)
    cookies = [c for c in b.send("Storage.getCookies", session=False)["cookies"] if c["name"] == "almanac_session"]
    if len(cookies) != 1:
        raise Fail("expected one almanac_session cookie, got %s" % cookies)
    c = cookies[0]
    if not (c["httpOnly"] and c["secure"] and c.get("sameSite") == "Strict"):
        raise Fail("the session cookie is not HttpOnly+Secure+SameSite=Strict: %s" % c)
    if "almanac_session" in b.eval("document.cookie"):
        raise Fail("the page's script can read the session cookie")
    # The cookie alone does not let a script post: the CSRF token is needed.
    status = b.eval("fetch('/upload', {method: 'POST', body: new FormData()}).then(r => r.status)")
    if status != 403:
        raise Fail("a cookie-signed POST without X-CSRF-Token got %s, not 403" % status)
    print("  signed in with the API key: HttpOnly, Secure, SameSite=Strict cookie; a POST without the CSRF token gets 403")


def sign_out(b, base):
    b.viewport(1280)
    b.navigate(base + "/")
    b.eval("document.querySelector('#signout-form button').click(); true")
    b.wait_for("location.pathname === '/dashboard/login' && !!document.getElementById('signin-notice')", "the sign-in page after signing out", 30)
    if [c for c in b.send("Storage.getCookies", session=False)["cookies"] if c["name"] == "almanac_session"]:
        raise Fail("the session cookie is still there after signing out")
    b.navigate(base + "/dashboard/schedule")
    if b.eval("location.pathname") != "/dashboard/login":
        raise Fail("after signing out the dashboard still opens: %s" % b.eval("location.href"))
    print("  signed out: the cookie is gone and the dashboard asks to sign in again")


def check_anomaly_page(b, base, out, key=None):
    """Fits a baseline (120 hourly points, two spikes) through seed 004's API, then opens it on the
    dashboard's anomaly page: the chart holds the data, the baseline, both thresholds and the two flagged points."""
    import math
    start = 1767225600  # 2026-01-01 00:00 UTC
    ts = [start + 3600 * i for i in range(120)]
    vs = [round(50 + 3 * math.sin(2 * math.pi * (i % 24) / 24) + (i * 7 % 5) - 2, 2) for i in range(120)]
    vs[40] += 30
    vs[95] -= 25
    req = urllib.request.Request(base + "/fit/sensor-1", method="POST",
                                 data=json.dumps({"timestamps": ts, "values": vs}).encode(),
                                 headers=dict({"Content-Type": "application/json"}, **({"X-API-Key": key} if key else {})))
    with urllib.request.urlopen(req, timeout=300) as r:
        fitted = json.load(r)
    print("  anomaly baseline fitted: sensor-1 %s" % fitted.get("version"))
    b.viewport(1280)
    b.navigate(base + "/dashboard/anomaly?series_id=sensor-1")
    for width in (1280, 390):
        b.viewport(width)
        chart = "#anomaly-wide" if width >= 600 else "#anomaly-narrow"
        visible = b.eval("getComputedStyle(document.querySelector('%s')).display" % chart)
        if visible == "none":
            raise Fail("%s is hidden at %d px" % (chart, width))
        for key in ("data", "baseline", "upper", "lower"):
            if b.eval("document.querySelectorAll('%s path[data-series=%s]').length" % (chart, key)) != 1:
                raise Fail("the anomaly chart at %d px lacks its %s line" % (width, key))
        flagged = b.eval("document.querySelectorAll('%s circle.flagged').length" % chart)
        if flagged != 2:
            raise Fail("the anomaly chart at %d px flags %s points, not the 2 spikes" % (width, flagged))
        overflow = b.eval("document.documentElement.scrollWidth > window.innerWidth")
        if overflow:
            raise Fail("the anomaly page scrolls sideways at %d px" % width)
        b.screenshot(os.path.join(out, "anomaly-%d.png" % width), width)
    print("  anomaly page: data, baseline, thresholds and 2 flagged points at 1280 and 390 px")


def check_docs_page(b, base, out):
    """/docs renders the OpenAPI document with the vendored Swagger UI: the operations are listed and one of
    them opens to its answer schema, with no request to another origin (the page's CSP would refuse it)."""
    b.viewport(1280)
    b.navigate(base + "/docs")
    b.wait_for("document.querySelectorAll('.opblock').length >= 40", "Swagger UI to list the operations", 60)
    count = b.eval("document.querySelectorAll('.opblock').length")
    if not b.eval("[...document.querySelectorAll('.opblock-summary-path')].some(e => e.textContent.includes('/invoice-data'))"):
        raise Fail("the docs page lists no /invoice-data operation")
    b.eval("[...document.querySelectorAll('.opblock')].find(e => e.querySelector('.opblock-summary-path').textContent.trim() === '/invoice-data')"
           ".querySelector('.opblock-summary-control').click(), 1")
    b.wait_for("document.body.textContent.includes('total_items')", "the /invoice-data answer schema (total_items)", 30)
    b.screenshot(os.path.join(out, "docs-1280.png"), 1280)
    print("  docs page: Swagger UI lists %d operations; /invoice-data opens to its answer schema" % count)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--chromium", required=True)
    ap.add_argument("--base", required=True)
    ap.add_argument("--csv", required=True)
    ap.add_argument("--category", required=True, help="category whose forecast is checked")
    ap.add_argument("--hostile", required=True, help="a category name made of markup, which must render as text")
    ap.add_argument("--out", required=True)
    ap.add_argument("--timeout", type=int, default=600)
    ap.add_argument("--api-key", help="API_KEYS is set: sign in with this key first, sign out at the end")
    ap.add_argument("--only-anomaly", action="store_true", help="check only the anomaly page")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    log = open(os.path.join(a.out, "chromium.log"), "wb")
    b = Browser(a.chromium, log)
    try:
        b.open_page()
        b.viewport(1280)
        if a.api_key:
            sign_in(b, a.base, a.api_key)
        check_docs_page(b, a.base, a.out)
        b.navigate(a.base + "/")
        if b.eval("document.title") != "Dashboard · Almanac":
            raise Fail("home page title is %r" % b.eval("document.title"))
        if a.only_anomaly:
            check_anomaly_page(b, a.base, a.out, a.api_key)
            print("browser e2e: ok (anomaly page only)")
            return

        t0 = time.time()
        upload_through_form(b, a.csv)
        b.wait_for("document.getElementById('upload-progress').value === 100", "the progress bar to reach 100%", 60)
        b.wait_for("(document.querySelector('#batch-live #batch-status') || {}).dataset?.status === 'completed'",
                   "the batch to show completed in place", a.timeout)
        if b.eval("location.pathname") != "/":
            raise Fail("the page navigated away during the upload: %s" % b.eval("location.href"))
        seen = b.eval("document.querySelector('#batch-live #batch-status').dataset.batch")
        print("  uploaded through the form: batch %s completed in %.1fs without a reload" % (seen, time.time() - t0))
        # Then the forecast worker's progress, in place: "Forecasting: k of n categories fitted", to n of n.
        progress_text = "(document.getElementById('forecast-progress-text') || {textContent: ''}).textContent"
        b.wait_for(progress_text + ".includes('categories fitted')", "the forecasting progress line", a.timeout)
        first_seen = b.eval(progress_text)
        b.wait_for("/^Forecasting: (\\d+) of \\1 categor/.test(%s)" % progress_text, "every category fitted, shown in place", a.timeout)
        print("  forecasting progress shown in place: %r, then %r" % (first_seen, b.eval(progress_text)))
        # Generous: in the embedded mode the model fits that start now can hold up every request for a while.
        t2 = time.time()
        b.wait_for("(document.querySelector('#uploads-table') || {textContent: ''}).textContent.includes(%s)" % json.dumps(seen),
                   "the uploads table to list the batch without a reload", a.timeout)
        print("  uploads table updated in place %.1fs after completion" % (time.time() - t2))

        # The same file again: the page names the earlier batch.
        upload_through_form(b, a.csv)
        b.wait_for("!!document.querySelector('#batch-live #duplicate-notice')", "the duplicate notice", 60)
        again = b.eval("document.querySelector('#batch-live #batch-status').dataset.batch")
        if again != seen:
            raise Fail("the duplicate names batch %s, not %s" % (again, seen))
        print("  duplicate upload names the earlier batch %s" % again)

        b.wait_for("document.querySelectorAll('#live-categories a').length >= 2", "links to the categories", 30)
        links = b.eval("[...document.querySelectorAll('#live-categories a')].map(a => [a.textContent, a.href])")
        href = dict(links)
        if a.category not in href or a.hostile not in href:
            raise Fail("category links %s lack %r or %r" % (links, a.category, a.hostile))

        # The upload panel as the person sees it now: progress bar, live status, duplicate notice, links.
        b.screenshot(os.path.join(a.out, "upload-1280.png"), 1280)
        b.navigate(a.base + "/")
        b.screenshot(os.path.join(a.out, "home-1280.png"), 1280)
        b.screenshot(os.path.join(a.out, "home-390.png"), 390)

        b.viewport(1280)
        b.navigate(href[a.category])
        t1 = time.time()
        # The page reloads itself once the forecast is written.
        b.wait_for("document.querySelectorAll('#chart-wide path.line.forecast').length === 5", "the forecast on the category page", a.timeout)
        print("  forecast shown %.1fs after opening the category page" % (time.time() - t1))
        for width in (1280, 390):
            b.viewport(width)
            check_chart(b, width)
            b.screenshot(os.path.join(a.out, "category-%d.png" % width), width)

        b.viewport(1280)
        b.navigate(href[a.hostile])
        heading = b.eval("document.querySelector('h1').textContent")
        if heading != "Category: " + a.hostile:
            raise Fail("the markup category's heading reads %r" % heading)
        scripts = b.eval("document.scripts.length")
        if scripts != 1:
            raise Fail("%d script elements on the page (only the dashboard's own is expected)" % scripts)
        if b.dialogs():
            raise Fail("a dialog opened: the category name ran as script")
        print("  a category named %s renders as text, no dialog" % a.hostile)
        check_anomaly_page(b, a.base, a.out, a.api_key)
        if a.api_key:
            sign_out(b, a.base)
        print("browser e2e: ok")
    finally:
        b.close()


if __name__ == "__main__":
    try:
        main()
    except Fail as e:
        print("browser e2e: FAIL: %s" % e, file=sys.stderr)
        sys.exit(1)
