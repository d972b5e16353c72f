// Day (SPEC §2): civil dates, strict parsing, ISO weekdays and month arithmetic.

import MallCore
import XCTest

final class DayTests: XCTestCase {
    func testParsesStrictly() {
        XCTAssertEqual(Day(parsing: "2026-11-03")?.ordinal, 20_760)
        XCTAssertEqual(Day(parsing: "2024-02-29")?.ordinal, 19_782)
        XCTAssertEqual(Day(parsing: "1970-01-01")?.ordinal, 0)
        XCTAssertEqual(Day(parsing: "2000-01-01")?.ordinal, 10_957)
        for text in ["2026-02-29", "2100-02-29", "2026-1-01", "2026-01-1", "26-01-01", "2026/01/01", "2026-00-10",
                     "2026-13-01", "2026-04-31", "2026-01-00", "2026-01-32", "20260101", "2026-01-01 ", " 2026-01-01",
                     "2026-01-01T00:00", "+026-01-01", "-026-01-01", "２０２６-01-01", "", "2026-0a-01"]
        {
            XCTAssertNil(Day(parsing: text), "'\(text)'")
        }
        XCTAssertNotNil(Day(parsing: "2000-02-29"))
        XCTAssertNotNil(Day(parsing: "2026-12-31"))
    }

    func testCivilInitialiserRejectsImpossibleDates() {
        XCTAssertNil(Day(year: 2026, month: 2, day: 29))
        XCTAssertNil(Day(year: 2026, month: 0, day: 1))
        XCTAssertNil(Day(year: 2026, month: 13, day: 1))
        XCTAssertNil(Day(year: 2026, month: 6, day: 31))
        XCTAssertNil(Day(year: 2026, month: 6, day: 0))
        XCTAssertEqual(Day(year: 2024, month: 2, day: 29), day("2024-02-29"))
        XCTAssertEqual(Day.daysIn(year: 1900, month: 2), 28)
        XCTAssertEqual(Day.daysIn(year: 2000, month: 2), 29)
        XCTAssertEqual(Day.daysIn(year: 2026, month: 11), 30)
        XCTAssertEqual(Day.daysIn(year: 2026, month: 12), 31)
    }

    func testDescriptionAndCompact() {
        XCTAssertEqual(day("2026-11-03").description, "2026-11-03")
        XCTAssertEqual(day("2026-11-03").compact, "20261103")
        XCTAssertEqual(Day(ordinal: 0).description, "1970-01-01")
        XCTAssertEqual(Day(ordinal: -1).description, "1969-12-31")
        XCTAssertEqual(Day(ordinal: -365).description, "1969-01-01")
        XCTAssertEqual(Day(ordinal: -25_508).description, "1900-03-01")
        XCTAssertEqual(Day(ordinal: -135_140).compact, "16000101")
        XCTAssertEqual(day("0999-01-05").description, "0999-01-05")
        let sample = day("2026-02-07")
        XCTAssertEqual(sample.year, 2026)
        XCTAssertEqual(sample.month, 2)
        XCTAssertEqual(sample.dayOfMonth, 7)
        XCTAssertEqual(sample.firstOfMonth, day("2026-02-01"))
    }

    /// The digit-by-digit texts against the padded parts they replaced, and back: every date of
    /// one 400-year cycle of the calendar at each end of years 0–9999 (and a little past
    /// them), every 37th date between.
    func testTextsOfEveryDateMatchTheirPaddedPartsAndParseBack() {
        func padded(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
        }
        let first = Day(year: 0, month: 1, day: 1)!.ordinal, last = Day(year: 9999, month: 12, day: 31)!.ordinal
        let cycle = 146_097
        let ordinals = Array(first - 800...first + cycle) + Array(stride(from: first + cycle, to: last - cycle, by: 37))
            + Array(last - cycle...last + 800)
        for ordinal in ordinals {
            let date = Day(ordinal: ordinal)
            let (y, m, d) = date.components
            let text = padded(y, 4) + "-" + padded(m, 2) + "-" + padded(d, 2)
            guard date.description == text, date.compact == padded(y, 4) + padded(m, 2) + padded(d, 2) else {
                return XCTFail("\(ordinal): \(date.description) / \(date.compact), expected \(text)")
            }
            if (0...9999).contains(y) {
                guard Day(parsing: text) == date else { return XCTFail("\(text) does not parse back") }
            }
        }
        XCTAssertEqual(Day(ordinal: last + 1).description, "10000-01-01")
        XCTAssertEqual(Day(ordinal: first - 1).description, "00-1-12-31")
        // A text that is not native UTF-8 in memory parses the same.
        let bridged = String(decoding: Array("2026-11-03".utf16), as: UTF16.self)
        XCTAssertEqual(Day(parsing: bridged), day("2026-11-03"))
    }

    func testIsoWeekdayOfKnownDates() {
        XCTAssertEqual(day("2026-11-23").isoWeekday, 1) // Monday
        for offset in 0..<7 { XCTAssertEqual(day("2026-11-23").adding(days: offset).isoWeekday, offset + 1) }
        XCTAssertEqual(day("2026-11-29").isoWeekday, 7) // Sunday
        XCTAssertEqual(day("1970-01-01").isoWeekday, 4) // Thursday
        XCTAssertEqual(day("1969-12-31").isoWeekday, 3) // Wednesday
        XCTAssertEqual(day("1969-01-01").isoWeekday, 3)
        XCTAssertEqual(day("2000-01-01").isoWeekday, 6) // Saturday
        XCTAssertEqual(day("1600-01-01").isoWeekday, 6)
        XCTAssertEqual(day("2024-02-29").isoWeekday, 4)
        var weekday = day("1500-01-01").isoWeekday
        for ordinal in day("1500-01-01").ordinal...day("2500-01-01").ordinal {
            guard Day(ordinal: ordinal).isoWeekday == weekday else {
                return XCTFail("\(Day(ordinal: ordinal)) is not weekday \(weekday)")
            }
            weekday = weekday == 7 ? 1 : weekday + 1
        }
    }

    func testAddingDaysAcrossYearEnds() {
        XCTAssertEqual(day("2026-12-31").adding(days: 1), day("2027-01-01"))
        XCTAssertEqual(day("2027-01-01").adding(days: -1), day("2026-12-31"))
        XCTAssertEqual(day("2024-02-28").adding(days: 1), day("2024-02-29"))
        XCTAssertEqual(day("2026-02-28").adding(days: 1), day("2026-03-01"))
        XCTAssertEqual(day("1970-01-01").adding(days: -1), day("1969-12-31"))
        XCTAssertEqual(day("2026-11-03").adding(days: 365), day("2027-11-03"))
    }

    func testAddingMonthsClampsToTheMonthLength() {
        XCTAssertEqual(day("2026-01-31").adding(months: 1), day("2026-02-28"))
        XCTAssertEqual(day("2024-01-31").adding(months: 1), day("2024-02-29"))
        XCTAssertEqual(day("2026-03-31").adding(months: 1), day("2026-04-30"))
        XCTAssertEqual(day("2026-03-31").adding(months: -1), day("2026-02-28"))
        XCTAssertEqual(day("2026-05-31").adding(months: -3), day("2026-02-28"))
        XCTAssertEqual(day("2026-12-31").adding(months: 1), day("2027-01-31"))
        XCTAssertEqual(day("2026-12-15").adding(months: 1), day("2027-01-15"))
        XCTAssertEqual(day("2027-01-15").adding(months: -1), day("2026-12-15"))
        XCTAssertEqual(day("2026-01-15").adding(months: -13), day("2024-12-15"))
        XCTAssertEqual(day("2024-02-29").adding(months: 12), day("2025-02-28"))
        XCTAssertEqual(day("2024-02-29").adding(months: 48), day("2028-02-29"))
        XCTAssertEqual(day("2026-08-31").adding(months: 0), day("2026-08-31"))
        XCTAssertEqual(day("1970-01-31").adding(months: -1), day("1969-12-31"))
        XCTAssertEqual(day("1969-12-31").adding(months: 2), day("1970-02-28"))
        XCTAssertEqual(day("0001-01-15").adding(months: -1), Day(year: 0, month: 12, day: 15))
        XCTAssertEqual(day("0001-01-15").adding(months: -25), Day(year: -2, month: 12, day: 15))
    }

    /// Walks every day from 1200 to 2800 and checks civil ↔ ordinal against simple counting.
    func testOrdinalCivilRoundTripOverAWideRange() {
        var (year, month, dayOfMonth) = (1200, 1, 1)
        let first = Day(year: 1200, month: 1, day: 1)!
        XCTAssertEqual(first.ordinal, -281_237)
        for ordinal in first.ordinal...Day(year: 2800, month: 12, day: 31)!.ordinal {
            let value = Day(ordinal: ordinal)
            let components = value.components
            guard components == (year, month, dayOfMonth) else {
                return XCTFail("ordinal \(ordinal) is \(components), expected \((year, month, dayOfMonth))")
            }
            guard Day(year: year, month: month, day: dayOfMonth)?.ordinal == ordinal else {
                return XCTFail("\(year)-\(month)-\(dayOfMonth) is not ordinal \(ordinal)")
            }
            dayOfMonth += 1
            if dayOfMonth > Day.daysIn(year: year, month: month) {
                dayOfMonth = 1
                month += 1
                if month > 12 { month = 1; year += 1 }
            }
        }
        var generator = SeededGenerator(seed: 0x4461_79)
        for _ in 0..<2_000 {
            let ordinal = Int.random(in: -100_000_000...100_000_000, using: &generator)
            let (y, m, d) = Day(ordinal: ordinal).components
            XCTAssertEqual(Day(year: y, month: m, day: d)?.ordinal, ordinal)
        }
    }
}
