// FuzzRegressionTests.swift: every crasher the fuzz targets found in MallCore code, replayed
// through the property that failed (the inputs are kept in Fuzz/crashers/<target>/;
// docs/reliability.md, "Fuzzing").

import Foundation
import MallCore
import XCTest

final class FuzzRegressionTests: XCTestCase {
    /// The saved crashers of a fuzz target, by file name (Fuzz/crashers/<target>/).
    private func crashers(_ target: String) throws -> [(name: String, bytes: [UInt8])] {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fuzz/crashers/\(target)")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix("crash-") }.sorted()
        return try names.map { ($0, Array(try Data(contentsOf: folder.appendingPathComponent($0)))) }
    }

    /// Every saved timestamp and money crasher, through the property its target checks: a
    /// parsed instant written at any offset (those of the business calendars included) reads
    /// back; a parsed amount's text reads back.
    func testSavedTimestampAndMoneyCrashersKeepTheirProperties() throws {
        let calendars = ["Asia/Shanghai", "America/New_York", "Asia/Kolkata", "Europe/London"].compactMap { BusinessCalendar(timezone: $0) }
        for (name, bytes) in try crashers("timestamp") {
            guard case .success(let instant) = Instant.parse(String(decoding: bytes, as: UTF8.self)) else { continue }
            let offsets = [0, 8 * 3600, -5 * 3600, 5 * 3600 + 1800, 18 * 3600, -18 * 3600] + calendars.map { $0.offsetSeconds(at: instant) }
            for offset in offsets {
                let text = instant.formatted(offsetSeconds: offset)
                XCTAssertEqual(Instant.parse(text), .success(instant), "\(name): offset \(offset) s gives \(text)")
            }
        }
        for (name, bytes) in try crashers("money") {
            guard case .success(let money) = Money.parse(String(decoding: bytes, as: UTF8.self)) else { continue }
            XCTAssertEqual(Money.parse(money.description), .success(money), name)
        }
    }

    /// Fuzz/crashers/timestamp/crash-2465eecee7983cc3d95eb295e94116032c0069fd:
    /// `1900-01-01T00:00:00+08:00`. Asia/Shanghai then kept local mean time, +08:05:43; the
    /// instant written at that offset said `+08:05` with the clock shifted by 8:05:43, and read
    /// back 43 s off. Now the clock moves by the offset as written.
    func testTimestampWrittenAtAnOffsetWithSecondsReadsBack() throws {
        let instant = try Instant.parse("1900-01-01T00:00:00+08:00").get()
        let shanghai = try XCTUnwrap(BusinessCalendar(timezone: "Asia/Shanghai"))
        XCTAssertEqual(shanghai.offsetSeconds(at: instant), 8 * 3600 + 5 * 60 + 43)
        XCTAssertEqual(instant.formatted(offsetSeconds: shanghai.offsetSeconds(at: instant)), "1900-01-01T00:05:00+08:05")
        XCTAssertEqual(instant.formatted(offsetSeconds: -(3600 + 59)), "1899-12-31T15:00:00-01:00")
        // Every offset the parser can read back, with and without seconds, either sign.
        for offset in stride(from: -(18 * 3600 + 59 * 60 + 59), through: 18 * 3600 + 59 * 60 + 59, by: 7) {
            let text = instant.formatted(offsetSeconds: offset)
            XCTAssertEqual(Instant.parse(text), .success(instant), "offset \(offset) s: \(text)")
        }
    }
}
