// BuyerStatementVerify: what `verify` checks of the buyer statements: every bill's lines (the
// usage and give-backs it bills) sum to its amount, every other usage and give-back waits for
// its bill, and a written statement's lines still hash as they did when it was written (like a
// closed sheet's, SPEC §9 "Supplier" and §12.6).

import MallCore
import MallStore

extension Verifier {
    static func buyerStatementsHold(_ db: Database, _ add: (Int, String) -> Void) throws {
        let money = { (fen: Int64) in Money(fen: fen).description }
        try db.query("""
            SELECT b.buyer_id AS buyer_id, b.bill_date AS bill_date, b.amount AS amount,
                   (SELECT coalesce(sum(CASE m.kind WHEN 1 THEN m.amount ELSE -m.amount END), 0)
                    FROM credit_bill_lines l JOIN credit_movements m ON m.kind = l.kind AND m.source_key = l.source_key
                    WHERE l.buyer_id = b.buyer_id AND l.bill_date = b.bill_date) AS billed
            FROM credit_bills b JOIN buyer_statements s
              ON s.kind = 2 AND s.buyer_id = b.buyer_id AND s.cycle = 0 AND s.period = b.bill_date
            WHERE s.pending = 1 OR s.lines_sha256 IS NOT NULL
            ORDER BY b.buyer_id, b.bill_date
            """) { row in
            let (amount, billed) = (row.int("amount"), row.int("billed"))
            guard amount != billed else { return }
            add(creditSection, "bill of \(row.string("buyer_id")) on \(row.string("bill_date")): its lines sum to \(money(billed)), the bill is \(money(amount))")
        }
        // Every usage and give-back of an account is on a bill or waits for one in
        // credit_unbilled, never both (migration 14).
        func movement(_ row: Statement) -> String {
            "\(row.int(1) == CreditEventKind.usage.rawValue ? "usage" : "give-back") row \(row.int(2)) of \(row.string(0))"
        }
        try db.query("""
            SELECT m.buyer_id, m.kind, m.source_key FROM credit_movements m
            WHERE m.has_account = 1 AND m.kind IN (1, 2)
              AND NOT EXISTS (SELECT 1 FROM credit_bill_lines l WHERE l.kind = m.kind AND l.source_key = m.source_key)
              AND NOT EXISTS (SELECT 1 FROM credit_unbilled u WHERE u.kind = m.kind AND u.source_key = m.source_key)
            ORDER BY m.buyer_id, m.kind, m.source_key
            """) { row in
            add(creditSection, "credit \(movement(row)): on no bill, and not waiting for one")
        }
        try db.query("""
            SELECT u.buyer_id, u.kind, u.source_key FROM credit_unbilled u
            WHERE EXISTS (SELECT 1 FROM credit_bill_lines l WHERE l.kind = u.kind AND l.source_key = u.source_key)
               OR NOT EXISTS (SELECT 1 FROM credit_movements m
                              WHERE m.kind = u.kind AND m.source_key = u.source_key AND m.has_account = 1
                                AND m.buyer_id = u.buyer_id AND m.movement_date = u.movement_date)
            ORDER BY u.buyer_id, u.kind, u.source_key
            """) { row in
            add(creditSection, "credit \(movement(row)): waits for a bill, but is on one already or is no such movement of an account")
        }
        var written: [(BuyerStatementStore.Due, String)] = []
        try db.query("""
            SELECT kind, buyer_id, cycle, period, lines_sha256 FROM buyer_statements
            WHERE pending = 0 AND lines_sha256 IS NOT NULL ORDER BY kind, buyer_id, cycle, period
            """) { row in
            guard let kind = BuyerStatementKind(rawValue: row.int("kind")) else { return }
            written.append((.init(kind: kind, buyerID: row.string("buyer_id"), cycle: row.int("cycle"), period: row.string("period")),
                            row.string("lines_sha256")))
        }
        for (statement, recorded) in written {
            let document = try BuyerStatementFiles.document(db, statement)
            if document.linesSHA256 != recorded {
                let what = statement.kind == .bill ? "bill statement" : "rebate statement"
                add(statement.kind == .bill ? creditSection : rebateSection,
                    "\(what) of \(statement.buyerID) for \(statement.period): its lines hash \(document.linesSHA256) now, \(recorded) when written")
            }
        }
    }
}
