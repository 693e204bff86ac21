@testable import Models

/// The reference schedule data parsed once: records sorted by (date, unit), train/held-out split, features.
struct ScheduleReferenceSet: Sendable {
    let records: [ScheduleRecord]
    let train: [ScheduleRecord]
    let heldOut: [ScheduleRecord]
    let profiles: [String: EntityProfile]
    let trainRows: [[Double]]
    let heldOutRows: [[Double]]

    static let shared = ScheduleReferenceSet()

    private init() {
        var records: [ScheduleRecord] = []
        for line in ForestReferenceData.csv.split(separator: "\n") {
            let f = line.split(separator: ",")
            records.append(
                ScheduleRecord(
                    entity: String(f[0]), date: CivilDate(parsing: f[1])!, start: Int(f[2])!, end: Int(f[3])!))
        }
        self.records = records
        train = Array(records[..<ForestReferenceData.trainCount])
        let profiles = ScheduleFeatures.profiles(of: train)
        self.profiles = profiles
        heldOut = records[ForestReferenceData.trainCount...].filter { profiles[$0.entity] != nil }
        trainRows = train.map { ScheduleFeatures.row(profile: profiles[$0.entity]!, date: $0.date) }
        heldOutRows = heldOut.map { ScheduleFeatures.row(profile: profiles[$0.entity]!, date: $0.date) }
    }

    /// The rows' feature vectors with profiles from the training part.
    func features(ofRow index: Int) -> [Double] {
        let r = records[index]
        return ScheduleFeatures.row(profile: profiles[r.entity]!, date: r.date)
    }
}

func meanAbsoluteError(_ a: [Double], _ b: [Double]) -> Double {
    zip(a, b).reduce(0) { $0 + abs($1.0 - $1.1) } / Double(a.count)
}
