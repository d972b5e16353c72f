// FeedDeclarationTests: a feed declared once matches the store's DDL, drives the reader's
// schema and the table's columns, and stages its rows as they were staged before.

import Foundation
import MallCore
import MallStore
import XCTest
@testable import Settlement

final class FeedDeclarationTests: XCTestCase {
    /// Every feed is declared, and every declared column is a column of its table with the
    /// declared SQLite type, NOT NULL exactly when required or stored as 0 when empty; the key
    /// is the table's one unique index; the extras exist.
    func testEveryDeclarationMatchesTheStoresDDL() throws {
        let ws = try Workspace()
        XCTAssertEqual(FeedDeclaration.all.map(\.kind), FeedKind.allCases)
        for feed in FeedDeclaration.all {
            var table: [String: (type: String, notNull: Bool)] = [:]
            try ws.db.query("SELECT name, type, \"notnull\" FROM pragma_table_info(?)", [.text(feed.table)]) { row in
                table[row.string(0)] = (row.string(1), row.int(2) == 1)
            }
            XCTAssertFalse(table.isEmpty, "\(feed.table) is a table of the store")
            for column in feed.columns {
                let stored = try XCTUnwrap(table[column.name], "\(feed.table).\(column.name) is in the DDL")
                XCTAssertEqual(stored.type, FeedDeclaration.storedType(column), "\(feed.table).\(column.name)")
                XCTAssertEqual(stored.notNull, column.required || column.emptyStoredAsZero,
                               "\(feed.table).\(column.name) NOT NULL when required or stored as 0")
            }
            for extra in feed.extras { XCTAssertNotNil(table[extra], "\(feed.table).\(extra) is in the DDL") }
            var uniqueKeys: [[String]] = []
            try ws.db.query("SELECT name FROM pragma_index_list(?) WHERE \"unique\" = 1", [.text(feed.table)]) { row in
                uniqueKeys.append([row.string(0)])
            }
            uniqueKeys = try uniqueKeys.map { index in
                var columns: [String] = []
                try ws.db.query("SELECT name FROM pragma_index_info(?) ORDER BY seqno", [.text(index[0])]) { columns.append($0.string(0)) }
                return columns
            }
            XCTAssertEqual(uniqueKeys, [feed.key], "\(feed.table)'s key")
        }
    }

    /// The reader's schema and the table's column list are the declaration's.
    func testTheSchemaAndTheTableComeFromTheDeclaration() {
        let adjustments = FeedDeclaration.adjustments
        XCTAssertEqual(FeedSchemas.schema(for: .adjustments).names,
                       ["adjustment_id", "supplier_id", "amount", "reason", "approved_by", "effective_at"])
        XCTAssertEqual(FeedSchemas.schema(for: .adjustments).requiredNames, Set(adjustments.columns.map(\.name)))
        XCTAssertEqual(TableSpec.spec(for: .adjustments).fields, adjustments.columns.map(\.name))
        XCTAssertEqual(TableSpec.spec(for: .adjustments).insertSQL, """
            INSERT OR IGNORE INTO adjustments(adjustment_id, supplier_id, amount, reason, approved_by, effective_at, \
            source_file, source_line) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """)
    }

    /// The orders feed: the reader reads the declared columns in SPEC order, the table's
    /// columns are the same, and its key is found by name wherever it is declared.
    func testTheOrderFeedComesFromItsDeclaration() {
        let orders = FeedDeclaration.orders
        XCTAssertEqual(FeedSchemas.schema(for: .orders).names, orders.names)
        XCTAssertEqual(orders.names.prefix(3), ["order_id", "parent_order_id", "line_no"])
        let spec = TableSpec.spec(for: .orders)
        XCTAssertEqual(spec.fields, orders.names)
        XCTAssertEqual(spec.key.map { spec.fields[$0] }, ["order_id", "line_no"])
        XCTAssertTrue(spec.selectSQL.hasSuffix("FROM order_lines WHERE order_id = ? AND line_no = ?"), spec.selectSQL)
        XCTAssertTrue(spec.insertSQL.hasSuffix("completed_at, currency, goods, source_file, source_line) VALUES (\(Array(repeating: "?", count: 25).joined(separator: ", ")))"), spec.insertSQL)
        for kind in FeedKind.allCases {
            XCTAssertEqual(FeedSchemas.schema(for: kind).names, FeedDeclaration.of(kind).names, "\(kind)")
            XCTAssertEqual(TableSpec.spec(for: kind).fields, FeedDeclaration.of(kind).names, "\(kind)")
        }
        XCTAssertEqual(OrderColumns.shared.count, orders.columns.count)
        XCTAssertEqual(RefundColumns.shared.count, FeedDeclaration.refunds.columns.count)
        // The plain path lists its staged values in the declaration's order.
        XCTAssertEqual(OrderColumns.shared.inOrder, Array(orders.columns.indices))
        XCTAssertEqual(RefundColumns.shared.inOrder, Array(FeedDeclaration.refunds.columns.indices))
    }

    /// Replay writes each replayed feed with its declaration's header, a cell for every
    /// declared column and no other.
    func testReplayWritesTheDeclaredColumns() {
        XCTAssertEqual(FeedRowFormatter.orderColumns, FeedDeclaration.orders.names)
        XCTAssertEqual(FeedRowFormatter.orderCells.map(\.rawValue), FeedDeclaration.orders.names)
        XCTAssertEqual(FeedRowFormatter.refundCells.map(\.rawValue), FeedDeclaration.refunds.names)
        XCTAssertEqual(FeedRowFormatter.paymentCells.map(\.rawValue), FeedDeclaration.payments.names)
        XCTAssertEqual(FeedRowFormatter.repaymentCells.map(\.rawValue), FeedDeclaration.repayments.names)
        XCTAssertEqual(Set(FeedRowFormatter.OrderCell.allCases.map(\.rawValue)), Set(FeedDeclaration.orders.names))
        XCTAssertEqual(Set(FeedRowFormatter.RefundCell.allCases.map(\.rawValue)), Set(FeedDeclaration.refunds.names))
        XCTAssertEqual(Set(FeedRowFormatter.PaymentCell.allCases.map(\.rawValue)), Set(FeedDeclaration.payments.names))
        XCTAssertEqual(Set(FeedRowFormatter.RepaymentCell.allCases.map(\.rawValue)), Set(FeedDeclaration.repayments.names))
    }

    /// An adjustments file goes in through the declaration: the stored row, a re-delivery
    /// that is a duplicate, and a changed amount that is a conflict.
    func testAnAdjustmentIsStagedFromTheDeclaration() throws {
        let ws = try Workspace()
        let config = try Fixture.config()
        let header = "adjustment_id,supplier_id,amount,reason,approved_by,effective_at\n"
        try ws.write("adjustments-1.csv", header + "ADJ-1,SUP-B,-300.00,damaged stock,finance,2026-11-18T10:00:00+08:00\n")
        try ws.run("2026-11-18", config: config)
        var stored: [[SQLValue]] = []
        try ws.db.query("SELECT adjustment_id, supplier_id, amount, reason, approved_by, effective_at FROM adjustments") { row in
            stored.append((0..<6).map { row.value(Int32($0)) })
        }
        // 2026-11-18T10:00:00+08:00 is 1,794,967,200 s after the epoch.
        XCTAssertEqual(stored, [[.text("ADJ-1"), .text("SUP-B"), .int(-30_000), .text("damaged stock"), .text("finance"),
                                 .int(1_794_967_200 * 1_000_000_000)]])
        try ws.write("adjustments-2.csv", header + "ADJ-1,SUP-B,-300.00,damaged stock,finance,2026-11-18T02:00:00Z\n"
                     + "ADJ-1,SUP-B,-301.00,damaged stock,finance,2026-11-18T02:00:00Z\n")
        let (record, _) = try ws.run("2026-11-19", config: config)
        let outcome = try XCTUnwrap(record.inputs.first { $0.path.hasSuffix("adjustments-2.csv") })
        XCTAssertEqual([outcome.read, outcome.duplicate, outcome.quarantined], [2, 1, 1])
    }

    /// A payout row is stored as declared.
    func testAPayoutIsStagedFromTheDeclaration() throws {
        let ws = try Workspace()
        try ws.write("payouts-1.csv", """
            payout_id,sheet_id,amount,paid_at,bank_ref
            PO-1,SUP-A-ENT-BJ-CNY-20261101,1234.56,2026-12-05T09:30:00+08:00,BANK-77

            """)
        try ws.run("2026-12-05", config: try Fixture.config())
        var stored: [[SQLValue]] = []
        try ws.db.query("SELECT payout_id, sheet_id, amount, paid_at, bank_ref FROM payouts") { row in
            stored.append((0..<5).map { row.value(Int32($0)) })
        }
        // 2026-12-05T01:30:00Z is 1,796,434,200 s after the epoch.
        XCTAssertEqual(stored, [[.text("PO-1"), .text("SUP-A-ENT-BJ-CNY-20261101"), .int(123_456),
                                 .int(1_796_434_200 * 1_000_000_000), .text("BANK-77")]])
    }
}
