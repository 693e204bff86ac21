import Foundation
import Jobs
@testable import Store
import Testing
@testable import Workflows

/// The typed job catalog: every kind of job said once, with a queue a worker reads (or none), a unique type, stable
/// ids where creating twice must be a no-op, and payloads that decode back or fail the job naming the field.
@Suite struct JobCatalogTests {
    @Test func everyKindHasAUniqueTypeAndAKnownQueue() {
        let types = JobCatalog.all.map { $0.type }
        #expect(Set(types).count == types.count, "\(types)")
        let queues: Set<String> = [QueueName.etl.rawValue, QueueName.forecast.rawValue, QueueName.train.rawValue, JobCatalog.notQueued]
        for kind in JobCatalog.all { #expect(queues.contains(kind.queue), "\(kind.type) → \(kind.queue)") }
        #expect(TrainJobType.queue == QueueName.train.rawValue)
    }

    @Test func stableJobsKeepTheirIdsAndPayloadShape() throws {
        let etl = ETLJob(batchNum: "b_1", storedFilename: "b_1.csv").job(requestID: "r")
        #expect(etl == NewJob(id: "etl-b_1", type: "etl", queue: "etl_queue", payload: #"{"batch_num":"b_1","stored_filename":"b_1.csv"}"#, requestID: "r"))
        let forecasts = ForecastJob.jobs(batchNum: "b_1", categories: ["Books", "Toys"])
        #expect(ForecastJob.jobs(batchNum: "b_1", categories: ["Books", "Toys"]) == forecasts)
        #expect(forecasts[0].id == "forecast-" + String(SHA256Text.hex("b_1\u{0}Books").prefix(32)))
        #expect(forecasts[0].id != forecasts[1].id)
        #expect(forecasts[0].payload == #"{"batch_num":"b_1","category":"Books"}"#)
        #expect(try ForecastJob.decode(payload: forecasts[1].payload) == ForecastJob(category: "Toys", batchNum: "b_1"))
        // A refit asked of the category alone carries no batch (as the older payloads did not).
        #expect(try ForecastJob.decode(payload: #"{"category":"alpha"}"#) == ForecastJob(category: "alpha", batchNum: nil))
        // The payload of a fit is a fresh job each time; its id names its type.
        let fit = ScheduleFitPayload(sessionID: "s", minWeekdayRate: 0.3, maxSpreadMinutes: 90)
        let a = fit.job(), b = fit.job()
        #expect(a.id != b.id && a.id.hasPrefix("schedule_fit-") && a.queue == "train_queue" && a.payload == b.payload)
        #expect(TrainingRunJob(jobs: []).newJobID.count == "training-".count + 12)
    }

    @Test func aPayloadThatDoesNotFitFailsTheJobForGood() throws {
        let message = try JobMessage(id: "etl-x", type: ETLJob.type, payload: ["batch_num": "x"])
        do {
            _ = try ETLJob.decode(message)
            Issue.record("decoded a payload without stored_filename")
        } catch let failure as JobFailure {
            #expect(failure.isPermanent)
            #expect(failure.message == "etl job payload does not fit: missing field stored_filename", "\(failure.message)")
        }
        let text = JobMessage(id: "forecast-x", type: ForecastJob.type, payload: "{not json")
        #expect(throws: JobFailure.self) { try ForecastJob.decode(text) }
    }
}
