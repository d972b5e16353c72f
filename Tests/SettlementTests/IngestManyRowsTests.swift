// Ingest stores a file's rows 16 per INSERT OR IGNORE: duplicates, completion updates,
// conflicts, quarantined rows and rows failing a later check, wherever they fall among those
// 16, settle exactly as if each row had been stored on its own, in the file's order.

import Foundation
import MallCore
import MallIO
import XCTest
@testable import Settlement

final class IngestManyRowsTests: XCTestCase {
    /// An order line of one unit at 100.00, paid in cash; `completed` empty leaves it open.
    private func order(_ id: String, supplier: String = "SUP-A", quantity: Int = 1, completed: Bool = true) -> String {
        let cash = "\(quantity * 100).00"
        let done = completed ? "2026-11-10T18:00:00+08:00" : ""
        return "\(id),,1,\(supplier),B-1,gold,SKU-PHONE,digital/phone,\(quantity),100.00,,0,0,0,0,0,\(cash),wechat,"
            + "2026-11-10T10:00:00+08:00,2026-11-10T10:01:00+08:00,\(done),CNY"
    }

    private func ingest(_ ws: Workspace, _ name: String, _ rows: [String]) throws -> FileOutcome {
        let path = try ws.write(name, ([Fixture.orderHeader] + rows).joined(separator: "\n") + "\n")
        let ingestor = Ingestor(db: ws.db, config: try Fixture.config(), runSeq: 1, progress: ProgressLog(enabled: false))
        return try ws.db.transaction {
            try ingestor.ingest(path: path, kind: .orders, digest: .success(try FeedReader.digest(path: path)))
        }
    }

    /// `order_id|source_line|quantity|completed` of every stored line, in id order, with the ids
    /// checked to run 1, 2, 3… (a row passed over takes no id).
    private func stored(_ ws: Workspace) throws -> [String] {
        var rows: [String] = []
        var id: Int64 = 0
        try ws.db.query("SELECT id, order_id, source_line, quantity, completed_at IS NOT NULL FROM order_lines ORDER BY id") {
            id += 1
            XCTAssertEqual($0.int(0), id)
            rows.append("\($0.string(1))|\($0.int(2))|\($0.int(3))|\($0.int(4))")
        }
        return rows
    }

    func testRowsSettleInFileOrderWhereverTheyFallAmongSixteen() throws {
        let ws = try Workspace()
        var rows = (1...40).map { order("O-\($0)") }
        rows[1] = order("O-2", completed: false)           // line 3: open when first delivered
        rows[4] = order("O-3")                              // line 6: the same as line 4, same statement
        rows[8] = order("O-2")                              // line 10: O-2's completion, same statement
        rows[11] = order("O-4", quantity: 2)                // line 13: conflicts with line 5
        rows[15] = order("O-10")                            // line 17: the same as line 11, the statement's last row
        rows[16] = "O-17,,1,SUP-A,B-1,gold,SKU-PHONE,digital/phone,0,100.00,,0,0,0,0,0,0.00,wechat,"
            + "2026-11-10T10:00:00+08:00,2026-11-10T10:01:00+08:00,,CNY"   // line 18: quantity 0
        rows[20] = order("O-21", supplier: "SUP-NONE")      // line 22: unknown supplier (a later check)
        rows[21] = order("O-2", completed: false)           // line 23: O-2 again without its completion
        rows[39] = order("O-25")                            // line 41: the same as line 26, in the last, short run
        // Statements: lines 2–17 (16 rows), then 19–21 one by one before line 22's later check
        // fails, then 23–38 (16 rows), then 39–41 one by one.
        let outcome = try ingest(ws, "orders-1.csv", rows)
        XCTAssertEqual([outcome.read, outcome.accepted, outcome.updated, outcome.duplicate, outcome.quarantined],
                       [40, 33, 1, 4, 3])
        XCTAssertEqual(try ws.quarantine(), ["orders-1.csv:13:9:conflicting_redelivery", "orders-1.csv:18:9:bad_quantity",
                                             "orders-1.csv:22:4:unknown_supplier"])
        let passedOver: Set<Int> = [4, 8, 11, 15, 16, 20, 21, 39]
        let expected = (0..<40).filter { !passedOver.contains($0) }.map { "O-\($0 + 1)|\($0 + 2)|1|1" }
        XCTAssertEqual(expected.count, 32)
        XCTAssertEqual(try stored(ws), expected, "O-2 stored open, then completed by line 10")

        // The same rows again in reverse order (another file): every row a duplicate or
        // quarantined again, nothing stored or changed.
        let again = try ingest(ws, "orders-2.csv", rows.reversed())
        XCTAssertEqual([again.read, again.accepted, again.updated, again.duplicate, again.quarantined], [40, 0, 0, 37, 3])
        XCTAssertEqual(try stored(ws), expected)
    }
}
