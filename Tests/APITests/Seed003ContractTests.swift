import Foundation
import Hummingbird
import HummingbirdTesting
import Store
import Testing

/// Seed 003's client, unchanged: `POST /upload` answers 201, `/invoice-data` pages as
/// `{"data", "pagination"}` newest first, `/forecast-data?limit=30` is the latest thirty, and a category holding
/// quotes, semicolons, commas, `=`, a space or a newline round-trips through upload and every filter, sent the
/// way Python's `requests` encodes a query (a space as `+`).
@Suite(.serialized)
struct Seed003ContractTests {
    static let categories = ["Home Goods", "He said \"hi\"; then, x=1", "two\nlines", "a+b=c & d"]

    /// Form encoding as `requests` and HTML forms send it: a space is `+`, anything else not alphanumeric is `%XX`.
    static func formEncoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!.replacingOccurrences(of: "%20", with: "+")
    }

    static func csv(days: Int) -> String {
        var lines = ["Date,product_id,category,sales"]
        let first = DayNumber.parse("2024-01-01")!
        for (ci, category) in categories.enumerated() {
            let quoted = "\"" + category.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            for d in 0..<days {
                lines.append("\(DayNumber.format(first + Int32(d))),P\(ci),\(quoted),\(10 + ci + d % 7)")
            }
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    @Test(arguments: Backend.allCases)
    func theSeedClientReadsPagesNewestFirstAndHostileCategoriesRoundTrip(_ backend: Backend) async throws {
        let fx = try await APIFixture.make(backend, env: ["FORECAST_HORIZON": "14"])
        defer { Task { await fx.close() } }
        try await fx.test(workers: true) { client in
            let days = 60
            let r = try await client.upload(Self.csv(days: days), filename: "sales.csv")
            #expect(r.status == .created, "\(r.error)")
            #expect(r.object["message"] as? String == "file accepted")
            let batch = try #require(r.object["batch_num"] as? String)
            _ = try await PipelineFlowTests.waitForBatch(client, batch)
            let total = days * Self.categories.count

            // The default page: 15 rows, newest date first, and the envelope's counts.
            let first = try await client.get("/invoice-data")
            #expect(first.status == .ok)
            let pagination = try #require(first.object["pagination"] as? [String: Any])
            #expect(pagination["page"] as? Int == 1)
            #expect(pagination["limit"] as? Int == 15)
            #expect(pagination["total_items"] as? Int == total)
            #expect(pagination["total_pages"] as? Int == (total + 14) / 15)
            let rows = first.page
            #expect(rows.count == 15)
            let dates = rows.compactMap { $0["date"] as? String }
            #expect(dates.first == "2024-02-29")
            #expect(dates == dates.sorted(by: >))

            // Page 3 of 50: the rows after the first hundred, still newest first; the last page is short.
            let third = try await client.get("/invoice-data?page=3&limit=50")
            #expect((third.object["pagination"] as? [String: Any])?["page"] as? Int == 3)
            #expect(third.page.count == 50)
            let lastPage = try await client.get("/invoice-data?page=5&limit=50")
            #expect(lastPage.page.count == total - 200)
            #expect(lastPage.page.last?["date"] as? String == "2024-01-01")

            // batch_num filters the rows a batch last wrote.
            let byBatch = try await client.get("/invoice-data?batch_num=\(Self.formEncoded(batch))&limit=1")
            #expect((byBatch.object["pagination"] as? [String: Any])?["total_items"] as? Int == total)
            let otherBatch = try await client.get("/invoice-data?batch_num=sales_0_deadbeef")
            #expect((otherBatch.object["pagination"] as? [String: Any])?["total_items"] as? Int == 0)
            #expect(otherBatch.page.isEmpty)

            // Every category, however hostile, filters to exactly its own rows, stored as sent.
            for category in Self.categories {
                let q = try await client.get("/invoice-data?category=\(Self.formEncoded(category))&limit=1000")
                #expect(q.status == .ok, "\(category): \(q.error)")
                #expect(q.page.count == days, "\(category)")
                #expect(q.page.allSatisfy { $0["category"] as? String == category }, "\(category)")
            }
            let categories = try await client.get("/categories").json as? [String]
            #expect(Set(categories ?? []) == Set(Self.categories))

            // Forecasts: each hostile category's, and a client's limit=30 gets the latest dates.
            let perCategory = 5 * 14
            _ = try await eventually(timeout: .seconds(240), "forecasts for every category") { () -> Int? in
                let n = try await client.get("/forecast-data?limit=1000").array.count
                return n == Self.categories.count * perCategory ? n : nil
            }
            for category in Self.categories {
                let f = try await client.get("/forecast-data?category=\(Self.formEncoded(category))")
                #expect(f.array.count == perCategory, "\(category): \(f.error)")
                #expect(f.array.allSatisfy { $0["category"] as? String == category }, "\(category)")
            }
            let latest = try await client.get("/forecast-data?limit=30").array.compactMap { $0["forecast_date"] as? String }
            #expect(latest.count == 30)
            #expect(latest.first == "2024-03-14")
            #expect(latest == latest.sorted(by: >))

            // The counts are cached per filter until an upload completes: ten more days are counted at once.
            let more = try await client.upload(Self.csv(days: days + 10), filename: "more.csv")
            _ = try await PipelineFlowTests.waitForBatch(client, try #require(more.object["batch_num"] as? String))
            let after = try await client.get("/invoice-data")
            #expect((after.object["pagination"] as? [String: Any])?["total_items"] as? Int == (days + 10) * Self.categories.count)
            #expect(after.page.first?["date"] as? String == "2024-03-10")
            let firstCategory = try await client.get("/invoice-data?category=\(Self.formEncoded(Self.categories[0]))&limit=1")
            #expect((firstCategory.object["pagination"] as? [String: Any])?["total_items"] as? Int == days + 10)
        }
    }
}
