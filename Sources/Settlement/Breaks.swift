// Breaks: differences that finance must look at (SPEC §9), listed from the run that finds
// them until a later row resolves them. This stage finds `orphan` breaks (SPEC §3.2): a
// refund whose order line has not arrived more than `orphan_window_days` business days
// after the run that first held it.

import MallCore
import MallIO
import MallStore

public enum Breaks {
    public static let columns = ["break_id", "kind", "channel", "reference", "expected", "found", "first_seen",
                                 "resolved_at", "detail"]

    /// Opens an `orphan` break for every held refund past the window; returns the new ones.
    static func openOrphans(_ db: Database, config: MallConfig, asOf: Day) throws -> [String] {
        struct Held { let reference: String; let amount: Int64; let heldSince: Day; let refundID: String; let orderID: String; let lineNo: Int64 }
        var held: [Held] = []
        try db.query("""
            SELECT refund_id, order_id, line_no, refund_goods + refund_freight AS amount, held_since FROM refunds
            WHERE state = 'unchecked' AND posted = 0 AND held_since IS NOT NULL  -- the refunds_open index
            ORDER BY refund_id, order_id, line_no
            """) { row in
            guard let since = Day(parsing: row.string("held_since")) else { return }
            let (refundID, orderID, lineNo) = (row.string("refund_id"), row.string("order_id"), row.int("line_no"))
            held.append(Held(reference: reference(refundID, orderID, lineNo), amount: row.int("amount"),
                             heldSince: since, refundID: refundID, orderID: orderID, lineNo: lineNo))
        }
        var opened: [String] = []
        for refund in held where asOf.ordinal - refund.heldSince.ordinal > config.orphanWindowDays {
            let inserted = try db.run("""
                INSERT OR IGNORE INTO breaks(kind, channel, reference, expected, found, first_seen, resolved_at, detail)
                VALUES ('orphan', '', ?, NULL, ?, ?, NULL, ?)
                """, [.text(refund.reference), .int(refund.amount), .text(asOf.description),
                      .text("refund \(refund.refundID) of order \(refund.orderID) line \(refund.lineNo), held since \(refund.heldSince): the order line has not arrived")])
            if inserted == 1 { opened.append("orphan \(refund.reference)") }
        }
        return opened
    }

    /// A held refund whose line arrived: its orphan break, if any, is resolved as of `asOf`.
    static func resolveOrphan(_ db: Database, refundID: String, orderID: String, lineNo: Int64, asOf: Day) throws {
        try db.run("UPDATE breaks SET resolved_at = ? WHERE kind = 'orphan' AND channel = '' AND reference = ? AND resolved_at IS NULL",
                   [.text(asOf.description), .text(reference(refundID, orderID, lineNo))])
    }

    static func reference(_ refundID: String, _ orderID: String, _ lineNo: Int64) -> String {
        "\(refundID)/\(orderID)/\(lineNo)"
    }

    /// The breaks as CSV rows in export order; `listedOn` keeps the breaks open on that date
    /// or resolved on it (what `reconciliation/{date}/breaks.csv` lists).
    static func csv(_ db: Database, listedOn: Day?) throws -> [UInt8] {
        var rows: [[CSVCell]] = []
        let filter = listedOn == nil ? "" : "WHERE resolved_at IS NULL OR resolved_at = ?"
        try db.query("""
            SELECT break_id, kind, channel, reference, expected, found, first_seen, resolved_at, detail FROM breaks
            \(filter) ORDER BY break_id
            """, listedOn.map { [.text($0.description)] } ?? []) { row in
            rows.append([
                .number(String(row.int("break_id"))), .text(row.string("kind")), .text(row.string("channel")),
                .text(row.string("reference")),
                row.optionalInt("expected").map { .number(Money(fen: $0).description) } ?? .empty,
                row.optionalInt("found").map { .number(Money(fen: $0).description) } ?? .empty,
                .text(row.string("first_seen")), row.text("resolved_at").map { .text($0) } ?? .empty, .text(row.string("detail")),
            ])
        }
        return CSVEncoder.document(header: columns, rows: rows)
    }
}
