import Config
import Foundation
public import Jobs
import Workflows
import Store

/// Upload by drag-and-drop or file picker. Without JavaScript the form posts to `/dashboard/upload` and
/// the browser lands on the batch page; with it, the script sends the file to `POST /upload` with a
/// progress bar and follows the batch's status in place.
public struct UploadPanel: DashboardPanel {
    public let id = "upload"
    public let title = "Upload a sales CSV"

    public func render(_ context: PanelContext) async throws -> HTML? {
        let limitMB = Double(context.runtime.config.maxUploadBytes) / 1_048_576
        return """
            <form id="upload-form" action="/dashboard/upload" method="post" enctype="multipart/form-data" aria-describedby="upload-help">
            \(Page.csrfField)
            <label class="drop" id="drop-zone" for="file">
            <strong>Drop a CSV file here</strong> or choose one
            <input type="file" id="file" name="file" accept=".csv,text/csv" required>
            </label>
            <p id="upload-help" class="muted">Columns: Date, product_id, category, sales (seed 003 format), up to \(String(format: "%.0f", limitMB)) MB.</p>
            <div class="form-row">
            <label><input type="checkbox" name="on_error" value="skip"> Skip bad rows instead of failing the batch</label>
            <button type="submit" id="upload-button">Upload</button>
            </div>
            <div class="live" id="upload-progress-row" hidden>
            <label for="upload-progress">Transfer</label> <progress id="upload-progress" max="100" value="0">0%</progress>
            </div>
            </form>
            <div id="batch-live" class="live" aria-live="polite"></div>
            """
    }
}

/// The uploads, newest first, with their counters and status.
public struct UploadsPanel: DashboardPanel {
    public let id = "uploads"
    public let title = "Uploads"

    public func render(_ context: PanelContext) async throws -> HTML? {
        let uploads = try await context.runtime.store.uploads(limit: 50, offset: 0)
        guard !uploads.isEmpty else { return "<p class=\"muted\">No uploads yet.</p>" }
        var rows: [HTML] = []
        for u in uploads {
            rows.append("""
                <tr><td class="name" data-label="Batch"><a href="\(BatchView.link(u.batchNum))">\(u.batchNum)</a></td>\
                <td class="name" data-label="File">\(u.originalFilename)</td><td data-label="Uploaded (UTC)">\(Self.time(u.uploadedAt))</td>\
                <td data-label="Status">\(Page.statusBadge(u.status.rawValue))</td><td class="num" data-label="Rows">\(u.numTotalRows)</td>\
                <td class="num" data-label="Inserted">\(u.numInsertedRows)</td><td class="num" data-label="Updated">\(u.numUpdatedRows)</td>\
                <td class="num" data-label="Unchanged">\(u.numUnchangedRows)</td><td class="num" data-label="Imputed">\(u.numImputedRows)</td>\
                <td class="num" data-label="Rejected">\(u.numRejectedRows)</td></tr>

                """)
        }
        return """
            <div class="table-wrap"><table id="uploads-table" class="stack">
            <caption class="muted" style="text-align:left">The 50 most recent uploads, newest first.</caption>
            <thead><tr><th scope="col">Batch</th><th scope="col">File</th><th scope="col">Uploaded (UTC)</th><th scope="col">Status</th>\
            <th scope="col" class="num">Rows</th><th scope="col" class="num">Inserted</th><th scope="col" class="num">Updated</th>\
            <th scope="col" class="num">Unchanged</th><th scope="col" class="num">Imputed</th><th scope="col" class="num">Rejected</th></tr></thead>
            <tbody>\(rows)</tbody></table></div>
            """
    }

    /// "2026-03-01T10:00:00.123Z" → "2026-03-01 10:00:00".
    public static func time(_ stamp: String) -> String {
        var s = stamp.replacingOccurrences(of: "T", with: " ")
        if let dot = s.firstIndex(of: ".") { s = String(s[..<dot]) }
        if s.hasSuffix("Z") { s.removeLast() }
        return s
    }
}

/// Links to every category's forecast page.
public struct CategoriesPanel: DashboardPanel {
    public let id = "categories"
    public let title = "Categories"

    public func render(_ context: PanelContext) async throws -> HTML? {
        let categories = try await context.runtime.store.categories()
        guard !categories.isEmpty else { return "<p class=\"muted\">No sales data yet: upload a file to see forecasts.</p>" }
        let items = categories.map { c -> HTML in "<li><a href=\"\(ForecastChartPanel.link(c))\">\(c)</a></li>" }
        return "<ul class=\"links\" id=\"category-list\">\(items)</ul>"
    }
}

/// Queue depths, live workers and failed jobs.
public struct HealthPanel: DashboardPanel {
    public let id = "health"
    public let title = "System health"
    public static let queues: [(QueueName, String)] = [(.etl, "ETL"), (.forecast, "Forecast"), (.train, "Training")]

    public func render(_ context: PanelContext) async throws -> HTML? {
        let runtime = context.runtime
        var cards: [HTML] = []
        for (queue, label) in Self.queues {
            do {
                let depth = try await runtime.queue.depth(of: queue)
                let alive = try await runtime.queue.liveConsumers(queue: queue)
                cards.append("""
                    <div class="card" data-queue="\(queue.rawValue)"><h3>\(label) queue <span class="muted">(\(queue.rawValue))</span></h3><dl>
                    <dt>Waiting</dt><dd>\(depth.ready)</dd><dt>In progress</dt><dd>\(depth.processing)</dd>
                    <dt>Retrying later</dt><dd>\(depth.delayed)</dd><dt>Dead letters</dt><dd>\(depth.dead)</dd>
                    <dt>Workers alive</dt><dd class="workers">\(alive.count)</dd></dl></div>
                    """)
            } catch {
                cards.append("<div class=\"card\" data-queue=\"\(queue.rawValue)\"><h3>\(label) queue</h3><p class=\"status status-failed\">unreachable</p><p class=\"muted\">\(String(describing: error))</p></div>")
            }
        }
        let counts = try await runtime.store.jobCounts()
        var countItems: [HTML] = []
        for status in JobStatus.allCases {
            countItems.append("<dt>\(Page.statusBadge(status.rawValue))</dt><dd>\(counts[status.rawValue] ?? 0)</dd>")
        }
        cards.append("<div class=\"card\"><h3>Jobs by status</h3><dl id=\"job-counts\">\(countItems)</dl></div>")
        let failed = try await runtime.store.jobs(type: nil, status: .failed, limit: 10, offset: 0)
        var failedHTML: HTML = "<p class=\"muted\">No failed jobs.</p>"
        if !failed.isEmpty {
            let rows = failed.map { j -> HTML in
                "<tr><td class=\"name\">\(j.id)</td><td>\(j.type)</td><td class=\"num\">\(j.attempts)</td><td>\(UploadsPanel.time(j.updatedAt))</td><td class=\"name\">\(j.error ?? "")</td></tr>"
            }
            failedHTML = """
                <div class="table-wrap"><table id="failed-jobs"><caption class="muted" style="text-align:left">The 10 most recent failed jobs.</caption>
                <thead><tr><th scope="col">Job</th><th scope="col">Type</th><th scope="col" class="num">Attempts</th><th scope="col">Updated (UTC)</th><th scope="col">Error</th></tr></thead>
                <tbody>\(rows)</tbody></table></div>
                """
        }
        return "<div class=\"cards\">\(cards)</div><h3>Failed jobs</h3>\(failedHTML)"
    }
}
