import Store
import Synchronization

/// `GET /invoice-data`'s row counts per filter, kept until the data changes (``Store/invoiceDataVersion()``):
/// a page of seed 003's client reads `total_items` on every request, and counting every row of a large table
/// each time cost more than the page itself (BENCHMARKS.md, "Load"). Bounded: full, it starts over.
final class InvoiceCountCache: Sendable {
    struct Key: Hashable {
        var category: String?, productID: String?, batchNum: String?, startDate: String?, endDate: String?
        init(_ q: InvoiceQuery) {
            (category, productID, batchNum, startDate, endDate) = (q.category, q.productID, q.batchNum, q.startDate, q.endDate)
        }
    }

    static let capacity = 4096
    private let entries = Mutex<(version: String, counts: [Key: Int])>(("", [:]))

    /// The count of rows matching `query`'s filters: cached while `version` is the one it was counted at.
    func count(_ query: InvoiceQuery, store: any Store) async throws -> Int {
        let version = try await store.invoiceDataVersion()
        let key = Key(query)
        if let hit = entries.withLock({ $0.version == version ? $0.counts[key] : nil }) { return hit }
        let total = try await store.invoiceCount(query)
        entries.withLock { state in
            if state.version != version || state.counts.count >= Self.capacity { state = (version, [:]) }
            state.counts[key] = total
        }
        return total
    }
}
