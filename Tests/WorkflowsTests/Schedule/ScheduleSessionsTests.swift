import Foundation
import Jobs
import Models
import Store
import Testing
@testable import Workflows

/// Seed 000's sessions without HTTP: the CSV read with the caller's columns, sessions and their quotas, a real fit
/// on a train worker's handler and the window of predictions around a date.
@Suite struct ScheduleSessionsTests {
    static func sessions(_ f: WorkflowFixture) -> ScheduleSessions {
        ScheduleSessions(fits: ModelFits(runtime: f.runtime), cache: ModelCache(capacity: 4), io: DispatchBlockingIO())
    }

    /// E1 works weekdays 09:00–17:00 and N1 nights 22:00–06:00, for eight weeks from Monday 2024-01-01.
    static var csv: String {
        var lines = ["Worker;Day;From;To"]
        let monday = CivilDate(year: 2024, month: 1, day: 1)!
        for d in 0..<56 where d % 7 < 5 {
            let day = monday.adding(days: d).isoString
            lines.append("E1;\(day);09:00;17:00")
            lines.append("N1;\(day);22:00;06:00")
        }
        return "\u{FEFF}" + lines.joined(separator: "\n") + "\n"
    }

    static let mapping = ScheduleSessions.Mapping(id: "Worker", date: "Day", start: "From", end: "To")

    @Test func theCSVIsReadWithTheCallersColumnsAndRefusedByLine() async throws {
        let f = try await WorkflowFixture.make()
        let rows = try ScheduleSessions.parse(path: try f.file(Self.csv), mapping: Self.mapping)
        #expect(rows.count == 80)
        #expect(rows[1] == ScheduleRecordRow(entity: "N1", date: "2024-01-01", startMinute: 22 * 60, endMinute: 6 * 60))
        // Seed 000's form fields, absent or empty, name its own columns.
        #expect(ScheduleSessions.Mapping(fields: ["id_column": " Worker ", "date_column": ""])
                == ScheduleSessions.Mapping(id: "Worker", date: "Date", start: "Start Time", end: "End Time"))

        let refused: [(String, String)] = [
            ("ID,Date,Start Time\nA,2024-01-01,09:00\n", "column \"End Time\" not found"),
            ("Worker;Day;From;To\nA;2024-13-01;09:00;17:00\n", "line 2: bad date \"2024-13-01\" in column Day"),
            ("Worker;Day;From;To\nA;2024-01-01;9h;17:00\n", "line 2: bad time \"9h\" in column From"),
            ("Worker;Day;From;To\nA;2024-01-01;09:00;17:00\nA;01/01/2024;10:00;18:00\n", "line 3: Worker A already has a record on 2024-01-01 (line 2)"),
            ("Worker;Day;From;To\n;2024-01-01;09:00;17:00\n", "line 2: empty Worker"),
            ("", "the file is empty"),
        ]
        for (text, problem) in refused {
            let mapping = text.hasPrefix("ID,") ? ScheduleSessions.Mapping(fields: [:]) : Self.mapping
            do {
                _ = try ScheduleSessions.parse(path: try f.file(text), mapping: mapping)
                Issue.record("accepted: \(problem)")
            } catch let error as WorkflowError {
                #expect(error.kind == .invalid)
                #expect(error.message.contains(problem), "\(error.message)")
            }
        }
    }

    @Test func sessionsAreCheckedAndCountedAgainstTheirQuota() async throws {
        let f = try await WorkflowFixture.make(env: ["SESSION_CREATE_QUOTA_PER_HOUR": "2"])
        let sessions = Self.sessions(f)
        let first = try await sessions.create(clientIP: "10.0.0.1")
        #expect(try await sessions.session(id: " \(first.sessionID) ") == first)
        await #expect(throws: WorkflowError(.unauthorized, "missing X-Session-ID header: create a session with POST /api/session/create")) {
            try await sessions.session(id: nil)
        }
        await #expect(throws: WorkflowError(.unauthorized, "unknown or expired session: create a new one with POST /api/session/create")) {
            try await sessions.session(id: "nope")
        }
        _ = try await sessions.create(clientIP: "10.0.0.1")
        do {
            _ = try await sessions.create(clientIP: "10.0.0.1")
            Issue.record("a third session within the hour was created")
        } catch let error as WorkflowError {
            #expect(error.kind == .rateLimited)
            #expect(error.retryAfterSeconds == 3600)
        }
        // Another address has its own quota.
        _ = try await sessions.create(clientIP: "10.0.0.2")
    }

    @Test func aTrainedSessionPredictsAWindowAroundADate() async throws {
        let f = try await WorkflowFixture.make(env: ["TRAIN_TIMEOUT_SECONDS": "30"])
        let sessions = Self.sessions(f)
        let session = try await sessions.create(clientIP: "10.0.0.1")
        let target = CivilDate(year: 2024, month: 2, day: 27)! // a Tuesday after the data
        await #expect(throws: WorkflowError.notFound("id \"E1\" not found in this session's data")) {
            try await sessions.predictions(sessionID: session.sessionID, entity: "E1", target: target, window: 3)
        }
        // train-worker's handler, fed from the queue the fit pushes to.
        let handler = ScheduleFitHandler(runtime: f.runtime)
        let worker = f.trainWorker { try await handler.handle($0) }
        defer { worker.cancel() }
        let trained = try await sessions.train(
            session, csvPath: try f.file(Self.csv), mapping: Self.mapping, clientIP: "10.0.0.1", requestID: "r")
        #expect(trained.records == 80 && trained.entities == 2 && trained.version.version == 1)

        let summary = try await sessions.summary(session)
        #expect(summary.records == 80 && summary.entities == 2 && summary.latestVersion == 1)

        // 2024-02-23 (Friday, recorded) … 2024-03-01: recorded days as recorded, the weekend NA, the weekdays about 09:00–17:00.
        let days = try await sessions.predictions(sessionID: session.sessionID, entity: "E1", target: target, window: 8)
        #expect(days.map(\.date) == ["23/02/2024", "24/02/2024", "25/02/2024", "26/02/2024", "27/02/2024", "28/02/2024", "29/02/2024", "01/03/2024"])
        #expect(days[0].historical && days[0].start_time == "09:00" && days[0].end_time == "17:00")
        #expect(!days[1].historical && days[1].start_time == "NA" && days[2].start_time == "NA")
        for day in days[3...] {
            #expect(!day.historical && day.start_time == "09:00" && day.end_time == "17:00", "\(day)")
        }
        let night = try await sessions.predictions(sessionID: session.sessionID, entity: "N1", target: target, window: 1)
        #expect(night == [.init(date: "27/02/2024", weekday: night[0].weekday, start_time: "22:00", end_time: "06:00", historical: false)])
        #expect(sessions.cache.info.size == 1)

        await #expect(throws: WorkflowError.invalid("window_size must be a whole number between 1 and 366 (got 0)")) {
            try await sessions.predictions(sessionID: session.sessionID, entity: "E1", target: target, window: 0)
        }
        try await sessions.delete(session)
        #expect(sessions.cache.info.size == 0)
        await #expect(throws: WorkflowError.self) { try await sessions.session(id: session.sessionID) }
    }
}
