// verify finds each broken invariant of SPEC §12 and says exactly what is wrong.

import MallCore
import XCTest
@testable import Settlement

final class VerifyTests: XCTestCase {
    /// The worked example posted and its sheet closed: a store where everything holds.
    func closedStore() throws -> Workspace {
        let ws = try Workspace()
        let config = try Fixture.config()
        try ws.write("orders-1110.csv", Fixture.orders(Fixture.workedOrder))
        try ws.write("refunds-1110.csv", Fixture.refunds(Fixture.workedReturn))
        try ws.run("2026-11-30", config: config)
        let (_, status, refusal) = try ws.close("2026-11-30", config: config)
        XCTAssertEqual(status, .done, refusal ?? "")
        XCTAssertEqual(try Verifier.verify(ws.db).map(\.description), [])
        return ws
    }

    func messages(_ ws: Workspace) throws -> [String] { try Verifier.verify(ws.db).map(\.description) }

    func testAChangedClosedSheetIsCaught() throws {
        let ws = try closedStore()
        // The forward FREIGHT line, stored in its line's forward_fees row.
        try ws.db.run("UPDATE forward_fees SET freight = freight + 1 WHERE freight != 0")
        let found = try messages(ws)
        XCTAssertTrue(found.contains("§12.6: sheet SUP-A-ENT-BJ-CNY-20261101: recorded net 95.10 over 9 lines, but its lines sum to 95.11 over 9"), "\(found)")
        XCTAssertTrue(found.contains("§12.6: sheet SUP-A-ENT-BJ-CNY-20261101 FREIGHT: statement totals say 1 lines 8.00, the lines are 1 8.01"), "\(found)")
        XCTAssertTrue(found.contains { $0.hasPrefix("§12.6: closed sheet SUP-A-ENT-BJ-CNY-20261101 changed after closing") }, "\(found)")
    }

    func testUnbalancedTendersAndOverRefundsAreCaught() throws {
        let ws = try closedStore()
        try ws.db.run("UPDATE order_lines SET paid_cash = paid_cash - 1")
        try ws.db.run("UPDATE refunds SET refund_points = refund_points + 2000")
        XCTAssertEqual(try messages(ws).filter { $0.hasPrefix("§12.4") }, [
            "§12.4: order O-1 line 1: tenders 192.99 ≠ goods 185.00 + freight 8.00",
            "§12.4: order O-1 line 1: accepted refunds exceed what was paid",
            "§12.4: money is not conserved over all accepted rows: tenders paid 192.99 − refunded 112.50 = 80.49, but goods and freight 193.00 − refunded 92.50 = 100.50",
            "§12.4: refund R-1 of order O-1 line 1: tenders 112.50 ≠ goods + freight 92.50",
        ])
    }

    func testCarryForwardThatDoesNotNetToZeroIsCaught() throws {
        let ws = try closedStore()
        try ws.db.run("""
            INSERT INTO other_fee_lines(sheet_key, posting_day, source_type, source_key, line_key, fee_code, amount, late, original_start, rule)
            SELECT sheet_key, 20000, ?, sheet_key, NULL, ?, 500, 0, NULL, -11 FROM sheets WHERE supplier_id = 'SUP-B' LIMIT 1
            """, [.int(SourceType.carry.rawValue), .int(FeeCode.carryForward.storeCode)])
        XCTAssertTrue(try messages(ws).contains("§12.7: carry-forward lines sum to 5.00, not 0.00"))
    }

    func testALineOnAnotherSuppliersSheetIsCaught() throws {
        let ws = try closedStore()
        try ws.db.run("""
            UPDATE other_fee_lines SET sheet_key = (SELECT sheet_key FROM sheets WHERE supplier_id = 'SUP-B' LIMIT 1)
            WHERE fee_code = ?
            """, [.int(FeeCode.goods.storeCode)])
        XCTAssertTrue(try messages(ws).contains { $0.hasPrefix("§12.8: sheet SUP-B-ENT-SH-CNY-") && $0.hasSuffix("holds a line of SUP-A") })
    }

    func testRowsThatVanishAreCaught() throws {
        let ws = try closedStore()
        try ws.db.run("UPDATE feed_files SET rows_read = rows_read + 1 WHERE kind = 'orders'")
        XCTAssertEqual(try messages(ws).filter { $0.hasPrefix("§12.3") }.count, 1)
        XCTAssertTrue(try messages(ws)[0].hasSuffix("orders-1110.csv: 2 rows read but 1 accepted + 0 duplicate + 0 quarantined"))
    }

    func testAFullyRefundedLineThatDoesNotNetToZeroIsCaught() throws {
        let ws = try Workspace()
        let config = try Fixture.config()
        try ws.write("orders-1110.csv", Fixture.orders(Fixture.workedOrder))
        try ws.write("refunds-1110.csv", Fixture.refunds("R-9,O-1,1,return,2,185.00,8.00,20.00,0,173.00,2026-11-10T20:00:00+08:00"))
        try ws.run("2026-11-12", config: config)
        XCTAssertEqual(try messages(ws), [])
        try ws.db.run("UPDATE other_fee_lines SET amount = amount - 1 WHERE fee_code = ? AND source_type = ?",
                      [.int(FeeCode.commission.storeCode), .int(SourceType.refund.rawValue)])
        let found = try messages(ws)
        XCTAssertTrue(found.contains("§12.5: order O-1 line 1 is fully refunded but COMMISSION nets -0.01"), "\(found)")
    }
}
