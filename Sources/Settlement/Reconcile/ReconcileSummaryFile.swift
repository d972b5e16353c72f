// ReconcileSummaryFile: `reconciliation/{date}/summary.csv`, the channel items per channel and
// business day by outcome (SPEC §9, §10), read from the counts the reconciler keeps.

import MallIO
import MallStore

enum ReconcileSummaryFile {
    static let columns = ["date", "channel", "matched", "pending"] + ChannelOutcome.breakKinds.map(\.rawValue)

    /// One row per channel and day with at least one item, by date then channel; a break
    /// counts under its kind while it is open (a resolved one counts under its new outcome).
    static func csv(_ db: Database) throws -> [UInt8] {
        let outcomes: [ChannelOutcome] = [.matched, .pending] + ChannelOutcome.breakKinds
        let sums = outcomes.map { "sum(CASE outcome WHEN '\($0.rawValue)' THEN items ELSE 0 END) AS \"\($0.rawValue)\"" }
            .joined(separator: ", ")
        var rows: [[CSVCell]] = []
        // Only the constant outcome codes above go into the SQL text.
        try db.query("""
            SELECT day, channel, \(sums) FROM recon_day_counts GROUP BY day, channel HAVING sum(items) > 0
            ORDER BY day, channel
            """) { row in
            rows.append([.text(row.string("day")), .text(row.string("channel"))]
                        + outcomes.map { .number(String(row.int($0.rawValue))) })
        }
        return CSVEncoder.document(header: columns, rows: rows)
    }
}
