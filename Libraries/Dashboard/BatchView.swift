public import Store

/// One batch's status, counters and error lines. The script renders the same markup from
/// `GET /metadata/{batch_num}` while the batch moves on, so the server and the live view agree.
public enum BatchView {
    public static func link(_ batchNum: String) -> String { "/dashboard/batch?batch_num=" + HTML.queryComponent(batchNum) }

    public static func render(_ u: UploadRecord, duplicate: Bool) -> HTML {
        let notice: HTML = duplicate
            ? "<p class=\"notice\" id=\"duplicate-notice\">This file was already uploaded: it repeats batch <a href=\"\(link(u.batchNum))\">\(u.batchNum)</a> (\(u.originalFilename)), shown below.</p>"
            : ""
        let counters: [(String, Int)] = [
            ("Rows", u.numTotalRows), ("Inserted", u.numInsertedRows), ("Updated", u.numUpdatedRows), ("Unchanged", u.numUnchangedRows),
            ("Imputed", u.numImputedRows), ("Missing values", u.numMissingRows), ("Rejected", u.numRejectedRows), ("Repeated", u.numRepeatedRows),
        ]
        let items = counters.map { c -> HTML in "<dt>\(c.0)</dt><dd>\(c.1)</dd>" }
        var errors: HTML = ""
        if let log = u.errorLog, !log.isEmpty {
            errors = "<h3>Errors</h3><pre class=\"errors\" id=\"batch-errors\">\(log)</pre>"
        }
        let final = u.status == .completed || u.status == .failed
        let refresh: HTML = final ? "" : "<noscript><p><a href=\"\(link(u.batchNum))\">Reload</a> to see the latest status.</p></noscript>"
        return """
            \(notice)
            <div id="batch-status" data-batch="\(u.batchNum)" data-status="\(u.status.rawValue)" aria-live="polite">
            <p>Batch <a href="\(link(u.batchNum))">\(u.batchNum)</a> from <strong>\(u.originalFilename)</strong>: \(Page.statusBadge(u.status.rawValue))</p>
            <div class="cards"><div class="card"><dl>\(items)</dl></div></div>
            \(errors)
            </div>
            \(refresh)
            """
    }
}
