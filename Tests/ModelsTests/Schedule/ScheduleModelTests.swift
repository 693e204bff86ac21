import Foundation
import Testing
@testable import Models

@Suite("Schedule features and model")
struct ScheduleModelTests {
    static func date(_ s: String) -> CivilDate { CivilDate(parsing: s)! }

    @Test("entity profile: weekday counts and rates over the span, gap sd, lag-7 periodicity (hand-checked)")
    func profile() {
        // Mondays 6, 13, 20, 27 and Wednesdays 8, 15, 22, 29 January 2025: a 24-day span.
        let days = [6, 8, 13, 15, 20, 22, 27, 29]
        let dates = days.map { CivilDate(year: 2025, month: 1, day: $0)! }
        let p = EntityProfile(code: 0, dates: dates + [dates[0]])  // a duplicate date counts once
        #expect(p.eventDays == 8)
        #expect(p.weekdayCounts == [4, 0, 4, 0, 0, 0, 0])
        // Mondays and Wednesdays: 4 in the span, all worked; Tuesdays 4 and Thursdays…Sundays 3, none worked.
        #expect(p.weekdayRates == [1, 0, 1, 0, 0, 0, 0])
        #expect(p.rate(on: .wednesday) == 1)
        // Gaps 2 5 2 5 2 5 2: mean 23/7, population sd.
        let gaps: [Double] = [2, 5, 2, 5, 2, 5, 2]
        let mean = 23.0 / 7
        let sd = (gaps.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 7).squareRoot()
        #expect(abs(p.gapStandardDeviation - sd) < 1e-12)
        // Presence has mean 1/3; Σ(x−x̄)² = 8·4/9 + 16/9 = 48/9; the 17 lag-7 pairs repeat x exactly and
        // hold 6 ones and 11 zeros: Σ = 6·4/9 + 11/9 = 35/9. ACF = 35/48.
        #expect(abs(p.periodicity - 35.0 / 48) < 1e-12)

        let everyDay = EntityProfile(code: 1, dates: (1...20).map { CivilDate(year: 2025, month: 3, day: $0)! })
        #expect(everyDay.periodicity == 1 && everyDay.gapStandardDeviation == 0 && everyDay.weekdayRates.allSatisfy { $0 == 1 })
        let short = EntityProfile(code: 2, dates: [Self.date("2025-03-03"), Self.date("2025-03-05")])
        #expect(short.periodicity == 0 && short.gapStandardDeviation == 0)
        #expect(short.weekdayRates == [1, 0, 1, 0, 0, 0, 0])  // a 3-day span holds one Monday, Tuesday, Wednesday
    }

    @Test("feature row: code, calendar features, then the entity's habits for that weekday")
    func featureRow() {
        let records = [
            ScheduleRecord(entity: "b", date: Self.date("2025-12-22"), start: 480, end: 960),
            ScheduleRecord(entity: "a", date: Self.date("2025-12-23"), start: 480, end: 960),
        ]
        let profiles = ScheduleFeatures.profiles(of: records)
        #expect(profiles["a"]?.code == 0 && profiles["b"]?.code == 1)
        let row = ScheduleFeatures.row(profile: profiles["b"]!, date: Self.date("2025-12-23"))
        #expect(ScheduleFeatures.names.count == row.count)
        // entity 1, Tuesday 1, day 357, week of month 3, ISO week 52, December; b's one-day span has no Tuesday.
        #expect(row == [1, 1, 357, 3, 52, 12, 0, 0, 0, 0])
    }

    /// Two years of synthetic schedules:
    /// - alice works Monday–Friday 08:00±5 to 16:30±5, and on one Saturday;
    /// - bob works nights Monday–Thursday, 22:00 to 06:00 the next morning;
    /// - carol works Monday–Friday with a start anywhere from 06:00 to 12:00 and ends 8 h later.
    static func synthetic() -> [ScheduleRecord] {
        var rng = SeededGenerator(seed: 7)
        var records: [ScheduleRecord] = []
        let first = date("2024-01-01")
        for offset in 0..<730 {
            let d = first.adding(days: offset)
            let w = d.weekday.rawValue
            if w < 5 {
                records.append(ScheduleRecord(
                    entity: "alice", date: d, start: 475 + Int(rng.uniform() * 11), end: 985 + Int(rng.uniform() * 11)))
                let start = 360 + Int(rng.uniform() * 360)
                records.append(ScheduleRecord(entity: "carol", date: d, start: start, end: start + 480))
            }
            if w < 4 { records.append(ScheduleRecord(entity: "bob", date: d, start: 1320, end: 360)) }
        }
        records.append(ScheduleRecord(entity: "alice", date: date("2024-06-15"), start: 600, end: 720))
        return records
    }

    static let model: ScheduleModel = try! ScheduleModel.fit(
        records: synthetic(), parameters: .init(forest: .init(treeCount: 40, maxDepth: 10, seed: 3)))

    @Test("predictions follow each entity's habits; a night shift ends the next morning")
    func predictions() throws {
        let model = Self.model
        #expect(model.entities == ["alice", "bob", "carol"])
        let tuesday = Self.date("2026-01-06")
        let alice = try model.predict(entity: "alice", date: tuesday)
        #expect(alice.reasons.isEmpty)
        #expect(abs(Double(try #require(alice.start)) - 480) <= 10)
        #expect(abs(Double(try #require(alice.end)) - 990) <= 10)
        #expect(alice.startText.hasPrefix("07:") || alice.startText.hasPrefix("08:"))

        let bob = try model.predict(entity: "bob", date: tuesday)
        #expect(abs(bob.rawEnd - 1800) < 1, "trained on end + 1440")
        #expect(bob.end == 360 && bob.endText == "06:00")
        #expect(bob.start == 1320 && bob.startText == "22:00")

        // Carol's trees disagree far more than alice's.
        let carol = try model.predict(entity: "carol", date: tuesday)
        #expect(carol.startSpread > 3 * alice.startSpread)

        #expect(throws: ModelError.self) { try model.predict(entity: "dave", date: tuesday) }
    }

    @Test("NA when the weekday is rare; moving minWeekdayRate flips it")
    func rareWeekdayRule() throws {
        let saturday = Self.date("2026-01-10")
        let p = try Self.model.predict(entity: "alice", date: saturday)
        // One Saturday worked out of the ~104 in her span.
        #expect(p.weekdayRate > 0 && p.weekdayRate < 0.02)
        #expect(p.start == nil && p.end == nil && p.startText == "NA" && p.endText == "NA")
        #expect(p.reasons.contains(.rareWeekday))
        let lenient = ScheduleReliability(minWeekdayRate: p.weekdayRate, maxSpreadMinutes: .greatestFiniteMagnitude)
        let q = try Self.model.predict(entity: "alice", date: saturday, reliability: lenient)
        #expect(q.start != nil && q.end != nil && q.reasons.isEmpty)
        let strict = ScheduleReliability(minWeekdayRate: p.weekdayRate.nextUp, maxSpreadMinutes: .greatestFiniteMagnitude)
        #expect(try Self.model.predict(entity: "alice", date: saturday, reliability: strict).start == nil)
        // Bob never works Fridays: NA by default.
        let friday = try Self.model.predict(entity: "bob", date: Self.date("2026-01-09"))
        #expect(friday.weekdayRate == 0 && friday.reasons.contains(.rareWeekday) && friday.start == nil)
    }

    @Test("NA when the trees disagree; moving maxSpreadMinutes flips each side separately")
    func spreadRule() throws {
        let tuesday = Self.date("2026-01-06")
        let p = try Self.model.predict(entity: "carol", date: tuesday)
        #expect(p.startSpread > 0 && p.endSpread > 0)
        let spreads = [p.startSpread, p.endSpread].sorted()
        let tight = ScheduleReliability(minWeekdayRate: 0.2, maxSpreadMinutes: spreads[0] * 0.999)
        let none = try Self.model.predict(entity: "carol", date: tuesday, reliability: tight)
        #expect(none.start == nil && none.end == nil)
        #expect(none.reasons == [.startSpread, .endSpread])
        let loose = ScheduleReliability(minWeekdayRate: 0.2, maxSpreadMinutes: spreads[1])
        let both = try Self.model.predict(entity: "carol", date: tuesday, reliability: loose)
        #expect(both.start != nil && both.end != nil && both.reasons.isEmpty)
        if spreads[0] < spreads[1] {
            let between = ScheduleReliability(minWeekdayRate: 0.2, maxSpreadMinutes: (spreads[0] + spreads[1]) / 2)
            let one = try Self.model.predict(entity: "carol", date: tuesday, reliability: between)
            #expect((one.start == nil) != (one.end == nil))
            #expect(one.reasons.count == 1)
        }
    }

    @Test("the stored model reloads and predicts identically")
    func codable() throws {
        let data = try JSONEncoder().encode(Self.model)
        let reloaded = try JSONDecoder().decode(ScheduleModel.self, from: data)
        #expect(reloaded.profiles == Self.model.profiles)
        #expect(reloaded.parameters == Self.model.parameters)
        for entity in ["alice", "bob", "carol"] {
            for offset in 0..<14 {
                let d = Self.date("2026-01-01").adding(days: offset)
                #expect(try reloaded.predict(entity: entity, date: d) == (try Self.model.predict(entity: entity, date: d)))
            }
        }
    }

    @Test("fit rejects empty input and times outside a day")
    func fitValidation() {
        #expect(throws: ModelError.self) { try ScheduleModel.fit(records: []) }
        let bad = [ScheduleRecord(entity: "x", date: Self.date("2025-01-01"), start: 480, end: 1440)]
        #expect(throws: ModelError.self) { try ScheduleModel.fit(records: bad) }
    }
}
