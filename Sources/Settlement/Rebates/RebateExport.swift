// RebateExport: the `rebates` export (SPEC §10): one row per movement on a buyer's rebate
// account, `--buyer` and `--period` (the rebate period id) as filters, sorted by every column
// from the left. (buyer_id, policy_id, period_id) is a movement's key, so sorting by the first
// four columns sorts by all; text compares in byte order (SQLite's BINARY collation).

import MallCore
import MallIO
import MallStore

enum RebateExport {
    static let columns = ["buyer_id", "policy_id", "kind", "period_id", "base", "amount", "funded_by"]

    static func append(db: Database, filter: ExportFilter, to buffer: inout [UInt8]) throws {
        var conditions: [String] = []
        var values: [SQLValue] = []
        if let buyer = filter.buyer { conditions.append("buyer_id = ?"); values.append(.text(buyer)) }
        if let period = filter.period { conditions.append("period_start = ?"); values.append(.text(period)) }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        CSVEncoder.appendRow(columns.map { .text($0) }, to: &buffer)
        try db.query("""
            SELECT buyer_id, policy_id, kind, period_start, base, amount, funded_by
            FROM rebate_movements \(whereClause) ORDER BY buyer_id, policy_id, kind, period_start
            """, values) { row in
            CSVEncoder.appendRow([.text(row.string("buyer_id")), .text(row.string("policy_id")), .text(row.string("kind")),
                                  .text(row.string("period_start")), .number(Money(fen: row.int("base")).description),
                                  .number(Money(fen: row.int("amount")).description), .text(row.string("funded_by"))],
                                 to: &buffer)
        }
    }
}
