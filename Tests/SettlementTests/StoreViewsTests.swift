// StoreViewsTests: the analysts' views (docs/store.md) show exactly what the exports show, their
// decimals and timestamps are exact, and every worked query of the docs runs.

import Foundation
import MallCore
import MallIO
import MallStore
import XCTest
@testable import Settlement

final class StoreViewsTests: XCTestCase {
    private static let docsPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("docs/store.md").path

    /// The worked example's order and return, posted on 2026-11-10, plus an adjustment.
    private func workspace() throws -> (Workspace, MallConfig) {
        let ws = try Workspace()
        let config = try Fixture.config()
        try ws.write("orders-1110.csv", Fixture.orders(Fixture.workedOrder))
        try ws.run("2026-11-10", config: config)
        return (ws, config)
    }

    private func rows(_ db: Database, _ sql: String) throws -> [String] {
        var out: [String] = []
        try db.query(sql) { row in
            out.append((0..<row.columnCount).map { row.text($0) ?? "NULL" }.joined(separator: "|"))
        }
        return out
    }

    func testDecimalsAreExactAndTimestampsAreUTC() throws {
        let (ws, _) = try workspace()
        let decimals = ["0", "5", "-5", "-100", "123456789", "-123456789", "NULL"]
            .map { StoreViews.decimal($0) }.joined(separator: ", ")
        XCTAssertEqual(try rows(ws.db, "SELECT \(decimals)"),
                       ["0.00|0.05|-0.05|-1.00|1234567.89|-1234567.89|NULL"])
        XCTAssertEqual(try rows(ws.db, """
            SELECT order_id, parent_order_id, unit_price, unit_price_fen, cost_price, goods, paid_cash, paid_cash_fen,
                   ordered_at, paid_at, completed_at, source_line
            FROM v_order_lines
            """), ["O-1|P-1|100.00|10000|NULL|185.00|173.00|17300|2026-11-10T01:00:00Z|2026-11-10T01:01:00Z|2026-11-10T10:00:00Z|2"])
    }

    func testFeeLinesAndSheetsViewsAreTheExports() throws {
        let (ws, config) = try workspace()
        try ws.write("refunds-1110.csv", Fixture.refunds(Fixture.workedReturn))
        try ws.write("adjustments-1111.csv", """
            adjustment_id,supplier_id,amount,reason,approved_by,effective_at
            ADJ-1,SUP-A,-12.34,=misprice,Wang Fang,2026-11-11T10:00:00+08:00

            """)
        try ws.run("2026-11-11", config: config)

        var viewCSV: [UInt8] = []
        CSVEncoder.appendRow(FeeLineExport.header.map { .text($0) }, to: &viewCSV)
        try ws.db.query("""
            SELECT sheet_id, supplier_id, posting_date, source_type, source_id, order_id, line_no, sku, fee_code,
                   direction, amount, late, original_period
            FROM v_fee_lines ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, amount_fen, 12, 13
            """) { row in
            var cells: [CSVCell] = (0..<6).map { .text(row.string($0)) }
            cells.append(row.text(6).map { .number($0) } ?? .empty)
            cells += (7..<10).map { .text(row.string($0)) }
            cells += [.number(row.string(10)), .number(row.string(11)), .text(row.string(12))]
            CSVEncoder.appendRow(cells, to: &viewCSV)
        }
        let export = try ws.export(.feeLines)
        XCTAssertEqual(String(decoding: viewCSV, as: UTF8.self), export)
        XCTAssertTrue(export.contains("ADJ-1"), export)
        XCTAssertEqual(export.split(separator: "\n").count, 1 + 5 + 4 + 1, export)

        XCTAssertEqual(try rows(ws.db, "SELECT adjustment_id, amount, amount_fen, reason, approved_by, effective_at FROM v_adjustments"),
                       ["ADJ-1|-12.34|-1234|=misprice|Wang Fang|2026-11-11T02:00:00Z"])
        var sheetsCSV: [UInt8] = []
        CSVEncoder.appendRow(Exporter.sheetColumns.map { .text($0) }, to: &sheetsCSV)
        try ws.db.query("SELECT * FROM v_sheets ORDER BY sheet_id") { row in
            var cells: [CSVCell] = (0..<8).map { .text(row.string($0)) }
            cells += [.number(row.string(8)), .number(row.string(9)), row.text(11).map { .number($0) } ?? .empty]
            cells += [13, 14].map { row.text($0).map { .text($0) } ?? .empty }
            CSVEncoder.appendRow(cells, to: &sheetsCSV)
        }
        XCTAssertEqual(String(decoding: sheetsCSV, as: UTF8.self), try ws.export(.sheets))
        // SPEC §5's worked example nets 95.10; the adjustment takes 12.34 off.
        XCTAssertEqual(try rows(ws.db, "SELECT status, lines, net, net_fen, payable FROM v_sheets WHERE sheet_id = 'SUP-A-ENT-BJ-CNY-20261101'"),
                       ["open|10|82.76|8276|NULL"])
    }

    func testEveryWorkedQueryOfTheDocsRuns() throws {
        let (ws, _) = try workspace()
        let docs = try String(contentsOfFile: Self.docsPath, encoding: .utf8)
        let blocks = docs.components(separatedBy: "```sql\n").dropFirst().map { $0.components(separatedBy: "```")[0] }
        XCTAssertGreaterThanOrEqual(blocks.count, 8)
        for block in blocks { _ = try rows(ws.db, block) }
        // The first: what SUP-A earned in November by fee code — SPEC §5's worked example.
        XCTAssertEqual(try rows(ws.db, blocks[0]), [
            "GOODS|1|185.00", "PLATFORM_SUBSIDY|1|10.00", "FREIGHT|1|8.00", "COMMISSION|1|-15.60", "PAYMENT_FEE|1|-1.04",
        ])
        XCTAssertEqual(try rows(ws.db, blocks[1]), [
            "COMMISSION|1|-1560", "FREIGHT|1|800", "GOODS|1|18500", "PAYMENT_FEE|1|-104", "PLATFORM_SUBSIDY|1|1000",
        ])
    }

    func testEveryTableAndViewIsDescribedInTheDocs() throws {
        let ws = try Workspace()
        let docs = try String(contentsOfFile: Self.docsPath, encoding: .utf8)
        var names: [String] = []
        try ws.db.query("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' ORDER BY name") {
            names.append($0.string(0))
        }
        XCTAssertGreaterThan(names.count, 40)
        XCTAssertEqual(names.filter { !docs.contains("`\($0)`") }, [])
    }
}
