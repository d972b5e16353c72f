// forward_sheet_lines: the one way statements and close find a sheet's forward rows. A sheet's
// fee lines found through it are exactly the rows of the fee_lines view with that sheet.

import Foundation
import MallCore
import MallStore
import XCTest
@testable import Settlement

final class SheetLinesTests: XCTestCase {
    /// Two nights over three suppliers with refunds and an adjustment, then a close: forward
    /// rows in several sheets and runs, reverse lines, an adjustment and carry-forwards.
    private func postedStore() throws -> Workspace {
        let ws = try Workspace()
        let config = try Fixture.config()
        let good = Fixture.workedOrder.components(separatedBy: ",")
        func order(_ id: String, supplier: String, day: Int, cost: String = "") -> String {
            var cells = good
            cells[0] = id
            cells[3] = supplier
            cells[10] = cost
            for column in 18...20 { cells[column] = cells[column].replacingOccurrences(of: "2026-11-10", with: "2026-11-\(day)") }
            return cells.joined(separator: ",")
        }
        try ws.write("orders-1110.csv", Fixture.orders(
            order("O-1", supplier: "SUP-A", day: 10), order("O-2", supplier: "SUP-B", day: 10),
            order("O-3", supplier: "SUP-P", day: 10, cost: "60.00"), order("O-4", supplier: "SUP-B", day: 10)))
        try ws.write("refunds-1110.csv", Fixture.refunds(Fixture.workedReturn,
                                                         "R-2,O-2,1,return,1,92.50,0,10.00,0,82.50,2026-11-10T20:00:00+08:00"))
        try ws.run("2026-11-10", config: config)
        try ws.write("orders-1118.csv", Fixture.orders(
            order("O-5", supplier: "SUP-A", day: 18), order("O-6", supplier: "SUP-B", day: 18),
            order("O-7", supplier: "SUP-P", day: 18, cost: "60.00")))
        try ws.write("adjustments-1118.csv", """
            adjustment_id,supplier_id,amount,reason,approved_by,effective_at
            ADJ-1,SUP-B,-300.00,damaged stock,finance,2026-11-18T10:00:00+08:00

            """)
        try ws.run("2026-11-18", config: config)
        try ws.run("2026-11-30", config: config)
        let (_, status, refusal) = try ws.close("2026-11-30", config: config)
        XCTAssertEqual(status, .done, refusal ?? "")
        return ws
    }

    private func rows(_ db: Database, _ sql: String, _ values: [SQLValue]) throws -> [String] {
        var out: [String] = []
        try db.query(sql, values) { row in
            out.append((0..<11).map { "\(row.value(Int32($0)))" }.joined(separator: "|"))
        }
        return out
    }

    func testASheetsLinesAreTheViewsRowsOfThatSheet() throws {
        let ws = try postedStore()
        var keys: [Int64] = []
        try ws.db.query("SELECT sheet_key FROM sheets ORDER BY sheet_key") { keys.append($0.int(0)) }
        XCTAssertGreaterThan(keys.count, 4)
        var forward = 0, other = 0
        for key in keys {
            let columns = "id, sheet_key, posting_day, source_type, source_key, line_key, fee_code, amount, late, original_start, rule"
            let viaLists = try rows(ws.db, "SELECT \(columns) FROM \(FeeLineExport.sheetFeeLines) ORDER BY id", [.int(key)])
            let viaView = try rows(ws.db, "SELECT \(columns) FROM fee_lines WHERE sheet_key = ? ORDER BY id", [.int(key)])
            XCTAssertEqual(viaLists, viaView, "sheet \(key)")
            forward += viaView.filter { $0.hasPrefix("int(-") }.count
            other += viaView.filter { !$0.hasPrefix("int(-") }.count
        }
        // Forward lines of 7 order lines; reverse lines of 2 returns, an adjustment, a carry-forward pair.
        XCTAssertEqual(forward, 30)
        XCTAssertEqual(other, 13)
        var lists = 0
        try ws.db.query("SELECT count(*) FROM forward_sheet_lines") { lists = Int($0.int(0)) }
        XCTAssertGreaterThanOrEqual(lists, 4)
        XCTAssertEqual(try Verifier.verify(ws.db).map(\.description), [])
    }

    func testAStoreFromBeforeTheListsGetsThemFromItsForwardRows() throws {
        let ws = try postedStore()
        let before = try ws.export(.feeLines)
        var linesBefore: [Int64: [UInt8]] = [:]
        var keys: [Int64] = []
        try ws.db.query("SELECT sheet_key FROM sheets ORDER BY sheet_key") { keys.append($0.int(0)) }
        for key in keys { linesBefore[key] = try StatementAnySizeTests.sortedSQLCSV(ws.db, sheetKey: key) }
        // Back to schema 1: the index by sheet, no lists.
        try ws.db.execute("""
            DROP TABLE forward_sheet_lines;
            CREATE INDEX forward_fees_sheet ON forward_fees(sheet_key);
            DELETE FROM schema_migrations WHERE version = 2;
            """)
        // Later migrations are recorded individually and stay applied: only 2 is missing.
        XCTAssertEqual(try ws.db.scalar("SELECT count(*) FROM schema_migrations WHERE version = 2"), .int(0))
        XCTAssertEqual(try ws.db.migrate(), [2])
        XCTAssertEqual(try ws.db.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'forward_fees_sheet'"), .int(0))
        XCTAssertEqual(try ws.export(.feeLines), before)
        for key in keys { XCTAssertEqual(try StatementAnySizeTests.sortedSQLCSV(ws.db, sheetKey: key), linesBefore[key], "sheet \(key)") }
        XCTAssertEqual(try Verifier.verify(ws.db).map(\.description), [])
    }

    func testVerifyFindsAForwardRowListedNowhereOrUnderAnotherSheet() throws {
        let ws = try postedStore()
        try ws.db.run("DELETE FROM forward_sheet_lines WHERE id = (SELECT min(id) FROM forward_sheet_lines)")
        XCTAssertTrue(try Verifier.verify(ws.db).map(\.description).contains {
            $0.hasPrefix("§12.6: forward lines listed by sheet do not match the forward lines: 7 forward rows, ")
        })
        let other = try postedStore()
        try other.db.run("UPDATE forward_sheet_lines SET sheet_key = sheet_key + 1 WHERE id = (SELECT min(id) FROM forward_sheet_lines)")
        XCTAssertTrue(try Verifier.verify(other.db).map(\.description).contains {
            $0.hasPrefix("§12.6: forward lines listed by sheet do not match the forward lines: 7 forward rows, 7 listed (7 distinct), ")
        })
    }
}
