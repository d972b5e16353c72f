// CreditExport: the `bills`, `credit` and `freezes` exports (SPEC §10): their columns, the
// `--buyer` and `--period` filters, rows sorted by every column from the left. Each table's
// key is its leftmost columns (buyer_id, then a date), so sorting by the key sorts by every
// column; text compares in byte order (SQLite's BINARY collation).

import MallCore
import MallIO
import MallStore

enum CreditExport {
    static let billColumns = ["buyer_id", "bill_date", "due_date", "amount", "prepaid_applied", "principal_paid",
                              "late_fees", "late_fees_paid", "on_time_discount", "unpaid"]
    static let creditColumns = ["buyer_id", "limit", "unbilled", "unpaid_principal", "prepaid", "available", "frozen"]
    static let freezeColumns = ["buyer_id", "frozen_from", "unfrozen_on"]

    /// Appends the export's header and rows to `buffer`. `--period ID` keeps the bills issued
    /// on ID (a bill's period is named by its bill date, as a sheet's by its start); the
    /// `credit` and `freezes` exports are not per period and take no `--period`
    /// (docs/decisions.md).
    static func append(_ kind: ExportKind, db: Database, filter: ExportFilter, to buffer: inout [UInt8]) throws {
        var conditions: [String] = []
        var values: [SQLValue] = []
        if let buyer = filter.buyer { conditions.append("buyer_id = ?"); values.append(.text(buyer)) }
        if kind == .bills, let period = filter.period { conditions.append("bill_date = ?"); values.append(.text(period)) }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let money = { (fen: Int64) -> CSVCell in .number(Money(fen: fen).description) }
        switch kind {
        case .bills:
            CSVEncoder.appendRow(billColumns.map { .text($0) }, to: &buffer)
            try db.query("""
                SELECT buyer_id, bill_date, due_date, amount, prepaid_applied, principal_paid, late_fees, late_fees_paid,
                       on_time_discount, amount - principal_paid + late_fees - late_fees_paid AS unpaid
                FROM credit_bills \(whereClause) ORDER BY buyer_id, bill_date
                """, values) { row in
                // The amount columns, amount through unpaid, are named as the export names them.
                CSVEncoder.appendRow([.text(row.string("buyer_id")), .text(row.string("bill_date")), .text(row.string("due_date"))]
                                     + billColumns.dropFirst(3).map { money(row.int($0)) }, to: &buffer)
            }
        case .credit:
            CSVEncoder.appendRow(creditColumns.map { .text($0) }, to: &buffer)
            try db.query("""
                SELECT s.buyer_id AS buyer_id, s.credit_limit AS credit_limit, s.unbilled AS unbilled,
                       coalesce((SELECT sum(b.amount - b.principal_paid) FROM credit_bills b WHERE b.buyer_id = s.buyer_id), 0)
                           AS unpaid_principal,
                       s.prepaid AS prepaid, s.frozen_from IS NOT NULL AS frozen
                FROM credit_accounts_state s \(whereClause.replacingOccurrences(of: "buyer_id", with: "s.buyer_id"))
                ORDER BY s.buyer_id
                """, values) { row in
                let limit = row.int("credit_limit"), unbilled = row.int("unbilled"), unpaid = row.int("unpaid_principal")
                let available = limit - unbilled - unpaid
                CSVEncoder.appendRow([.text(row.string("buyer_id")), money(limit), money(unbilled), money(unpaid),
                                      money(row.int("prepaid")), money(available), .number(String(row.int("frozen")))],
                                     to: &buffer)
            }
        case .freezes:
            CSVEncoder.appendRow(freezeColumns.map { .text($0) }, to: &buffer)
            try db.query("SELECT buyer_id, frozen_from, unfrozen_on FROM credit_freezes \(whereClause) ORDER BY buyer_id, frozen_from",
                         values) { row in
                CSVEncoder.appendRow([.text(row.string("buyer_id")), .text(row.string("frozen_from")),
                                      row.text("unfrozen_on").map { .text($0) } ?? .empty],
                                     to: &buffer)
            }
        default:
            preconditionFailure("\(kind) is not a credit export")
        }
    }
}
