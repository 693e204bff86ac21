import Foundation
import Jobs
import Logging
import Store
import Testing
@testable import Workflows

/// The upload use case without HTTP: a received file is checked, recorded with its ETL job and queued once; a bad
/// file is refused with a message naming the problem and nothing recorded; the same file twice is a conflict.
@Suite struct UploadIntakeTests {
    static let csv = "Date,product_id,category,sales\n2024-01-01,p1,Books,1.5\n2024-01-02,p1,Books,2\n"

    struct Fixture {
        let intake: UploadIntake
        let queue: MemoryJobQueue
        let base: WorkflowFixture

        static func make() async throws -> Fixture {
            let base = try await WorkflowFixture.make()
            return Fixture(intake: UploadIntake(runtime: base.runtime, io: DispatchBlockingIO()), queue: base.queue, base: base)
        }

        func received(_ text: String, name: String = "sales.csv") throws -> IncomingUpload {
            IncomingUpload(tempPath: try base.file(text), filename: name, sha256: String(repeating: "ab", count: 32), size: text.utf8.count)
        }

        func files() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: base.directory).sorted() }
    }

    @Test func aFileIsRecordedWithItsJobAndQueuedOnce() async throws {
        let f = try await Fixture.make()
        let upload = try f.received(Self.csv, name: "../Q1 sales.csv")
        try await f.intake.check(upload)
        let batch = try await f.intake.record(upload, onError: .skip, requestID: "r1", logger: Logger(label: "t"))
        #expect(batch.hasPrefix("Q1_sales_"), "\(batch)")
        let record = try #require(try await f.intake.runtime.store.upload(batchNum: batch))
        #expect(record.status == .uploaded)
        #expect(record.originalFilename == "../Q1 sales.csv")
        #expect(try await f.intake.runtime.store.job(id: "etl-" + batch)?.status == .queued)
        // The temporary file became the stored one.
        #expect(try f.files() == [batch + ".csv"])
        let delivery = try #require(try await f.queue.pop(from: .etl, consumer: "c", timeout: .milliseconds(10)))
        #expect(delivery.message.id == "etl-" + batch)
        #expect(try await f.queue.pop(from: .etl, consumer: "c", timeout: .milliseconds(10)) == nil)

        // The same bytes again: a conflict naming the first batch; nothing new recorded, kept or queued.
        let again = try f.received(Self.csv)
        await #expect(throws: WorkflowError(.conflict, "duplicate file", fields: ["batch_num": batch])) {
            try await f.intake.record(again, onError: .fail, requestID: "r2", logger: Logger(label: "t"))
        }
        #expect(try f.files() == [batch + ".csv"])
        #expect(try await f.intake.runtime.store.uploads(limit: 10, offset: 0).count == 1)
        #expect(try await f.queue.pop(from: .etl, consumer: "c", timeout: .milliseconds(10)) == nil)
    }

    @Test func aBadFileIsRefusedByNameOrHead() async throws {
        let f = try await Fixture.make()
        let cases: [(text: String, name: String, problem: String)] = [
            (Self.csv, "sales.csv.exe", "ends in .exe"),
            (Self.csv, "sales", "has no extension"),
            (Self.csv, "sa\u{0}les.csv", "NUL or control characters"),
            ("", "empty.csv", "empty file"),
            ("a,b\u{0}\n", "bin.csv", "binary"),
        ]
        for c in cases {
            let upload = try f.received(c.text, name: c.name)
            do {
                try await f.intake.check(upload)
                Issue.record("\(c.name) was accepted")
            } catch let error as WorkflowError {
                #expect(error.kind == .invalid)
                #expect(error.message.contains(c.problem), "\(c.name): \(error.message)")
            }
            await f.intake.discard(upload)
        }
        #expect(try f.files().isEmpty)
        #expect(try await f.intake.runtime.store.uploads(limit: 10, offset: 0).isEmpty)
    }

    @Test func fileNamesBecomeSafeStems() {
        #expect(FileNames.stem(of: "C:\\data\\März 2024.sales.csv") == "M_rz_2024")
        #expect(FileNames.stem(of: "...csv") == "upload")
        #expect(FileNames.recorded("a\u{7}b.csv") == "ab.csv")
        #expect(FileNames.recorded("\u{1}") == "upload.csv")
    }
}
