// Refund indexes on a bulk night: built again after the refunds are written when most of the
// store's refunds change, kept up to date refund by refund otherwise; whole either way.

import MallCore
import MallStore
import XCTest
@testable import Settlement

final class RefundIndexTests: XCTestCase {
    func testRefundIndexesAreRebuiltOnlyWhenMostRefundsChange() {
        XCTAssertTrue(Poster.rebuildsRefundIndexes(changing: 3, highestID: 3))
        XCTAssertTrue(Poster.rebuildsRefundIndexes(changing: 2, highestID: 4))
        XCTAssertFalse(Poster.rebuildsRefundIndexes(changing: 1, highestID: 4))
        XCTAssertFalse(Poster.rebuildsRefundIndexes(changing: 99, highestID: 1_000_000))
        XCTAssertFalse(Poster.rebuildsRefundIndexes(changing: 0, highestID: 0))
    }

    /// A first night whose refunds are all new (indexes rebuilt), then a night with one refund
    /// among four (indexes kept up to date): after each, the four indexes are declared as in a
    /// fresh store and hold exactly the rows a scan of the table finds.
    func testRefundIndexesHoldEveryRefundAfterABulkNightAndAnOrdinaryOne() throws {
        let ws = try Workspace()
        let config = try Fixture.config()
        let declared = try Self.refundIndexes(try Workspace().db)
        XCTAssertEqual(declared.map(\.name), ["refunds_accepted_run", "refunds_open", "refunds_posted_run", "refunds_posting_at"])

        func order(_ id: String) -> String { Fixture.workedOrder.replacingOccurrences(of: "O-1,P-1", with: "\(id),P-\(id)") }
        func refund(_ id: String, _ orderID: String) -> String {
            Fixture.workedReturn.replacingOccurrences(of: "R-1,O-1", with: "\(id),\(orderID)")
        }
        try ws.write("orders-1.csv", Fixture.orders(order("O-1"), order("O-2"), order("O-3"), order("O-4")))
        // R-9's line never comes: it stays open (an orphan) through both nights.
        try ws.write("refunds-1.csv", Fixture.refunds(refund("R-1", "O-1"), refund("R-2", "O-2"), refund("R-3", "O-3"),
                                                      refund("R-9", "O-9")))
        try ws.run("2026-11-11", config: config)
        try Self.assertWhole(ws.db, declared: declared, posted: 3, open: 1)

        try ws.write("refunds-2.csv", Fixture.refunds(refund("R-4", "O-4")))
        try ws.run("2026-11-12", config: config)
        try Self.assertWhole(ws.db, declared: declared, posted: 4, open: 1)
        XCTAssertEqual(try ws.lines(where: "source_id = 'R-4'").count, try ws.lines(where: "source_id = 'R-1'").count)
    }

    private static func refundIndexes(_ db: Database) throws -> [(name: String, sql: String)] {
        var found: [(String, String)] = []
        try db.query("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'refunds' AND sql IS NOT NULL ORDER BY name") {
            found.append(($0.string(0), $0.string(1)))
        }
        return found
    }

    /// Each index read on its own gives what the table gives without it.
    private static func assertWhole(_ db: Database, declared: [(name: String, sql: String)], posted: Int64, open: Int64,
                                    file: StaticString = #filePath, line: UInt = #line) throws {
        let now = try refundIndexes(db)
        XCTAssertEqual(now.map(\.name), declared.map(\.name), file: file, line: line)
        XCTAssertEqual(now.map(\.sql), declared.map(\.sql), file: file, line: line)
        func rows(_ sql: String) throws -> [String] {
            var out: [String] = []
            try db.query(sql) { out.append("\($0.int(0))|\($0.string(1))") }
            return out
        }
        let checks: [(indexed: String, scanned: String)] = [
            ("SELECT id, state FROM refunds INDEXED BY refunds_open WHERE posted = 0 AND state <> '' ORDER BY id",
             "SELECT id, state FROM refunds NOT INDEXED WHERE posted = 0 ORDER BY id"),
            ("SELECT id, posted_run FROM refunds INDEXED BY refunds_posted_run WHERE posted_run IS NOT NULL AND posted_run > 0 ORDER BY id",
             "SELECT id, posted_run FROM refunds NOT INDEXED WHERE posted_run IS NOT NULL ORDER BY id"),
            ("SELECT id, posting_at FROM refunds INDEXED BY refunds_posting_at WHERE posted = 1 AND posting_at > 0 ORDER BY id",
             "SELECT id, posting_at FROM refunds NOT INDEXED WHERE posted = 1 ORDER BY id"),
            ("SELECT id, accepted_run FROM refunds INDEXED BY refunds_accepted_run WHERE accepted_run IS NOT NULL AND accepted_run > 0 ORDER BY id",
             "SELECT id, accepted_run FROM refunds NOT INDEXED WHERE accepted_run IS NOT NULL ORDER BY id"),
        ]
        for check in checks {
            XCTAssertEqual(try rows(check.indexed), try rows(check.scanned), check.indexed, file: file, line: line)
        }
        XCTAssertEqual(try rows(checks[1].scanned).count, Int(posted), file: file, line: line)
        XCTAssertEqual(try rows(checks[0].scanned).count, Int(open), file: file, line: line)
        XCTAssertEqual(try db.integrityCheck(), "ok", file: file, line: line)
    }
}
