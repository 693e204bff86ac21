/// The page shell every dashboard page shares: document head, styles, navigation and the small script.
public enum Page {
    public static func render(title: String, heading: HTML, body: HTML) -> HTML {
        """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(title) · Almanac</title>
        \(csrfMeta)<style>\(HTML(unescaped: css))</style>
        </head>
        <body>
        <header class="top"><nav aria-label="Main"><a class="brand" href="/">Almanac</a>
        <a href="/#panel-upload">Upload</a><a href="/#panel-uploads">Uploads</a><a href="/#panel-categories">Categories</a><a href="/dashboard/anomaly">Anomalies</a><a href="/dashboard/schedule">Schedules</a><a href="/#panel-health">System health</a>\(signOut)</nav></header>
        <main id="main">
        <h1>\(heading)</h1>
        \(body)
        </main>
        <script src="/dashboard/app.js" defer></script>
        </body>
        </html>
        """
    }

    /// The session's CSRF token for the page's script (`X-CSRF-Token` on its uploads), when signed in by cookie.
    public static var csrfMeta: HTML {
        guard let token = DashboardSigning.csrfToken else { return "" }
        return "<meta name=\"csrf-token\" content=\"\(token)\">\n"
    }

    /// The hidden `csrf_token` field every POST form of a cookie-signed page carries (the API checks it).
    public static var csrfField: HTML {
        guard let token = DashboardSigning.csrfToken else { return "" }
        return "<input type=\"hidden\" name=\"csrf_token\" value=\"\(token)\">"
    }

    public static var signOut: HTML {
        guard DashboardSigning.csrfToken != nil else { return "" }
        return "<form class=\"signout\" id=\"signout-form\" action=\"/dashboard/logout\" method=\"post\">\(csrfField)<button type=\"submit\">Sign out</button></form>"
    }

    public static func section(id: String, title: String, _ content: HTML) -> HTML {
        """
        <section class="panel" id="panel-\(id)" aria-labelledby="panel-\(id)-title">
        <h2 id="panel-\(id)-title">\(title)</h2>
        \(content)
        </section>

        """
    }

    public static func statusBadge(_ status: String) -> HTML {
        "<span class=\"status status-\(status)\" data-status=\"\(status)\">\(status)</span>"
    }

    public static let css = """
        :root { color-scheme: light; --fg: #1d1d1f; --muted: #595959; --line: #d0d0d0; --bg: #f5f6f8; --accent: #0b5cad; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--fg); background: var(--bg); }
        a { color: var(--accent); }
        .top { background: #14304f; }
        .top nav { max-width: 1200px; margin: 0 auto; padding: .6rem 1rem; display: flex; flex-wrap: wrap; gap: .4rem 1.2rem; align-items: baseline; }
        .top a { color: #fff; text-decoration: none; }
        .top a:hover, .top a:focus { text-decoration: underline; }
        .top .signout { margin: 0 0 0 auto; }
        .top .signout button { background: transparent; color: #fff; border: 1px solid #fff; border-radius: 4px; padding: .15rem .6rem; font: inherit; cursor: pointer; }
        .top .brand { font-weight: 700; font-size: 1.15rem; margin-right: .6rem; }
        main { max-width: 1200px; margin: 0 auto; padding: 1rem; }
        h1 { font-size: 1.6rem; margin: .4rem 0 1rem; overflow-wrap: anywhere; }
        h2 { font-size: 1.2rem; margin: 0 0 .8rem; }
        .panel { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 1rem; margin-bottom: 1rem; }
        .grid2 { display: grid; grid-template-columns: minmax(0, 2fr) minmax(21rem, 1fr); gap: 1rem; align-items: start; }
        @media (max-width: 1000px) { .grid2 { grid-template-columns: minmax(0, 1fr); } }
        .table-wrap { overflow-x: auto; }
        table { border-collapse: collapse; width: 100%; font-size: .92rem; }
        th, td { text-align: left; padding: .4rem .5rem; border-bottom: 1px solid #e3e3e3; vertical-align: top; }
        th { background: #f0f2f5; font-weight: 600; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
        td.name { overflow-wrap: anywhere; min-width: 9rem; }
        .muted { color: var(--muted); }
        .status { display: inline-block; padding: .05rem .5rem; border-radius: 999px; font-size: .85rem; font-weight: 600; border: 1px solid; }
        .status-uploaded, .status-queued { color: #444; border-color: #888; background: #f1f1f1; }
        .status-processing, .status-running { color: #0b4f94; border-color: #0b5cad; background: #e6f0fb; }
        .status-completed { color: #135f2b; border-color: #1e7b3a; background: #e5f5ea; }
        .status-failed { color: #9b1c1c; border-color: #b42323; background: #fdeaea; }
        .status-skipped { color: #6b4e00; border-color: #8a6500; background: #fff6db; }
        .best { color: #135f2b; font-weight: 700; }
        .drop { display: block; border: 2px dashed #7a8ca3; border-radius: 8px; padding: 1.2rem; text-align: center; background: #f8fafc; cursor: pointer; }
        .drop.over { border-color: var(--accent); background: #e6f0fb; }
        .drop input[type=file] { display: block; margin: .6rem auto 0; max-width: 100%; }
        .form-row { display: flex; flex-wrap: wrap; gap: .6rem 1rem; align-items: center; margin-top: .8rem; }
        button, .button { font: inherit; background: var(--accent); color: #fff; border: 0; border-radius: 6px; padding: .45rem 1rem; cursor: pointer; text-decoration: none; display: inline-block; }
        button:focus-visible, a:focus-visible, input:focus-visible, select:focus-visible { outline: 3px solid #f2a900; outline-offset: 2px; }
        progress { width: 100%; height: 1.1rem; }
        .live { margin-top: .8rem; }
        .errors { background: #fdeaea; border: 1px solid #e2a5a5; border-radius: 6px; padding: .5rem .8rem; font-family: ui-monospace, monospace; font-size: .85rem; white-space: pre-wrap; overflow-wrap: anywhere; }
        .notice { background: #fff6db; border: 1px solid #e0c46c; border-radius: 6px; padding: .5rem .8rem; }
        .chart { width: 100%; height: auto; display: block; font-family: system-ui, sans-serif; }
        .chart-narrow { display: none; }
        @media (max-width: 600px) { .chart-wide { display: none; } .chart-narrow { display: block; } main { padding: .6rem; } .panel { padding: .7rem; } }
        .legend { list-style: none; padding: 0; margin: .6rem 0 0; display: flex; flex-wrap: wrap; gap: .3rem 1.2rem; font-size: .92rem; }
        .swatch { display: inline-block; margin-right: .35rem; vertical-align: middle; }
        td.date { white-space: nowrap; }
        .cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(9.5rem, 1fr)); gap: .8rem; }
        @media (max-width: 600px) {
          table.stack thead { position: absolute; left: -9999px; }
          table.stack tr { display: block; border: 1px solid var(--line); border-radius: 6px; margin-bottom: .6rem; padding: .2rem .5rem; }
          table.stack td { display: flex; justify-content: space-between; gap: 1rem; border: 0; padding: .2rem 0; text-align: right; min-width: 0; }
          table.stack td::before { content: attr(data-label); font-weight: 600; text-align: left; flex: none; }
        }
        .card { border: 1px solid var(--line); border-radius: 6px; padding: .6rem .8rem; }
        .card h3 { margin: 0 0 .4rem; font-size: 1rem; }
        .card dl { display: grid; grid-template-columns: auto auto; margin: 0; gap: .1rem .8rem; }
        .card dd { margin: 0; text-align: right; font-variant-numeric: tabular-nums; }
        ul.links { padding-left: 1.2rem; columns: 14rem; }
        details summary { cursor: pointer; }
        .facts { max-width: 24rem; margin-bottom: .8rem; }
        .facts dd { overflow-wrap: anywhere; }
        tr.na td { background: #fdf1f1; }
        tr.historical td { background: #f3f8f4; }
        select, input { font: inherit; max-width: 100%; }
        .form-row label { display: flex; flex-wrap: wrap; gap: .3rem; align-items: center; max-width: 100%; }
        """
}
