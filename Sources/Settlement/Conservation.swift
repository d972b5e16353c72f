// Conservation: money neither appears nor vanishes between the feeds and the store. Over the
// accepted order lines and refunds, exact to the fen:
//   tenders paid − tenders refunded = goods + freight − refunded goods − refunded freight.
// Every run checks it over the rows it stored (inside the posting transaction: a break fails
// the run and keeps nothing of it); `verify` checks it over the whole store, together with
// every fee line tracing back to the one row it comes from.

import MallCore
import MallStore

struct Conservation: Equatable {
    var tendersPaid: Int64 = 0
    var charged: Int64 = 0
    var tendersRefunded: Int64 = 0
    var refunded: Int64 = 0

    var holds: Bool { tendersPaid - tendersRefunded == charged - refunded }

    /// The totals over order lines with `id > linesAfter` and accepted refunds with
    /// `id > refundsAfter` (0 and 0: the whole store). Both ranges are primary-key ranges, so
    /// a night's check reads only that night's rows.
    static func totals(_ db: Database, linesAfter: Int64 = 0, refundsAfter: Int64 = 0) throws -> Conservation {
        try totals(db, lines: orderLineTotals(db, linesAfter: linesAfter), refundsAfter: refundsAfter)
    }

    /// `lines` (from `orderLineTotals`) with the accepted refunds with `id > refundsAfter`.
    static func totals(_ db: Database, lines: Conservation, refundsAfter: Int64) throws -> Conservation {
        var c = lines
        try db.query("""
            SELECT coalesce(sum(refund_points + refund_credit + refund_cash), 0) AS tenders_refunded,
                   coalesce(sum(refund_goods + refund_freight), 0) AS refunded
            FROM refunds WHERE id > ? AND state = 'accepted'
            """, [.int(refundsAfter)]) { row in
            c.tendersRefunded = row.int("tenders_refunded")
            c.refunded = row.int("refunded")
        }
        return c
    }

    /// The order-line half of the totals: tenders paid and goods and freight charged.
    static func orderLineTotals(_ db: Database, linesAfter: Int64) throws -> Conservation {
        var c = Conservation()
        try db.query("""
            SELECT coalesce(sum(paid_points + paid_credit + paid_cash), 0) AS tenders_paid, coalesce(sum(goods + freight), 0) AS charged
            FROM order_lines WHERE id > ?
            """, [.int(linesAfter)]) { row in
            c.tendersPaid = row.int("tenders_paid")
            c.charged = row.int("charged")
        }
        return c
    }

    /// `orderLineTotals` read on a thread and a read-only connection of their own, while the
    /// caller posts: posting writes no order line, so what that connection sees (the store
    /// as last committed) is what the posting transaction holds.
    static func orderLineTotalsAhead(storePath: String, linesAfter: Int64) -> Handoff<Conservation, any Error> {
        Handoff<Conservation, any Error>(batchItems: 1, batchesInFlightMax: 1) { emit in
            let reader = try Database(path: storePath, readOnly: true)
            _ = emit(try orderLineTotals(reader, linesAfter: linesAfter))
        }
    }

    /// The highest row ids now, to check later only what comes after.
    static func marks(_ db: Database) throws -> (lines: Int64, refunds: Int64) {
        var marks: (Int64, Int64) = (0, 0)
        try db.query("""
            SELECT (SELECT coalesce(max(id), 0) FROM order_lines) AS lines, (SELECT coalesce(max(id), 0) FROM refunds) AS refunds
            """) { row in
            marks = (row.int("lines"), row.int("refunds"))
        }
        return marks
    }

    var explanation: String {
        "tenders paid \(Money(fen: tendersPaid)) − refunded \(Money(fen: tendersRefunded)) = \(Money(fen: tendersPaid - tendersRefunded)), "
            + "but goods and freight \(Money(fen: charged)) − refunded \(Money(fen: refunded)) = \(Money(fen: charged - refunded))"
    }
}

/// A run stored rows that do not conserve money: the run fails and keeps nothing of posting.
struct ConservationError: Error, CustomStringConvertible {
    let totals: Conservation
    var description: String { "money is not conserved over this run's rows: \(totals.explanation)" }
}

extension Verifier {
    /// Conservation over the whole store, and every fee line traced to its source row.
    static func conservationAndTrace(_ db: Database, _ add: (Int, String) -> Void) throws {
        let totals = try Conservation.totals(db)
        if !totals.holds { add(4, "money is not conserved over all accepted rows: \(totals.explanation)") }
        try db.query("""
            SELECT r.refund_id, r.order_id, r.line_no, r.refund_points + r.refund_credit + r.refund_cash AS tenders,
                   r.refund_goods + r.refund_freight AS charged
            FROM refunds r
            WHERE r.state = 'accepted' AND r.refund_points + r.refund_credit + r.refund_cash != r.refund_goods + r.refund_freight
            LIMIT 100
            """) { row in
            add(4, "refund \(row.string("refund_id")) of order \(row.string("order_id")) line \(row.int("line_no")): tenders \(Money(fen: row.int("tenders"))) ≠ goods + freight \(Money(fen: row.int("charged")))")
        }
        // Each fee line comes from exactly one source row of its kind, and order and refund
        // lines name the order line they are about.
        try db.query("""
            SELECT f.id, f.source_type,
                   CASE f.source_type
                     WHEN \(SourceType.order.rawValue) THEN (SELECT count(*) FROM order_lines o WHERE o.id = f.line_key)
                     WHEN \(SourceType.refund.rawValue) THEN (SELECT count(*) FROM refunds r WHERE r.id = f.source_key AND r.state = 'accepted')
                                                      * (SELECT count(*) FROM order_lines o WHERE o.id = f.line_key)
                     WHEN \(SourceType.adjustment.rawValue) THEN (SELECT count(*) FROM adjustments a WHERE a.id = f.source_key)
                     WHEN \(SourceType.carry.rawValue) THEN (SELECT count(*) FROM sheets c WHERE c.sheet_key = f.source_key)
                     ELSE 1 END AS found
            FROM fee_lines f
            WHERE found != 1
            LIMIT 100
            """) { row in
            add(3, "fee line \(row.int("id")) (source type \(row.int("source_type"))) does not trace to exactly one source row")
        }
    }
}
