// GenZoneClock: local business times turned into instants give what the zone says, whatever
// order the days are asked in (the clock keeps the offsets of days asked for lately).

@testable import MallCore
import Foundation
import XCTest

final class GeneratorClockTests: XCTestCase {
    /// Days around New York's changes of 2026 and days 64 apart (which share a slot of the
    /// clock's day table), in a scattered order: every local time the clock converts is the
    /// instant whose local reading in the zone is that time (outside the hour a change skips
    /// or repeats).
    func testLocalTimesAreTheZonesInAnyOrderOfDays() throws {
        let calendar = try XCTUnwrap(BusinessCalendar(timezone: "America/New_York"))
        let zone = try XCTUnwrap(TimeZone(identifier: "America/New_York"))
        var clock = GenZoneClock(calendar: calendar)
        let march8 = Day(ordinal: 20_520)   // 2026-03-08, clocks go forward
        let november1 = Day(ordinal: 20_758) // 2026-11-01, clocks go back
        XCTAssertEqual("\(march8)", "2026-03-08")
        XCTAssertEqual("\(november1)", "2026-11-01")
        var days: [Day] = []
        for k in 0..<300 { days.append(march8.adding(days: (k * 37) % 300 - 20)) }
        days += [march8, march8.adding(days: 64), march8, november1, november1.adding(days: -64), november1]
        for (i, day) in days.enumerated() {
            for second: Int64 in [0, 3 * 3600 + 17, 12 * 3600 + Int64(i % 60), 86_399] {
                let nanos = clock.nanos(day, second: second)
                let date = Date(timeIntervalSince1970: TimeInterval(nanos / 1_000_000_000))
                let local = nanos / 1_000_000_000 + Int64(zone.secondsFromGMT(for: date))
                // 01:00–03:00 of a change day may be skipped or repeated: there the local
                // reading is one of the two the zone allows, which the day-offset path never takes.
                if (day == march8 || day == november1) && second >= 3600 && second < 3 * 3600 + 3600 { continue }
                XCTAssertEqual(local, Int64(day.ordinal) * 86_400 + second, "\(day) second \(second)")
            }
        }
    }
}
