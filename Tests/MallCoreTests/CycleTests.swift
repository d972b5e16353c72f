// Settlement cycles and periods (SPEC §2): monthly, semimonthly, weekly and daily.

import MallCore
import XCTest

final class CycleTests: XCTestCase {
    private func assertPeriod(_ cycle: Cycle, _ containing: String, _ start: String, _ end: String,
                              file: StaticString = #filePath, line: UInt = #line)
    {
        let period = cycle.period(containing: day(containing, file: file, line: line))
        XCTAssertEqual(period, Period(start: day(start, file: file, line: line), end: day(end, file: file, line: line)),
                       "\(cycle) containing \(containing): \(period.start)…\(period.end)", file: file, line: line)
        XCTAssertEqual(period.id, start, file: file, line: line)
        XCTAssertEqual(cycle.periodStart(containing: day(containing)), period.start, file: file, line: line)
        XCTAssertEqual(cycle.period(startingOn: period.start), period, file: file, line: line)
    }

    func testMonthlyFromTheFirst() {
        let cycle = Cycle.monthly(startDay: 1)
        assertPeriod(cycle, "2026-10-01", "2026-10-01", "2026-10-31")
        assertPeriod(cycle, "2026-10-15", "2026-10-01", "2026-10-31")
        assertPeriod(cycle, "2026-10-31", "2026-10-01", "2026-10-31")
        assertPeriod(cycle, "2026-02-14", "2026-02-01", "2026-02-28")
        assertPeriod(cycle, "2024-02-29", "2024-02-01", "2024-02-29")
        assertPeriod(cycle, "2026-12-31", "2026-12-01", "2026-12-31")
        XCTAssertEqual(cycle.nextPeriodStart(after: day("2026-12-01")), day("2027-01-01"))
    }

    func testMonthlyFromTheSixteenth() {
        let cycle = Cycle.monthly(startDay: 16)
        assertPeriod(cycle, "2026-10-15", "2026-09-16", "2026-10-15")
        assertPeriod(cycle, "2026-10-16", "2026-10-16", "2026-11-15")
        assertPeriod(cycle, "2026-10-31", "2026-10-16", "2026-11-15")
        assertPeriod(cycle, "2026-01-10", "2025-12-16", "2026-01-15")
        assertPeriod(cycle, "2026-12-31", "2026-12-16", "2027-01-15")
        assertPeriod(cycle, "2026-03-01", "2026-02-16", "2026-03-15")
        XCTAssertEqual(cycle.nextPeriodStart(after: day("2026-12-16")), day("2027-01-16"))
    }

    func testMonthlyFromTheTwentyEighth() {
        let cycle = Cycle.monthly(startDay: 28)
        assertPeriod(cycle, "2026-03-27", "2026-02-28", "2026-03-27")
        assertPeriod(cycle, "2026-02-28", "2026-02-28", "2026-03-27")
        assertPeriod(cycle, "2026-03-31", "2026-03-28", "2026-04-27")
        assertPeriod(cycle, "2024-02-29", "2024-02-28", "2024-03-27")
        assertPeriod(cycle, "2027-01-05", "2026-12-28", "2027-01-27")
    }

    func testMonthlyPeriodsOfTheThirtyFirst() {
        for startDay in [1, 5, 16, 28] {
            let cycle = Cycle.monthly(startDay: startDay)
            for text in ["2026-01-31", "2026-03-31", "2026-05-31", "2026-07-31", "2026-08-31", "2026-10-31", "2026-12-31"] {
                let period = cycle.period(containing: day(text))
                XCTAssertTrue(period.contains(day(text)), "\(startDay): \(text)")
                XCTAssertEqual(period.start.dayOfMonth, startDay, "\(startDay): \(text)")
                XCTAssertEqual(period.end.adding(days: 1).dayOfMonth, startDay, "\(startDay): \(text)")
            }
        }
    }

    func testSemimonthly() {
        let cycle = Cycle.semimonthly
        assertPeriod(cycle, "2026-02-01", "2026-02-01", "2026-02-15")
        assertPeriod(cycle, "2026-02-15", "2026-02-01", "2026-02-15")
        assertPeriod(cycle, "2026-02-16", "2026-02-16", "2026-02-28")
        assertPeriod(cycle, "2026-02-28", "2026-02-16", "2026-02-28")
        assertPeriod(cycle, "2024-02-16", "2024-02-16", "2024-02-29")
        assertPeriod(cycle, "2024-02-29", "2024-02-16", "2024-02-29")
        assertPeriod(cycle, "2026-01-31", "2026-01-16", "2026-01-31")
        assertPeriod(cycle, "2026-03-31", "2026-03-16", "2026-03-31")
        assertPeriod(cycle, "2026-04-30", "2026-04-16", "2026-04-30")
        assertPeriod(cycle, "2026-12-31", "2026-12-16", "2026-12-31")
        assertPeriod(cycle, "2026-12-01", "2026-12-01", "2026-12-15")
        XCTAssertEqual(cycle.nextPeriodStart(after: day("2026-12-16")), day("2027-01-01"))
        XCTAssertEqual(cycle.nextPeriodStart(after: day("2026-12-01")), day("2026-12-16"))
        XCTAssertEqual(cycle.nextPeriodStart(after: day("2024-02-16")), day("2024-03-01"))
    }

    func testWeeklyFromWednesday() {
        let cycle = Cycle.weekly(startWeekday: 3)
        // 2026-11-23 is a Monday; the week 2026-11-18 (Wed) … 2026-11-24 (Tue).
        assertPeriod(cycle, "2026-11-23", "2026-11-18", "2026-11-24")
        assertPeriod(cycle, "2026-11-24", "2026-11-18", "2026-11-24")
        for (offset, text) in ["2026-11-25", "2026-11-26", "2026-11-27", "2026-11-28", "2026-11-29", "2026-11-30",
                               "2026-12-01"].enumerated()
        {
            assertPeriod(cycle, text, "2026-11-25", "2026-12-01")
            XCTAssertEqual(day(text).isoWeekday, (2 + offset) % 7 + 1)
        }
        assertPeriod(cycle, "2026-12-31", "2026-12-30", "2027-01-05")
        XCTAssertEqual(cycle.nextPeriodStart(after: day("2026-12-30")), day("2027-01-06"))
    }

    func testWeeklyFromMonday() {
        let cycle = Cycle.weekly(startWeekday: 1)
        for text in ["2026-11-23", "2026-11-24", "2026-11-25", "2026-11-26", "2026-11-27", "2026-11-28", "2026-11-29"] {
            assertPeriod(cycle, text, "2026-11-23", "2026-11-29")
        }
        assertPeriod(cycle, "2026-11-30", "2026-11-30", "2026-12-06")
        assertPeriod(cycle, "2027-01-01", "2026-12-28", "2027-01-03")
        assertPeriod(cycle, "1970-01-01", "1969-12-29", "1970-01-04")
    }

    func testWeeklyFromEveryWeekdayOnEveryWeekday() {
        for startWeekday in 1...7 {
            let cycle = Cycle.weekly(startWeekday: startWeekday)
            for offset in -10...10 {
                let value = day("2026-11-23").adding(days: offset)
                let period = cycle.period(containing: value)
                XCTAssertEqual(period.start.isoWeekday, startWeekday)
                XCTAssertTrue(period.contains(value))
                XCTAssertEqual(period.end.ordinal - period.start.ordinal, 6)
            }
        }
    }

    func testDaily() {
        let cycle = Cycle.daily
        assertPeriod(cycle, "2026-11-03", "2026-11-03", "2026-11-03")
        assertPeriod(cycle, "2026-12-31", "2026-12-31", "2026-12-31")
        XCTAssertEqual(cycle.nextPeriodStart(after: day("2026-12-31")), day("2027-01-01"))
    }

    /// Consecutive periods tile the calendar: each starts the day after the previous one ends.
    func testPeriodsTileTheCalendar() {
        for cycle in [Cycle.monthly(startDay: 1), .monthly(startDay: 16), .monthly(startDay: 28), .semimonthly,
                      .weekly(startWeekday: 3), .weekly(startWeekday: 7), .daily]
        {
            var period = cycle.period(containing: day("2023-12-20"))
            var value = day("2023-12-20")
            while value <= day("2028-03-10") {
                if !period.contains(value) {
                    let next = cycle.period(startingOn: cycle.nextPeriodStart(after: period.start))
                    XCTAssertEqual(next.start, period.end.adding(days: 1), "\(cycle) after \(period.start)")
                    period = next
                }
                guard cycle.period(containing: value) == period, period.contains(value) else {
                    return XCTFail("\(cycle): \(value) is not in \(period.start)…\(period.end)")
                }
                value = value.adding(days: 1)
            }
        }
        XCTAssertLessThan(Period(start: day("2026-01-01"), end: day("2026-01-31")),
                          Period(start: day("2026-02-01"), end: day("2026-02-28")))
    }
}
