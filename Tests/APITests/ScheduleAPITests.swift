import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Seed 000's work-schedule contract on both backends, with train-worker running in-process.
@Suite("Schedule API (seed 000)", .serialized)
struct ScheduleAPITests {
    static let admin = "test-admin-token"

    /// Entity 1 works Mon–Fri 08:30–17:00 (a few minutes of noise), entity 2 works Mon/Wed/Fri nights
    /// 22:00–06:00; `days` days from Monday 2025-01-06; dates in both formats.
    static func csv(days: Int = 70) -> String {
        var lines = ["ID,Date,Start Time,End Time"]
        let first = DateComponents(calendar: .init(identifier: .gregorian), timeZone: TimeZone(identifier: "UTC")!, year: 2025, month: 1, day: 6).date!
        let f = DateFormatter()
        f.timeZone = TimeZone(identifier: "UTC")!
        for d in 0..<days {
            let date = first.addingTimeInterval(Double(d) * 86400)
            f.dateFormat = d % 2 == 0 ? "yyyy-MM-dd" : "dd/MM/yyyy"
            let text = f.string(from: date)
            let weekday = d % 7
            if weekday < 5 { lines.append("1,\(text),08:\(30 + d % 3),17:0\(d % 4)") }
            if weekday == 0 || weekday == 2 || weekday == 4 { lines.append("2,\(text),22:00,06:00") }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static let mapping = ["id_column": "ID", "date_column": "Date", "start_time_column": "Start Time", "end_time_column": "End Time"]

    func createSession(_ client: any TestClientProtocol) async throws -> String {
        let r = try await client.execute(uri: "/api/session/create", method: .post)
        #expect(r.status == .ok)
        #expect((r.object["message"] as? String)?.contains("Session created") == true)
        return try #require(r.object["session_id"] as? String)
    }

    func train(_ client: any TestClientProtocol, _ session: String, csv: String = ScheduleAPITests.csv(), fields: [String: String] = ScheduleAPITests.mapping, path: String = "/api/train_models/") async throws -> TestResponse {
        var headers = Multipart.headers
        headers[.init("X-Session-ID")!] = session
        return try await client.execute(uri: path, method: .post, headers: headers, body: Multipart.body(file: Array(csv.utf8), filename: "data.csv", extraFields: fields))
    }

    func predict(_ client: any TestClientProtocol, _ session: String, _ body: String) async throws -> TestResponse {
        try await client.execute(uri: "/api/predict/", method: .post, headers: [.contentType: "application/json", .init("X-Session-ID")!: session], body: ByteBuffer(string: body))
    }

    @Test(arguments: Backend.allCases)
    func seedWorkflowTrainAndPredictWithHistoryModelAndNA(_ backend: Backend) async throws {
        let fixture = try await APIFixture.make(backend, env: ["ADMIN_TOKEN": Self.admin])
        defer { Task { await fixture.close() } }
        try await fixture.test(workers: true) { client in
            let session = try await createSession(client)
            #expect(session.count == 64)
            let trained = try await train(client, session)
            #expect(trained.status == .ok, "\(trained.error)")
            #expect(trained.object["message"] as? String == "Model trained successfully")
            #expect(trained.object["session_id"] as? String == session)
            #expect(trained.object["entities"] as? Int == 2)
            #expect(trained.object["data_points"] as? Int == 50 + 30)
            #expect(trained.object["trained_at"] is String)
            let jobID = try #require(trained.object["job_id"] as? String)
            #expect(try await client.get("/jobs/\(jobID)").object["status"] as? String == "completed")
            // /api/train/ is the same endpoint; every fit is a new version.
            let again = try await train(client, session, path: "/api/train/")
            #expect(again.object["model_version"] as? Int == 2)

            // Window of 3 around Tuesday 2025-01-14 (recorded) → Mon, Tue, Wed from the data.
            let hist = try await predict(client, session, #"{"id": "1", "target_date": "14/01/2025", "window_size": 3}"#)
            #expect(hist.status == .ok, "\(hist.error)")
            let days = hist.object["predictions"] as? [[String: Any]] ?? []
            #expect(days.map { $0["date"] as? String } == ["13/01/2025", "14/01/2025", "15/01/2025"])
            #expect(days.map { $0["weekday"] as? String } == ["mon", "tue", "wed"])
            #expect(days.allSatisfy { $0["historical"] as? Bool == true })
            #expect(days[1]["start_time"] as? String == "08:31" || days[1]["start_time"] as? String == "08:30" || days[1]["start_time"] as? String == "08:32")

            // After the data: weekdays predicted near 08:30–17:00, weekends NA (entity 1 never works them).
            // A window reaching past year 9999 or before year 1 is refused (it used to stop the process).
            for date in ["9999-12-31", "0001-01-01"] {
                let far = try await predict(client, session, #"{"id": 1, "target_date": "\#(date)", "window_size": 3}"#)
                #expect(far.status == .badRequest, "\(date): \(far.status)")
                #expect(far.error.contains("years 1 to 9999"), "\(far.error)")
            }
            let future = try await predict(client, session, #"{"id": 1, "target_date": "2025-06-18", "window_size": 7}"#)
            let week = future.object["predictions"] as? [[String: Any]] ?? []
            #expect(week.count == 7)
            #expect(week.allSatisfy { $0["historical"] as? Bool == false })
            for day in week {
                let weekday = day["weekday"] as? String ?? ""
                if weekday == "sat" || weekday == "sun" {
                    #expect(day["start_time"] as? String == "NA" && day["end_time"] as? String == "NA")
                } else {
                    let start = day["start_time"] as? String ?? ""
                    #expect(start.hasPrefix("08:"), "\(day)")
                    #expect((day["end_time"] as? String ?? "").hasPrefix("17:"), "\(day)")
                }
            }
            // Night shifts past midnight: predicted end is the next morning.
            let nights = try await predict(client, session, #"{"id": "2", "target_date": "2025-06-18", "window_size": 1}"#)
            let wed = (nights.object["predictions"] as? [[String: Any]] ?? []).first ?? [:]
            #expect(wed["start_time"] as? String == "22:00")
            #expect(wed["end_time"] as? String == "06:00")

            let info = try await client.execute(uri: "/api/session/info/", method: .get, headers: [.init("X-Session-ID")!: session])
            #expect(info.object["data_points"] as? Int == 80)
            #expect(info.object["model_version"] as? Int == 2)
            // Seed 000's SessionInfoResponse keys.
            #expect(info.object["data_row_count"] as? Int == 80)
            #expect(info.object["entity_count"] as? Int == 2)
            #expect(info.object["is_model_trained"] as? Bool == true)
            #expect(info.object["ip_address"] is String)
            #expect(trained.object["employees"] as? Int == 2)

            // No window_size: seed 000's default of 31 days around the target; no mapping fields: its column names.
            let month = try await predict(client, session, #"{"id": "1", "target_date": "18/06/2025"}"#)
            #expect((month.object["predictions"] as? [[String: Any]])?.count == 31, "\(month.error)")
            let defaults = try await train(client, session, fields: [:])
            #expect(defaults.status == .ok, "\(defaults.error)")
            #expect(defaults.object["entities"] as? Int == 2)
            #expect(try await client.get("/redoc").status == .ok)
            let summary = try await client.get("/api/")
            #expect(((summary.object["endpoints"] as? [[String: Any]])?.count ?? 0) >= 9)
        }
    }

    @Test(arguments: Backend.allCases)
    func theNARuleFollowsItsThresholds(_ backend: Backend) async throws {
        // A zero spread threshold makes every model day NA; a rate threshold of 0 keeps weekends.
        let fixture = try await APIFixture.make(backend, env: ["SCHEDULE_MAX_SPREAD_MINUTES": "0", "SCHEDULE_MIN_WEEKDAY_RATE": "0"])
        defer { Task { await fixture.close() } }
        try await fixture.test(workers: true) { client in
            let session = try await createSession(client)
            #expect(try await train(client, session).status == .ok)
            let r = try await predict(client, session, #"{"id": "1", "target_date": "2025-06-18", "window_size": 5}"#)
            let days = r.object["predictions"] as? [[String: Any]] ?? []
            #expect(days.count == 5)
            #expect(days.allSatisfy { $0["start_time"] as? String == "NA" || $0["end_time"] as? String == "NA" })
        }
    }

    @Test(arguments: Backend.allCases)
    func sessionsAreIsolatedAndErrorsNameTheProblem(_ backend: Backend) async throws {
        let fixture = try await APIFixture.make(backend, env: ["ADMIN_TOKEN": Self.admin])
        defer { Task { await fixture.close() } }
        try await fixture.test(workers: true) { client in
            let a = try await createSession(client)
            let b = try await createSession(client)
            #expect(try await train(client, a).status == .ok)
            let other = "ID,Date,Start Time,End Time\n9,2025-01-06,07:00,15:00\n9,2025-01-07,07:00,15:00\n"
            #expect(try await train(client, b, csv: other).status == .ok)
            // b cannot see a's entity, and a cannot see b's.
            let cross = try await predict(client, b, #"{"id": "1", "target_date": "2025-01-14", "window_size": 3}"#)
            #expect(cross.status == .notFound)
            #expect(cross.error.contains("not found in this session"))
            #expect(try await predict(client, a, #"{"id": "9", "target_date": "2025-01-14", "window_size": 3}"#).status == .notFound)
            // Unknown session → 401; no header → 401.
            #expect(try await predict(client, String(repeating: "0", count: 64), #"{"id": "1", "target_date": "2025-01-14"}"#).status == .unauthorized)
            #expect(try await client.get("/api/session/info").status == .unauthorized)
            // Column mapping naming a missing column → 400 naming it; bad date / time → 400 naming the line.
            var fields = Self.mapping
            fields["date_column"] = "Day"
            let missing = try await train(client, a, fields: fields)
            #expect(missing.status == .badRequest)
            #expect(missing.error.contains("\"Day\""))
            let badDate = try await train(client, a, csv: "ID,Date,Start Time,End Time\n1,2025-01-06,08:00,17:00\n1,2025-13-01,08:00,17:00\n")
            #expect(badDate.status == .badRequest)
            #expect(badDate.error.contains("line 3") && badDate.error.contains("date"))
            let badTime = try await train(client, a, csv: "ID,Date,Start Time,End Time\n1,2025-01-06,8h,17:00\n")
            #expect(badTime.error.contains("line 2") && badTime.error.contains("time"))
            // Refused uploads changed nothing: a's data and model still answer.
            #expect(try await predict(client, a, #"{"id": "1", "target_date": "2025-01-14", "window_size": 1}"#).status == .ok)
            #expect(try await predict(client, a, #"{"id": "1", "target_date": "2025-99-14"}"#).error.contains("target_date"))

            // Deleting a session removes it; its id is then unknown.
            let del = try await client.execute(uri: "/api/session/delete/", method: .delete, headers: [.init("X-Session-ID")!: b])
            #expect(del.status == .ok)
            #expect(try await client.execute(uri: "/api/session/info", method: .get, headers: [.init("X-Session-ID")!: b]).status == .unauthorized)

            // Admin endpoints need the token.
            #expect(try await client.execute(uri: "/api/session/cache-info", method: .get).status == .unauthorized)
            #expect(try await client.execute(uri: "/api/session/cache-info", method: .get, headers: [.init("X-Admin-Token")!: "wrong"]).status == .unauthorized)
            let adminHeaders: HTTPFields = [.init("X-Admin-Token")!: Self.admin]
            let cache = try await client.execute(uri: "/api/session/cache-info", method: .get, headers: adminHeaders)
            #expect(((cache.object["cache"] as? [String: Any])?["size"] as? Int ?? 0) >= 1)
            let cleared = try await client.execute(uri: "/api/session/cache-clear", method: .post, headers: adminHeaders)
            #expect(cleared.status == .ok)
            // The README heading's spelling is the same admin route, token and all.
            #expect(try await client.execute(uri: "/api/session/clear-cache", method: .post).status == .unauthorized)
            #expect(try await client.execute(uri: "/api/session/clear-cache/", method: .post).status == .unauthorized)
            #expect(try await client.execute(uri: "/api/session/clear-cache", method: .post, headers: adminHeaders).status == .ok)
            let cleanup = try await client.execute(uri: "/api/session/cleanup", method: .post, headers: adminHeaders)
            #expect(cleanup.object["deleted_sessions"] as? Int == 0)
            #expect(cleanup.object["deleted_count"] as? Int == 0, "seed 000's key")
        }
    }

    @Test(arguments: Backend.allCases)
    func perIPQuotasOnSessionCreationAndTraining(_ backend: Backend) async throws {
        let fixture = try await APIFixture.make(backend, env: ["ADMIN_TOKEN": Self.admin, "SESSION_TTL_SECONDS": "60", "SESSION_CREATE_QUOTA_PER_HOUR": "2", "TRAIN_QUOTA_PER_HOUR": "1"])
        defer { Task { await fixture.close() } }
        try await fixture.test(workers: true) { client in
            let s = try await createSession(client)
            _ = try await createSession(client)
            let third = try await client.execute(uri: "/api/session/create", method: .post)
            #expect(third.status == .tooManyRequests)
            #expect(third.error.contains("quota"))
            #expect(try await train(client, s).status == .ok)
            let second = try await train(client, s)
            #expect(second.status == .tooManyRequests)
        }
    }
}
