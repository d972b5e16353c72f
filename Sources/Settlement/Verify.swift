// Verify: the invariants of SPEC §12, items 3–8, checked on the store.

import MallCore
import MallIO
import MallStore

/// One broken invariant, said plainly.
public struct Violation: Sendable, CustomStringConvertible {
    public let invariant: Int
    public let message: String
    public var description: String {
        switch invariant {
        case Verifier.creditSection: return "§8: \(message)"
        case Verifier.rebateSection: return "§7: \(message)"
        default: return "§12.\(invariant): \(message)"
        }
    }
}

public enum Verifier {
    /// Every violation found; empty when all holds. `limit` caps the list per invariant.
    public static func verify(_ db: Database, limitPerCheck: Int = 20) throws -> [Violation] {
        var found: [Violation] = []
        func add(_ invariant: Int, _ message: String) {
            if found.filter({ $0.invariant == invariant }).count < limitPerCheck {
                found.append(Violation(invariant: invariant, message: message))
            }
        }
        let integrity = try db.integrityCheck()
        if integrity != "ok" { add(2, "the store file is damaged: \(integrity)") }
        try everyRowAccountedFor(db, add)
        try tendersBalance(db, add)
        try fullRefundsNetToZero(db, add)
        try sheetNetsAreTheirLines(db, add)
        try sheetTotalsAreTheirLines(db, add)
        try forwardRowsListedOnce(db, add)
        try closedSheetsUnchanged(db, add)
        try carryForwardNetsToZero(db, add)
        try linesBelongToTheSheetsSupplier(db, add)
        try conservationAndTrace(db, add)
        try creditLinesAddUp(db, add)
        try ReconcileChecks.verify(db, add)
        try rebatesAddUp(db, add)
        try buyerStatementsHold(db, add)
        return found
    }

    /// 3. Nothing vanishes: rows read = accepted + duplicate + quarantined, per file, and the
    /// store holds exactly the accepted rows and the quarantine entries counted.
    private static func everyRowAccountedFor(_ db: Database, _ add: (Int, String) -> Void) throws {
        try db.query("""
            WITH stored(file_id, n) AS (
                SELECT source_file, count(*) FROM order_lines GROUP BY source_file
                UNION ALL SELECT source_file, count(*) FROM refunds GROUP BY source_file
                UNION ALL SELECT source_file, count(*) FROM adjustments GROUP BY source_file
                UNION ALL SELECT source_file, count(*) FROM payments GROUP BY source_file
                UNION ALL SELECT source_file, count(*) FROM repayments GROUP BY source_file
                UNION ALL SELECT source_file, count(*) FROM payouts GROUP BY source_file),
            totals(file_id, n) AS (SELECT file_id, sum(n) FROM stored GROUP BY file_id),
            quarantined(file_id, n) AS (SELECT file_id, count(*) FROM quarantine GROUP BY file_id)
            SELECT f.name, f.sha256, f.rows_read, f.accepted, f.duplicate, f.quarantined,
                   coalesce(q.n, 0) AS quarantine_entries, coalesce(t.n, 0) AS rows_stored, f.status
            FROM feed_files f LEFT JOIN totals t ON t.file_id = f.file_id LEFT JOIN quarantined q ON q.file_id = f.file_id
            ORDER BY f.name, f.sha256
            """) { row in
            let name = row.string("name")
            let (read, accepted) = (row.int("rows_read"), row.int("accepted"))
            let (duplicate, quarantined) = (row.int("duplicate"), row.int("quarantined"))
            let (entries, stored) = (row.int("quarantine_entries"), row.int("rows_stored"))
            let rejected = row.string("status") == "rejected"
            if !rejected && read != accepted + duplicate + quarantined {
                add(3, "\(name): \(read) rows read but \(accepted) accepted + \(duplicate) duplicate + \(quarantined) quarantined")
            }
            if entries != quarantined {
                add(3, "\(name): \(quarantined) rows counted as quarantined but \(entries) quarantine entries stored")
            }
            // Completion updates change a stored row of an earlier file and count as accepted here.
            if stored > accepted {
                add(3, "\(name): \(stored) rows stored but only \(accepted) accepted")
            }
        }
    }

    /// 4. Tender balance, and no tender refunded beyond what was paid.
    private static func tendersBalance(_ db: Database, _ add: (Int, String) -> Void) throws {
        try db.query("""
            SELECT order_id, line_no, quantity * unit_price - discount_platform - discount_supplier AS priced_goods, goods,
                   freight, paid_points + paid_credit + paid_cash AS tenders
            FROM order_lines
            WHERE goods != quantity * unit_price - discount_platform - discount_supplier
               OR paid_points + paid_credit + paid_cash != goods + freight
            """) { row in
            add(4, "order \(row.string("order_id")) line \(row.int("line_no")): tenders \(Money(fen: row.int("tenders"))) ≠ goods \(Money(fen: row.int("goods"))) + freight \(Money(fen: row.int("freight")))")
        }
        try db.query("""
            SELECT o.order_id, o.line_no,
                   sum(r.quantity) > o.quantity, sum(r.refund_goods) > o.goods, sum(r.refund_freight) > o.freight,
                   sum(r.refund_points) > o.paid_points, sum(r.refund_credit) > o.paid_credit,
                   sum(r.refund_cash) > o.paid_cash
            FROM refunds r JOIN order_lines o ON o.order_id = r.order_id AND o.line_no = r.line_no
            WHERE r.state = 'accepted'
            GROUP BY o.id
            HAVING sum(r.quantity) > o.quantity OR sum(r.refund_goods) > o.goods OR sum(r.refund_freight) > o.freight
                OR sum(r.refund_points) > o.paid_points OR sum(r.refund_credit) > o.paid_credit
                OR sum(r.refund_cash) > o.paid_cash
            """) { row in
            add(4, "order \(row.string("order_id")) line \(row.int("line_no")): accepted refunds exceed what was paid")
        }
    }

    /// 5. A line refunded to a share of 1 nets every cumulative-difference code to 0.
    private static func fullRefundsNetToZero(_ db: Database, _ add: (Int, String) -> Void) throws {
        try db.query("""
            SELECT o.order_id, o.line_no, \(FeeCode.sqlName("f.fee_code")) AS code, sum(f.amount) AS net,
                   lr.pst_goods = o.goods AND o.goods > 0 AS goods_refunded, lr.pst_quantity = o.quantity AS quantity_refunded,
                   lr.pst_cash = o.paid_cash AND o.paid_cash > 0 AND fa.payment_fee_reversible = 1 AS cash_refunded, o.goods
            FROM order_lines o JOIN line_refunds lr ON lr.line_id = o.id
            JOIN forward_fees fa ON fa.line_id = o.id JOIN fee_lines f ON f.line_key = o.id
            WHERE f.source_type IN (\(SourceType.order.rawValue), \(SourceType.refund.rawValue))
              AND (lr.pst_goods = o.goods OR lr.pst_quantity = o.quantity OR (lr.pst_cash = o.paid_cash AND o.paid_cash > 0))
              AND f.fee_code IN (\([FeeCode.platformSubsidy, .commission, .paymentFee].map { String($0.storeCode) }.joined(separator: ", ")))
            GROUP BY o.id, f.fee_code
            HAVING sum(f.amount) != 0
            """) { row in
            let code = row.string("code")
            let sFull = row.int("goods") > 0 ? row.int("goods_refunded") == 1 : row.int("quantity_refunded") == 1
            let whole: Bool
            switch code {
            case "PLATFORM_SUBSIDY", "COMMISSION": whole = sFull
            case "PAYMENT_FEE": whole = row.int("cash_refunded") == 1
            default: whole = false // q-reversed codes reverse only for some refund types
            }
            if whole {
                add(5, "order \(row.string("order_id")) line \(row.int("line_no")) is fully refunded but \(code) nets \(Money(fen: row.int("net")))")
            }
        }
    }

    /// 6. A sheet's net is the sum of its lines; a closed sheet still matches its statement.
    private static func sheetNetsAreTheirLines(_ db: Database, _ add: (Int, String) -> Void) throws {
        try db.query("""
            WITH actual AS (SELECT sheet_key, sum(amount) AS amount, count(*) AS lines FROM fee_lines GROUP BY sheet_key)
            SELECT s.sheet_id, s.net, s.lines, coalesce(a.amount, 0) AS lines_net, coalesce(a.lines, 0) AS lines_count, s.status,
                   s.statement_sha256
            FROM sheets s LEFT JOIN actual a ON a.sheet_key = s.sheet_key
            ORDER BY s.sheet_id
            """) { row in
            let (sheetID, net, lines) = (row.string("sheet_id"), row.int("net"), row.int("lines"))
            let (linesNet, linesCount) = (row.int("lines_net"), row.int("lines_count"))
            if net != linesNet || lines != linesCount {
                add(6, "sheet \(sheetID): recorded net \(Money(fen: net)) over \(lines) lines, but its lines sum to \(Money(fen: linesNet)) over \(linesCount)")
            }
            if row.string("status") != "open" && net < 0 {
                add(6, "sheet \(sheetID) closed with a negative net \(Money(fen: net))")
            }
        }
    }

    /// 6. The fee-code totals kept for statements agree with the lines.
    private static func sheetTotalsAreTheirLines(_ db: Database, _ add: (Int, String) -> Void) throws {
        try db.query("""
            WITH actual AS (SELECT sheet_key, fee_code, count(*) AS lines, sum(amount) AS amount
                            FROM fee_lines GROUP BY sheet_key, fee_code)
            SELECT s.sheet_id, coalesce(a.fee_code, t.fee_code) AS fee_code, coalesce(a.lines, 0) AS lines,
                   coalesce(a.amount, 0) AS amount, coalesce(t.lines, 0) AS total_lines, coalesce(t.amount, 0) AS total_amount
            FROM actual a FULL OUTER JOIN sheet_totals t ON t.sheet_key = a.sheet_key AND t.fee_code = a.fee_code
            JOIN sheets s ON s.sheet_key = coalesce(a.sheet_key, t.sheet_key)
            WHERE coalesce(a.lines, 0) != coalesce(t.lines, 0) OR coalesce(a.amount, 0) != coalesce(t.amount, 0)
            """) { row in
            let code = FeeCode(storeCode: row.int("fee_code"))?.rawValue ?? "code \(row.int("fee_code"))"
            add(6, "sheet \(row.string("sheet_id")) \(code): statement totals say \(row.int("total_lines")) lines \(Money(fen: row.int("total_amount"))), the lines are \(row.int("lines")) \(Money(fen: row.int("amount")))")
        }
    }

    /// 6. Statements and close find a sheet's forward rows through forward_sheet_lines: every
    /// forward row is listed there exactly once, under its own sheet.
    private static func forwardRowsListedOnce(_ db: Database, _ add: (Int, String) -> Void) throws {
        try db.query("""
            WITH listed(line_id, sheet_key) AS (
                SELECT j.value, l.sheet_key FROM forward_sheet_lines l, json_each(l.line_ids) j)
            SELECT (SELECT count(*) FROM forward_fees) AS forward_rows, (SELECT count(*) FROM listed) AS listed_rows,
                   (SELECT count(DISTINCT line_id) FROM listed) AS distinct_rows,
                   (SELECT count(*) FROM listed x LEFT JOIN forward_fees f ON f.line_id = x.line_id
                    WHERE f.sheet_key IS NOT x.sheet_key) AS elsewhere_rows
            """) { row in
            let (rows, listed) = (row.int("forward_rows"), row.int("listed_rows"))
            let (distinct, elsewhere) = (row.int("distinct_rows"), row.int("elsewhere_rows"))
            if rows != distinct || listed != distinct || elsewhere != 0 {
                add(6, "forward lines listed by sheet do not match the forward lines: \(rows) forward rows, \(listed) listed (\(distinct) distinct), \(elsewhere) listed under a sheet that is not theirs")
            }
        }
    }

    /// 6. A closed sheet's lines still hash to what its statement recorded.
    private static func closedSheetsUnchanged(_ db: Database, _ add: (Int, String) -> Void) throws {
        var closed: [(String, String, Int64, String)] = []
        try db.query("""
            SELECT sheet_id, coalesce(statement_sha256, '') AS statement_sha256, sheet_key, supplier_id FROM sheets
            WHERE status != 'open' ORDER BY sheet_id
            """) {
            closed.append(($0.string("sheet_id"), $0.string("statement_sha256"), $0.int("sheet_key"), $0.string("supplier_id")))
        }
        for (sheetID, recorded, sheetKey, supplierID) in closed {
            let actual = try ClosingStatements.linesSHA256(db, sheetKey: sheetKey, sheetID: sheetID, supplierID: supplierID)
            if actual != recorded {
                add(6, "closed sheet \(sheetID) changed after closing: its lines hash to \(actual), the statement says \(recorded)")
            }
        }
    }

    /// 7. Carry-forward lines sum to 0.
    private static func carryForwardNetsToZero(_ db: Database, _ add: (Int, String) -> Void) throws {
        if case .int(let carried)? = try db.scalar("SELECT coalesce(sum(amount), 0) FROM fee_lines WHERE fee_code = ?", [.int(FeeCode.carryForward.storeCode)]),
           carried != 0 {
            add(7, "carry-forward lines sum to \(Money(fen: carried)), not 0.00")
        }
    }

    /// 8. A statement lists one supplier's lines only: the row each line comes from belongs
    /// to the sheet's supplier; and every fee line belongs to a sheet.
    private static func linesBelongToTheSheetsSupplier(_ db: Database, _ add: (Int, String) -> Void) throws {
        try db.query("""
            SELECT s.sheet_id, s.supplier_id, coalesce(o.supplier_id, a.supplier_id, c.supplier_id) AS line_supplier_id
            FROM fee_lines f JOIN sheets s ON s.sheet_key = f.sheet_key
            LEFT JOIN order_lines o ON o.id = f.line_key
            LEFT JOIN adjustments a ON f.source_type = \(SourceType.adjustment.rawValue) AND a.id = f.source_key
            LEFT JOIN sheets c ON f.source_type = \(SourceType.carry.rawValue) AND c.sheet_key = f.source_key
            WHERE coalesce(o.supplier_id, a.supplier_id, c.supplier_id) IS NOT s.supplier_id
              AND f.source_type != \(SourceType.rebate.rawValue)
            LIMIT 100
            """) { row in
            add(8, "sheet \(row.string("sheet_id")) of \(row.string("supplier_id")) holds a line of \(row.text("line_supplier_id") ?? "no known supplier")")
        }
        try db.query("SELECT count(*) AS orphans FROM fee_lines f LEFT JOIN sheets s ON s.sheet_key = f.sheet_key WHERE s.sheet_key IS NULL") { row in
            if row.int("orphans") > 0 { add(8, "\(row.int("orphans")) fee lines belong to no sheet") }
        }
    }
}
