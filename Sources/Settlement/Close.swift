// Close: period close with carry-forward (SPEC §6). One transaction; statements follow.

import MallCore
import MallIO
import MallStore

/// `close` refused: the nightly for DATE has not completed.
public struct CloseRefused: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// What a close did.
public struct CloseSummary: Sendable {
    public var closed: [String] = []
    public var carried: [(from: String, to: String, amount: Int64)] = []
}

public final class Closer {
    let db: Database
    let config: MallConfig

    public init(db: Database, config: MallConfig) {
        self.db = db
        self.config = config
    }

    /// The as-of date of the latest run that finished (exit 0 or 3), if any.
    public static func latestFinishedAsOf(_ db: Database) throws -> Day? {
        guard case .text(let text)? = try db.scalar("""
            SELECT as_of FROM runs WHERE command = 'run' AND exit_status IN (0, 3) ORDER BY run_seq DESC LIMIT 1
            """) else { return nil }
        return Day(parsing: text)
    }

    /// Closes, supplier by supplier and oldest first, every open sheet whose period ends on or
    /// before `through`. Refuses while the nightly for `through` has not completed.
    public func close(through: Day, supplierID: String?) throws -> CloseSummary {
        guard let latest = try Closer.latestFinishedAsOf(db) else {
            throw CloseRefused(message: "no nightly run has finished yet: run `mallsettle run --date \(through)` first")
        }
        guard through <= latest else {
            throw CloseRefused(message: "the nightly for \(through) has not completed (latest finished run is as of \(latest)); run `mallsettle run --date \(through)` first")
        }
        if let supplierID, config.supplierByID[supplierID] == nil {
            throw CloseRefused(message: "supplier '\(supplierID)' is not configured")
        }
        var summary = CloseSummary()
        try db.transaction {
            let sheets = try SheetBook(db: db, config: config)
            let writer = try FeeLineWriter(db: db, sheets: sheets)
            let suppliers = config.suppliers.filter { supplierID == nil || $0.id == supplierID }.sorted { $0.id < $1.id }
            for supplier in suppliers {
                while let due = try oldestDueSheet(supplier.id, through: through) {
                    try sheets.flush()
                    let net = try sheetNet(due.key)
                    if net < 0 {
                        let nextStart = due.end.adding(days: 1)
                        let next = try sheets.sheet(supplier, periodStarting: supplier.cycle.periodStart(containing: nextStart))
                        try writer.write(carryLine(sheetKey: due.key, date: due.end, amount: -net, source: due.key))
                        try writer.write(carryLine(sheetKey: next.key, date: nextStart, amount: net, source: due.key))
                        try writer.finish()
                        summary.carried.append((due.id, next.sheetID, net))
                        try sheets.flush()
                    }
                    let linesCSV = try StatementFiles.linesCSV(db, sheetKey: due.key)
                    try db.run("""
                        UPDATE sheets SET status = 'closed', closed_at = ?, statement_sha256 = ?, statement_pending = 1,
                            draft_pending = 0 WHERE sheet_key = ?
                        """, [.text(through.description), .text(SHA256.hex(of: linesCSV)), .int(due.key)])
                    sheets.markClosed(due.id)
                    summary.closed.append(due.id)
                }
            }
            try sheets.flush()
        }
        return summary
    }

    private func oldestDueSheet(_ supplierID: String, through: Day) throws -> (key: Int64, id: String, end: Day)? {
        var result: (Int64, String, Day)?
        try db.query("""
            SELECT sheet_key, sheet_id, period_end FROM sheets
            WHERE supplier_id = ? AND status = 'open' AND period_end <= ?
            ORDER BY period_start LIMIT 1
            """, [.text(supplierID), .text(through.description)]) { row in
            if let end = Day(parsing: row.string(2)) { result = (row.int(0), row.string(1), end) }
        }
        return result
    }

    private func sheetNet(_ sheetKey: Int64) throws -> Int64 {
        // Only the constant text of the sheet's fee-line subquery goes into the SQL; the sheet is bound.
        if case .int(let net)? = try db.scalar("SELECT coalesce(sum(amount), 0) FROM \(FeeLineExport.sheetFeeLines)", [.int(sheetKey)]) {
            return net
        }
        return 0
    }

    private func carryLine(sheetKey: Int64, date: Day, amount: Int64, source: Int64) -> FeeLine {
        FeeLine(sheetKey: sheetKey, postingDate: date, sourceType: .carry, sourceKey: source, lineKey: nil,
                code: .carryForward, amount: amount, lateFrom: nil, rule: .carryForward)
    }
}
