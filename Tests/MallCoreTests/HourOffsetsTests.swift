// HourOffsets: the per-thread offset table and byte-wise timestamps give exactly what
// BusinessCalendar and Instant.formatted give, in zones with and without daylight saving.

import Foundation
import MallCore
import XCTest

final class HourOffsetsTests: XCTestCase {
    private let second: Int64 = 1_000_000_000

    /// Instants every 17 minutes and 13.5 s across two years, both DST changes of each year
    /// included, plus the edges of the hours around a change.
    private func instants() -> [Instant] {
        let start: Int64 = 1_767_225_600 * second // 2026-01-01T00:00:00Z
        var result: [Instant] = []
        var at = start
        while at < start + 2 * 366 * 86_400 * second {
            result.append(Instant(nanos: at))
            at += 17 * 60 * second + 13 * second + 500_000_000
        }
        // 2026-03-08T07:00:00Z and 2026-11-01T06:00:00Z are New York's changes.
        for change in [Int64(1_772_953_200), 1_793_512_800] {
            for delta in [-3601, -3600, -1, 0, 1, 1799, 3599, 3600] {
                result.append(Instant(nanos: (change + Int64(delta)) * second))
            }
        }
        return result
    }

    func testOffsetsAndDatesMatchTheCalendar() throws {
        for zone in ["Asia/Shanghai", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "UTC"] {
            let calendar = try XCTUnwrap(BusinessCalendar(timezone: zone))
            var offsets = HourOffsets(calendar: calendar)
            let foundationZone = try XCTUnwrap(TimeZone(identifier: zone))
            for instant in instants() {
                XCTAssertEqual(offsets.offsetSeconds(at: instant), calendar.offsetSeconds(at: instant), "\(zone) \(instant)")
                // The calendar reads the same kind of table: hold both against the zone itself.
                let date = Date(timeIntervalSince1970: TimeInterval(instant.epochSeconds))
                XCTAssertEqual(offsets.offsetSeconds(at: instant), foundationZone.secondsFromGMT(for: date), "\(zone) \(instant)")
                XCTAssertEqual(offsets.businessDate(of: instant), calendar.businessDate(of: instant), "\(zone) \(instant)")
            }
        }
    }

    /// The dates kept for days written lately are found again whatever order the days come
    /// in: 200 days in a scattered order, then days 64 apart (which share a slot) in turn.
    func testTimestampsJumpingBetweenDaysTakeTheirOwnDate() throws {
        let calendar = try XCTUnwrap(BusinessCalendar(timezone: "Asia/Shanghai"))
        var offsets = HourOffsets(calendar: calendar)
        let start: Int64 = 1_790_000_000 * second
        var days = (0..<200).map { Int64($0 * 37 % 200) }
        days += [0, 64, 0, 128, 64, 192, 1, 65, 1]
        var bytes: [UInt8] = []
        for (i, day) in days.enumerated() {
            let instant = Instant(nanos: start + day * 86_400 * second + Int64(i) * 37 * second)
            bytes.removeAll()
            offsets.append(instant, to: &bytes)
            XCTAssertEqual(String(decoding: bytes, as: UTF8.self), instant.formatted(offsetSeconds: 28_800), "day \(day)")
        }
    }

    func testAppendedTimestampsAreTheFormattedOnes() throws {
        let calendar = try XCTUnwrap(BusinessCalendar(timezone: "America/New_York"))
        var offsets = HourOffsets(calendar: calendar)
        var bytes: [UInt8] = []
        for instant in instants() {
            bytes.removeAll()
            offsets.append(instant, to: &bytes)
            XCTAssertEqual(String(decoding: bytes, as: UTF8.self),
                           instant.formatted(offsetSeconds: calendar.offsetSeconds(at: instant)))
        }
        // Fractions, odd offsets, far years and the overflow edges take the same text.
        let odd: [Instant] = [Instant(nanos: 1), Instant(nanos: -1), Instant(nanos: 123_450_000),
                              Instant(nanos: Int64.max), Instant(nanos: Int64.min),
                              Instant(nanos: -9_000_000_000 * second), Instant(nanos: 9_000_000_000 * second)]
        for instant in odd {
            for offset in [0, 28_800, -12_600, 20_700, 29_143, -29_143, 360_000, -360_000] {
                bytes.removeAll()
                instant.appendFormatted(offsetSeconds: offset, to: &bytes)
                XCTAssertEqual(String(decoding: bytes, as: UTF8.self), instant.formatted(offsetSeconds: offset),
                               "\(instant.nanos) \(offset)")
            }
        }
    }
}
