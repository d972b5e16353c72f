// Posting's row storing (FeeLine.swift): rows go 16 per INSERT, each value bound only when it
// differs from the value bound to its parameter before. These tests read every row back, so a
// value left over from an earlier row (a NULL kept, a number not rebound) would show.

import Foundation
import MallStore
import XCTest
@testable import Settlement

final class RowInsertsTests: XCTestCase {
    private func database() throws -> (Database, String) {
        let dir = NSTemporaryDirectory() + "row-inserts-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let db = try Database(path: dir + "/t.db")
        try db.execute("CREATE TABLE t (a INTEGER, b INTEGER, c INTEGER) STRICT")
        return (db, dir)
    }

    private func rows(_ db: Database) throws -> [[Int64?]] {
        var out: [[Int64?]] = []
        try db.query("SELECT a, b, c FROM t ORDER BY rowid") { row in
            out.append((0..<3).map { row.isNull(Int32($0)) ? nil : row.int(Int32($0)) })
        }
        return out
    }

    /// 37 rows: two statements of 16 and five rows one by one; values that repeat, turn NULL
    /// and come back, across the statements' boundaries.
    func testEveryRowIsStoredWithItsOwnValues() throws {
        let (db, dir) = try database()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let expected: [[Int64?]] = (0..<37).map { (i: Int) -> [Int64?] in
            let b: Int64? = i % 3 == 0 ? nil : 7
            let c: Int64? = i % 7 == 0 ? Int64(i) : (i % 2 == 0 ? nil : -1)
            return [Int64(i / 5), b, c]
        }
        let inserts = try RowInserts<3>(db, table: "t", columns: "a, b, c")
        try db.transaction {
            try inserts.store(expected) { row in [row[0], row[1], row[2]] }
        }
        XCTAssertEqual(try rows(db), expected)
        // A second batch through the same statements starts binding afresh.
        let more: [[Int64?]] = (0..<18).map { i in [nil, Int64(i), 5] }
        try db.transaction { try inserts.store(more) { row in [row[0], row[1], row[2]] } }
        XCTAssertEqual(try rows(db), expected + more)
    }

    func testFewerRowsThanOneStatementAreStoredOneByOne() throws {
        let (db, dir) = try database()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let expected: [[Int64?]] = [[1, nil, 3], [1, nil, 3], [nil, 2, nil]]
        let inserts = try RowInserts<3>(db, table: "t", columns: "a, b, c")
        try db.transaction { try inserts.store(expected) { row in [row[0], row[1], row[2]] } }
        XCTAssertEqual(try rows(db), expected)
    }

    /// A row that breaks a constraint fails the whole store: the transaction around it rolls
    /// back the rows stored before it in the same statement.
    func testAFailingRowFailsTheBatchAndItsTransactionUndoesIt() throws {
        let (db, dir) = try database()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try db.execute("CREATE TABLE u (k INTEGER PRIMARY KEY, v INTEGER NOT NULL) STRICT")
        let inserts = try RowInserts<2>(db, table: "u", columns: "k, v")
        let values: [[Int64?]] = (0..<20).map { i in [Int64(i), i == 9 ? nil : Int64(i * 10)] }
        XCTAssertThrowsError(try db.transaction { try inserts.store(values) { row in [row[0], row[1]] } })
        var count: Int64 = -1
        try db.query("SELECT count(*) FROM u") { count = $0.int(0) }
        XCTAssertEqual(count, 0)
    }

    func testIDsAreWrittenAsStringSpellsThem() {
        for value: Int64 in [0, 7, 10, 99, 100, 123_456_789, Int64.max] {
            var text: [UInt8] = Array("x".utf8)
            FeeLineWriter.appendDecimal(value, to: &text)
            XCTAssertEqual(String(decoding: text, as: UTF8.self), "x\(value)")
        }
    }

    func testAFeeKindsPositionIsItsPlaceAmongAllKinds() {
        for (index, kind) in FeeKind.allCases.enumerated() {
            XCTAssertEqual(kind.position, index, "\(kind)")
        }
    }

    func testCategoryPathsAtOrBelowAnAncestor() {
        let cases: [(String, String, Bool)] = [
            ("digital/phone", "digital", true), ("digital", "digital", true), ("digitalx", "digital", false),
            ("digital", "digital/phone", false), ("home/digital", "digital", false),
            ("数码/手机", "数码", true), ("数码手机", "数码", false),
        ]
        for (path, ancestor, expected) in cases {
            XCTAssertEqual(FeeRuleBook.categoryIsAtOrBelow(path, ancestor), expected, "\(path) under \(ancestor)")
            // The same texts when their bytes are not stored contiguously (bridged storage).
            let bridged = NSString(string: path) as String
            XCTAssertEqual(FeeRuleBook.categoryIsAtOrBelow(bridged, ancestor), expected, "bridged \(path)")
        }
    }
}
