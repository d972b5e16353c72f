// Instant (SPEC §2): ISO 8601 timestamps that must carry an offset or Z.

import MallCore
import XCTest

final class InstantTests: XCTestCase {
    private let base: Int64 = 1_793_685_900 * 1_000_000_000 // 2026-11-03T06:05:00Z

    private func assertMalformed(_ text: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(Instant.parse(text), .failure(.malformed(text)), "'\(text)'", file: file, line: line)
    }

    func testOffsetsNameTheSameInstant() {
        XCTAssertEqual(Instant.parse("2026-11-03T06:05:00Z"), .success(Instant(nanos: base)))
        XCTAssertEqual(instant("2026-11-03T14:05:00+08:00"), instant("2026-11-03T06:05:00Z"))
        XCTAssertEqual(instant("2026-11-03T14:05:00+0800"), instant("2026-11-03T06:05:00Z"))
        XCTAssertEqual(instant("2026-11-03T14:05:00+08"), instant("2026-11-03T06:05:00Z"))
        XCTAssertEqual(instant("2026-11-02T23:05:00-07:00"), instant("2026-11-03T06:05:00Z"))
        XCTAssertEqual(instant("2026-11-03T11:35:00+05:30"), instant("2026-11-03T06:05:00Z"))
        XCTAssertEqual(instant("2026-11-03T02:35:00-0330"), instant("2026-11-03T06:05:00Z"))
        XCTAssertEqual(instant("2026-11-03T06:05:00+00:00"), instant("2026-11-03T06:05:00Z"))
        XCTAssertEqual(instant("2026-11-03T06:05:00-00:00"), instant("2026-11-03T06:05:00Z"))
        XCTAssertEqual(instant("2026-11-03T06:05Z"), instant("2026-11-03T06:05:00Z"))
        XCTAssertEqual(instant("2026-11-04T00:05:00+18:00"), instant("2026-11-03T06:05:00Z"))
        // Crossing a date and a year by the offset.
        XCTAssertEqual(instant("2027-01-01T07:59:59+08:00"), instant("2026-12-31T23:59:59Z"))
        XCTAssertEqual(instant("1970-01-01T08:00:00+08:00").nanos, 0)
        XCTAssertEqual(instant("1969-12-31T23:59:59Z").nanos, -1_000_000_000)
    }

    func testFractions() {
        XCTAssertEqual(instant("2026-11-03T06:05:00.250Z").nanos, base + 250_000_000)
        XCTAssertEqual(instant("2026-11-03T06:05:00.25Z").nanos, base + 250_000_000)
        XCTAssertEqual(instant("2026-11-03T06:05:00.2Z").nanos, base + 200_000_000)
        XCTAssertEqual(instant("2026-11-03T06:05:00.000000001Z").nanos, base + 1)
        XCTAssertEqual(instant("2026-11-03T06:05:00.999999999Z").nanos, base + 999_999_999)
        XCTAssertEqual(instant("2026-11-03T14:05:00.5+08:00").nanos, base + 500_000_000)
        XCTAssertEqual(instant("1969-12-31T23:59:59.5Z").nanos, -500_000_000)
        assertMalformed("2026-11-03T06:05:00.Z")
        assertMalformed("2026-11-03T06:05:00.1234567890Z")
        assertMalformed("2026-11-03T06:05.5Z")
        assertMalformed("2026-11-03T06:05:00,5Z")
    }

    func testMissingOffset() {
        for text in ["2026-11-03T14:05:00", "2026-11-03T14:05:00.250", "2026-11-03T14:05"] {
            XCTAssertEqual(Instant.parse(text), .failure(.missingOffset(text)), "'\(text)'")
        }
        XCTAssertEqual(Instant.ParseError.missingOffset("2026-11-03T14:05:00").message,
                       "'2026-11-03T14:05:00' has no offset: add Z or +08:00")
        XCTAssertThrowsError(try Instant.parse("2026-11-03").get())
        XCTAssertThrowsError(try Instant.parse("").get())
    }

    func testRejectsBadFields() {
        for text in ["2026-13-03T14:05:00Z", "2026-00-03T14:05:00Z", "2026-11-31T14:05:00Z", "2026-11-00T14:05:00Z",
                     "2026-02-30T14:05:00Z", "2026-02-29T14:05:00Z", "2026-11-03T24:00:00Z", "2026-11-03T25:00:00Z",
                     "2026-11-03T14:60:00Z", "2026-11-03T14:05:60Z", "2026-11-03T14:05:61Z", "2026-1-03T14:05:00Z",
                     "2026-11-03T4:05:00Z", "2026-11-03T14:5:00Z", "2026-11-03T14:05:0Z"]
        {
            assertMalformed(text)
        }
        XCTAssertEqual(instant("2024-02-29T23:59:59Z").nanos, Int64(day("2024-02-29").ordinal + 1) * 86_400 * 1_000_000_000 - 1_000_000_000)
    }

    func testRejectsBadShapes() {
        for text in ["2026-11-03t14:05:00Z", "2026-11-03T14:05:00z", "2026-11-03 14:05:00Z", "2026-11-03T14:05:00 Z",
                     "2026-11-03T14:05:00Z ", " 2026-11-03T14:05:00Z", "2026-11-03T14:05:00Zjunk",
                     "2026-11-03T14:05:00+08:00 ", "2026-11-03T14:05:00+08:00x", "2026-11-03T14:05:00+08:00:00",
                     "2026-11-03T14:05:00+8:00", "2026-11-03T14:05:00+08:0", "2026-11-03T14:05:00+080",
                     "2026-11-03T14:05:00+08:60", "2026-11-03T14:05:00+19:00", "2026-11-03T14:05:00+", "2026-11-03T14:05:00++08:00",
                     "2026-11-03T14:05:00UTC", "2026-11-03T14:05:00GMT+8", "2026/11/03T14:05:00Z", "2026-11-03X14:05:00Z",
                     "2026-11-03T14-05-00Z", "20261103T140500Z", "2026-11-03T14:05:00Z\n"]
        {
            assertMalformed(text)
        }
    }

    func testDescriptionIsUtcWithOptionalFraction() {
        XCTAssertEqual(instant("2026-11-03T14:05:00+08:00").description, "2026-11-03T06:05:00Z")
        XCTAssertEqual(instant("2026-11-03T06:05:00.250Z").description, "2026-11-03T06:05:00.25Z")
        XCTAssertEqual(instant("2026-11-03T06:05:00.000000001Z").description, "2026-11-03T06:05:00.000000001Z")
        XCTAssertEqual(Instant(nanos: 0).description, "1970-01-01T00:00:00Z")
        XCTAssertEqual(Instant(nanos: -1).description, "1969-12-31T23:59:59.999999999Z")
        XCTAssertEqual(Instant(nanos: -500_000_000).description, "1969-12-31T23:59:59.5Z")
        XCTAssertEqual(Instant(nanos: -86_400_000_000_000).description, "1969-12-31T00:00:00Z")
        XCTAssertEqual(instant("2026-12-31T23:59:59.999Z").description, "2026-12-31T23:59:59.999Z")
        XCTAssertEqual(Instant(nanos: -1).epochSeconds, -1)
        XCTAssertEqual(Instant(nanos: -1_000_000_000).epochSeconds, -1)
        XCTAssertEqual(Instant(nanos: -1_000_000_001).epochSeconds, -2)
        XCTAssertEqual(Instant(nanos: 1_999_999_999).epochSeconds, 1)
        var generator = SeededGenerator(seed: 0x496E_7374)
        for _ in 0..<2_000 {
            let value = Instant(nanos: Int64.random(in: -4_000_000_000_000_000_000...4_000_000_000_000_000_000, using: &generator))
            XCTAssertEqual(Instant.parse(value.description), .success(value), "\(value)")
        }
    }

    func testOrderAndOverflow() {
        XCTAssertLessThan(instant("2026-11-03T14:05:00+08:00"), instant("2026-11-03T06:05:00.000000001Z"))
        // Far years that do not fit in Int64 nanoseconds are refused, not trapped.
        assertMalformed("9999-12-31T23:59:59Z")
        assertMalformed("0001-01-01T00:00:00Z")
        XCTAssertEqual(instant("2262-04-11T23:47:16.854775807Z").nanos, .max)
        XCTAssertEqual(instant("1677-09-21T00:12:43.145224192Z").nanos, .min)
        XCTAssertEqual(instant("1677-09-21T08:12:43.145224192+08:00").nanos, .min)
        assertMalformed("2262-04-11T23:47:16.854775808Z")
        assertMalformed("1677-09-21T00:12:43.145224191Z")
        assertMalformed("1677-09-21T00:12:43Z")
        // The whole representable range formats and reads back without trapping.
        XCTAssertEqual(Instant(nanos: .max).description, "2262-04-11T23:47:16.854775807Z")
        XCTAssertEqual(Instant(nanos: .min).description, "1677-09-21T00:12:43.145224192Z")
        XCTAssertEqual(Instant(nanos: .min).epochSeconds, -9_223_372_037)
        XCTAssertEqual(Instant(nanos: .min + 999_999_999).epochSeconds, -9_223_372_036)
        XCTAssertEqual(Instant(nanos: .max).epochSeconds, 9_223_372_036)
        for nanos in [Int64.min, .min + 1, .min + 999_999_999, .max - 1, .max] {
            XCTAssertEqual(Instant.parse(Instant(nanos: nanos).description), .success(Instant(nanos: nanos)))
        }
    }

    func testLocalFormsCarryTheirOffsetAndReadBack() throws {
        let instant = try Instant.parse("2026-11-03T06:05:00Z").get()
        XCTAssertEqual(instant.formatted(offsetSeconds: 8 * 3600), "2026-11-03T14:05:00+08:00")
        XCTAssertEqual(instant.formatted(offsetSeconds: -(5 * 3600 + 30 * 60)), "2026-11-03T00:35:00-05:30")
        XCTAssertEqual(instant.formatted(offsetSeconds: -(7 * 3600)), "2026-11-02T23:05:00-07:00")
        XCTAssertEqual(instant.formatted(offsetSeconds: 0), "2026-11-03T06:05:00Z")
        let fraction = try Instant.parse("2026-12-31T23:59:59.120+08:00").get()
        XCTAssertEqual(fraction.formatted(offsetSeconds: 8 * 3600), "2026-12-31T23:59:59.12+08:00")
        XCTAssertEqual(fraction.formatted(offsetSeconds: 9 * 3600), "2027-01-01T00:59:59.12+09:00")
        let early = try Instant.parse("1970-01-01T00:00:00.000000001Z").get()
        XCTAssertEqual(early.formatted(offsetSeconds: 0), "1970-01-01T00:00:00.000000001Z")
        for text in ["2026-11-03T14:05:00+08:00", "1969-12-31T23:59:59-01:00", "2024-02-29T00:00:00.5+14:00"] {
            let parsed = try Instant.parse(text).get()
            let offset = Int(text.hasSuffix("+08:00") ? 28_800 : text.hasSuffix("-01:00") ? -3_600 : 50_400)
            XCTAssertEqual(parsed.formatted(offsetSeconds: offset), text)
            XCTAssertEqual(try Instant.parse(parsed.formatted(offsetSeconds: offset)).get(), parsed)
        }
    }
}
