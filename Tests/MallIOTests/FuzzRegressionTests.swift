// FuzzRegressionTests.swift: every crasher the fuzz targets found in MallIO code (readers,
// gzip, journal and catalog codecs), fed through the same code path as the target and
// checked for the proper outcome: a clear error or the right value, never a crash. The inputs
// are kept in Fuzz/crashers/<target>/; docs/reliability.md, "Fuzzing".

import Foundation
import XCTest
import MallCore
@testable import MallIO

final class FuzzRegressionTests: ReadersTestCase {
    let shanghai = BusinessCalendar(timezone: "Asia/Shanghai")!

    /// The saved crashers of a fuzz target, by file name (Fuzz/crashers/<target>/).
    private func crashers(_ target: String) throws -> [(name: String, bytes: [UInt8])] {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fuzz/crashers/\(target)")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix("crash-") }.sorted()
        return try names.map { ($0, Array(try Data(contentsOf: folder.appendingPathComponent($0)))) }
    }

    /// What the journal target checks: events written back read back equal; errors name a
    /// field and say why.
    private func assertJournalProperties(_ results: [Result<JournalEvent, JSONFieldError>], _ name: String,
                                         file: StaticString = #filePath, line: UInt = #line) {
        for result in results {
            switch result {
            case .success(let event):
                let text = JournalCodec.encode(event, calendar: shanghai)
                XCTAssertEqual(JournalCodec.decode(Array(text.utf8), lineNumber: event.line), .success(event), "\(name): \(text)",
                               file: file, line: line)
            case .failure(let error):
                XCTAssertFalse(error.field.isEmpty || error.message.isEmpty, "\(name): \(error)", file: file, line: line)
                XCTAssertGreaterThanOrEqual(error.column, 1, "\(name): \(error)", file: file, line: line)
            }
        }
    }

    /// Every saved journal and catalog crasher, through the property its target checks.
    func testSavedJournalAndCatalogCrashersKeepTheirProperties() throws {
        let journals = try crashers("journal")
        XCTAssertFalse(journals.isEmpty)
        for (name, bytes) in journals {
            let reader = try JournalReader(path: try write(name, bytes: bytes))
            var results: [Result<JournalEvent, JSONFieldError>] = []
            while let next = try reader.next() { results.append(next) }
            assertJournalProperties(results, name)
        }
        let catalogs = try crashers("catalog")
        XCTAssertFalse(catalogs.isEmpty)
        for (name, bytes) in catalogs {
            switch CatalogCodec.decode(bytes) {
            case .success(let catalog):
                XCTAssertEqual(CatalogCodec.decode(Array(CatalogCodec.encode(catalog).utf8)), .success(catalog), name)
            case .failure(let error):
                XCTAssertFalse(error.field.isEmpty || error.message.isEmpty, "\(name): \(error)")
            }
        }
    }

    /// Reads a journal file to the end, as the journal target does.
    private func readJournal(_ text: String) throws -> [Result<JournalEvent, JSONFieldError>] {
        let reader = try JournalReader(path: try write("journal.jsonl", text))
        var results: [Result<JournalEvent, JSONFieldError>] = []
        while let next = try reader.next() { results.append(next) }
        return results
    }

    /// Fuzz/crashers/journal/crash-5384e2b1b2591372e65e090f6f2810c9e1e7b494 (a seed of bad
    /// lines): its last event is at 1900-01-01T12:00:00+08:00, when Asia/Shanghai was at
    /// +08:05:43; the journal writer wrote `12:05:43+08:05` and the event read back 43 s late.
    func testJournalEventBeforeStandardTimeReadsBack() throws {
        let results = try readJournal(#"""
            {"event":"pay","at":"2026-10-01T12:04:00Z","order_id":"O-1",}
            {"event":"teleport","at":"2026-10-01T12:04:00Z"}
            {"event":"grant_points","at":"2026-10-01T08:00:00+08:00","grant_id":"G-1","buyer_id":"B-1","amount":300}
            {"event":"pay","at":"2026-10-01T12:04:00","order_id":"O-1"}
            {"event":"pay","at":"2026-10-01T12:04:00Z","order_id":"订单","txn":1}
            [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]
            {"event":"ship","at":"2026-10-01T12:04:00Z","order_id":"\u0000\ud83d\ude00"}
            {"event":"ship","at":"1900-01-01T12:00:00+08:00","order_id":"old"}

            """#)
        XCTAssertEqual(results.count, 8)
        let failures = results.compactMap { if case .failure(let e) = $0 { return "\(e.line):\(e.field)" } else { return nil } }
        XCTAssertEqual(failures, ["1:(line)", "2:event", "3:amount", "4:at", "5:txn", "6:(line)"])
        assertJournalProperties(results, "crash-5384e2b1")
        let old = try results[7].get()
        XCTAssertEqual(JournalCodec.encode(old, calendar: shanghai),
                       #"{"event":"ship","at":"1900-01-01T12:05:00+08:05","order_id":"old"}"#)
    }
}

extension FuzzRegressionTests {
    /// Fuzz/crashers/journal/crash-435a97788a2d7e4b2ef788b1ef71b1a945e20f64: a line with a
    /// field named by the empty string (`"":"refund"`) was refused with an empty field name
    /// ("field : is not a known field"). The name is now shown as `""`, nested or not.
    func testUnknownFieldWithAnEmptyNameIsNamed() throws {
        let top = JournalCodec.decode(Array(#"{"event":"complete","":"refund","at":"2026-10-01T12:04:00Z","order_id":"O-1-1"}"#.utf8),
                                      lineNumber: 5)
        XCTAssertEqual(top, .failure(JSONFieldError(line: 5, column: 24, field: #""""#, message: "is not a known field")))
        let nested = JournalCodec.decode(Array(#"{"event":"place_order","at":"2026-10-01T12:04:00Z","order_id":"O-1","buyer_id":"B-1","lines":[{"sku":"S-1","quantity":1,"":2}]}"#.utf8),
                                         lineNumber: 1)
        guard case .failure(let error) = nested else { return XCTFail("an unknown field must be refused") }
        XCTAssertEqual(error.field, #"lines[0]."""#)
        XCTAssertEqual(error.message, "is not a known field")
    }

    /// Fuzz/crashers/catalog/crash-9cc87e706d637bddae86ced371fa3deda0d9cec9: a buyer with
    /// `"pays_on_credit": false` and a `credit_limit` was read with its limit, but written
    /// without it, so the written catalog read back with a limit of 0. The limit is now written
    /// whenever it is not zero.
    func testCreditLimitWithoutCreditIsWrittenBack() throws {
        let text = #"{"suppliers":[],"skus":[],"buyers":[{"id":"B-3","level":"enterprise","pays_on_credit":false,"credit_limit":"200000.00","frozen":true}]}"#
        let catalog = try CatalogCodec.decode(Array(text.utf8)).get()
        XCTAssertEqual(catalog.buyers, [Buyer(id: "B-3", level: "enterprise", paysOnCredit: false, creditLimit: Money(fen: 20_000_000), frozen: true)])
        let written = CatalogCodec.encode(catalog)
        XCTAssertTrue(written.contains(#"{"id": "B-3", "level": "enterprise", "credit_limit": "200000.00", "frozen": true}"#), written)
        XCTAssertEqual(try CatalogCodec.decode(Array(written.utf8)).get(), catalog)
    }
}
