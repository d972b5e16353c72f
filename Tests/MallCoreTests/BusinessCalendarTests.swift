// BusinessCalendar (SPEC §2): business dates are local dates in the IANA business timezone.

import Foundation
import MallCore
import XCTest

final class BusinessCalendarTests: XCTestCase {
    private func calendar(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws -> BusinessCalendar {
        try XCTUnwrap(BusinessCalendar(timezone: name), "\(name) is not a known zone", file: file, line: line)
    }

    private func assertDate(_ calendar: BusinessCalendar, _ timestamp: String, _ expected: String,
                            offsetHours: Double? = nil, file: StaticString = #filePath, line: UInt = #line)
    {
        let at = instant(timestamp, file: file, line: line)
        XCTAssertEqual(calendar.businessDate(of: at), day(expected, file: file, line: line),
                       "\(timestamp) in \(calendar.timezoneName)", file: file, line: line)
        if let offsetHours {
            XCTAssertEqual(calendar.offsetSeconds(at: at), Int(offsetHours * 3600),
                           "offset at \(timestamp) in \(calendar.timezoneName)", file: file, line: line)
        }
    }

    func testShanghaiCutOffIsLocalMidnight() throws {
        let shanghai = try calendar("Asia/Shanghai")
        XCTAssertEqual(shanghai.timezoneName, "Asia/Shanghai")
        assertDate(shanghai, "2026-11-03T16:30:00Z", "2026-11-04", offsetHours: 8)
        assertDate(shanghai, "2026-11-03T15:59:59Z", "2026-11-03", offsetHours: 8)
        assertDate(shanghai, "2026-11-03T15:59:59.999999999Z", "2026-11-03")
        assertDate(shanghai, "2026-11-03T16:00:00Z", "2026-11-04")
        assertDate(shanghai, "2026-11-04T00:00:00+08:00", "2026-11-04")
        assertDate(shanghai, "2026-11-03T23:59:59+08:00", "2026-11-03")
        assertDate(shanghai, "2026-12-31T16:00:00Z", "2027-01-01")
        assertDate(shanghai, "1969-12-31T16:00:00Z", "1970-01-01")
        assertDate(shanghai, "1969-12-31T15:59:59Z", "1969-12-31")
        // Repeated look-ups (served from the cache) give the same answers.
        assertDate(shanghai, "2026-11-03T16:30:00Z", "2026-11-04", offsetHours: 8)
        assertDate(shanghai, "2026-11-03T16:59:59Z", "2026-11-04", offsetHours: 8)
    }

    func testNewYorkSpringForward() throws {
        let newYork = try calendar("America/New_York")
        // 2026-03-08 02:00 EST (07:00Z) jumps to 03:00 EDT.
        assertDate(newYork, "2026-03-08T04:59:59Z", "2026-03-07", offsetHours: -5)
        assertDate(newYork, "2026-03-08T05:00:00Z", "2026-03-08", offsetHours: -5)
        assertDate(newYork, "2026-03-08T06:59:59Z", "2026-03-08", offsetHours: -5)
        assertDate(newYork, "2026-03-08T07:00:00Z", "2026-03-08", offsetHours: -4)
        assertDate(newYork, "2026-03-08T06:30:00Z", "2026-03-08", offsetHours: -5)
        assertDate(newYork, "2026-03-08T07:30:00Z", "2026-03-08", offsetHours: -4)
        // The first local midnight after the change is at 04:00Z, not 05:00Z.
        assertDate(newYork, "2026-03-09T03:59:59Z", "2026-03-08", offsetHours: -4)
        assertDate(newYork, "2026-03-09T04:00:00Z", "2026-03-09", offsetHours: -4)
        assertDate(newYork, "2026-03-09T04:30:00Z", "2026-03-09", offsetHours: -4)
        assertDate(newYork, "2026-03-08T23:59:59-04:00", "2026-03-08")
        assertDate(newYork, "2026-03-09T00:00:00-04:00", "2026-03-09")
    }

    func testNewYorkFallBack() throws {
        let newYork = try calendar("America/New_York")
        // 2026-11-01 02:00 EDT (06:00Z) falls back to 01:00 EST.
        assertDate(newYork, "2026-11-01T03:59:59Z", "2026-10-31", offsetHours: -4)
        assertDate(newYork, "2026-11-01T04:00:00Z", "2026-11-01", offsetHours: -4)
        assertDate(newYork, "2026-11-01T05:59:59Z", "2026-11-01", offsetHours: -4)
        assertDate(newYork, "2026-11-01T06:00:00Z", "2026-11-01", offsetHours: -5)
        assertDate(newYork, "2026-11-01T05:30:00Z", "2026-11-01", offsetHours: -4)
        assertDate(newYork, "2026-11-01T06:30:00Z", "2026-11-01", offsetHours: -5)
        assertDate(newYork, "2026-11-02T04:59:59Z", "2026-11-01", offsetHours: -5)
        assertDate(newYork, "2026-11-02T05:00:00Z", "2026-11-02", offsetHours: -5)
        assertDate(newYork, "2026-11-02T04:00:00Z", "2026-11-01", offsetHours: -5)
    }

    /// Sweeps the hours around transitions in both directions of look-up order, so that
    /// whichever instant fills the cache first, every later answer is right.
    func testTransitionSweepsMatchFoundation() throws {
        let cases: [(zone: String, around: String)] = [
            ("America/New_York", "2026-03-08T07:00:00Z"), ("America/New_York", "2026-11-01T06:00:00Z"),
            ("Europe/London", "2026-03-29T01:00:00Z"), ("Europe/London", "2026-10-25T01:00:00Z"),
            ("Australia/Lord_Howe", "2026-04-04T15:00:00Z"), ("Australia/Lord_Howe", "2026-10-03T15:30:00Z"),
            ("Australia/Adelaide", "2026-04-04T16:30:00Z"), ("America/St_Johns", "2026-03-08T05:30:00Z"),
            ("America/Sao_Paulo", "2018-11-04T03:00:00Z"), ("Pacific/Apia", "2011-12-30T10:00:00Z"),
            ("Asia/Shanghai", "1991-04-14T17:00:00Z"),
        ]
        let stepSeconds: Int64 = 7 * 60 + 1 // odd step: lands on every minute-of-hour over the sweep
        for (zone, around) in cases {
            for reversed in [false, true] {
                let business = try calendar(zone)
                let center = instant(around).nanos / 1_000_000_000
                var seconds = Array(stride(from: center - 30 * 3600, through: center + 30 * 3600, by: Int(stepSeconds)))
                seconds += [center - 1, center, center + 1, center - 3600, center + 3599, center - 1800, center + 1800]
                if reversed { seconds.reverse() }
                for second in seconds {
                    assertMatchesFoundation(business, second: second)
                }
            }
        }
    }

    /// Random instants over a century in zones with odd offsets and past rule changes.
    func testRandomInstantsMatchFoundation() throws {
        var generator = SeededGenerator(seed: 0x5A6F_6E65)
        for zone in ["Asia/Shanghai", "America/New_York", "Europe/London", "Asia/Kolkata", "Asia/Kathmandu",
                     "Australia/Lord_Howe", "Pacific/Chatham", "America/St_Johns", "Europe/Moscow"]
        {
            let business = try calendar(zone)
            for _ in 0..<400 {
                let second = Int64.random(in: -631_152_000...2_524_608_000, using: &generator) // 1950…2050
                assertMatchesFoundation(business, second: second)
                // A neighbour in the same UTC hour, after the cache has been filled.
                assertMatchesFoundation(business, second: second + Int64.random(in: -3600...3600, using: &generator))
            }
        }
    }

    /// One calendar is shared by concurrent stages: the cache must stay consistent under load.
    func testConcurrentLookUpsAgree() throws {
        let newYork = try calendar("America/New_York")
        let start = instant("2026-03-07T00:00:00Z").nanos / 1_000_000_000
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            for step in 0..<500 {
                let second = start + Int64((step * 8 + worker) * 337)
                let at = Instant(nanos: second * 1_000_000_000)
                let expected = second < 1_772_953_200 ? -18_000 : -14_400 // 2026-03-08T07:00:00Z
                if newYork.offsetSeconds(at: at) != expected { XCTFail("offset at \(at)") }
            }
        }
    }

    func testUnknownZoneIsNil() {
        XCTAssertNil(BusinessCalendar(timezone: "Mars/Olympus_Mons"))
        XCTAssertNil(BusinessCalendar(timezone: "Asia/Shanghia"))
        XCTAssertNil(BusinessCalendar(timezone: ""))
        XCTAssertNil(BusinessCalendar(timezone: "asia/shanghai"))
        XCTAssertNil(BusinessCalendar(timezone: "Asia/Shanghai "))
        // Foundation resolves these, but they are not IANA names: CST would be US Central time.
        for name in ["CST", "IST", "CTT", "JST", "GMT+8", "GMT+0800", "UTC+08:00", "+08:00", "SystemV/AST4"] {
            XCTAssertNil(BusinessCalendar(timezone: name), name)
        }
        for name in ["UTC", "Etc/UTC", "GMT", "PRC", "EST", "Etc/GMT-8", "Asia/Calcutta", "Asia/Kolkata", "US/Eastern",
                     "America/Argentina/Buenos_Aires", "Asia/Hong_Kong", "Asia/Taipei"]
        {
            XCTAssertEqual(BusinessCalendar(timezone: name)?.timezoneName, name)
        }
        XCTAssertEqual(BusinessCalendar(timezone: "PRC")?.businessDate(of: instant("2026-11-03T16:00:00Z")), day("2026-11-04"))
    }

    private func assertMatchesFoundation(_ business: BusinessCalendar, second: Int64,
                                         file: StaticString = #filePath, line: UInt = #line)
    {
        guard let zone = TimeZone(identifier: business.timezoneName) else { return XCTFail("no zone", file: file, line: line) }
        var gregorian = Calendar(identifier: .gregorian)
        gregorian.timeZone = zone
        let date = Date(timeIntervalSince1970: TimeInterval(second))
        let parts = gregorian.dateComponents([.year, .month, .day], from: date)
        let expected = Day(year: parts.year!, month: parts.month!, day: parts.day!)
        let at = Instant(nanos: second * 1_000_000_000 + 999_999_999)
        XCTAssertEqual(business.offsetSeconds(at: at), zone.secondsFromGMT(for: date),
                       "offset at \(at) in \(business.timezoneName)", file: file, line: line)
        XCTAssertEqual(business.businessDate(of: at), expected, "\(at) in \(business.timezoneName)", file: file, line: line)
    }
}
