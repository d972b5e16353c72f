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
public struct CloseSummary {
    public var closed: [String] = []
    public var carried: [(from: String, to: String, amount: Int64)] = []
    /// The rebate periods settled first (SPEC §7; none with `--supplier`).
    public var rebates = RebateSettleSummary()
    /// The closing statements, written and sealed inside the close's transaction: the
    /// statements stage renames them into place.
    var prepared: [PreparedStatement] = []
}

public final class Closer {
    let db: Database
    let config: MallConfig
    let progress: ProgressLog?

    public init(db: Database, config: MallConfig, progress: ProgressLog? = nil) {
        self.db = db
        self.config = config
        self.progress = progress
    }

    /// The as-of date of the latest run that finished (exit 0 or 3), if any.
    public static func latestFinishedAsOf(_ db: Database) throws -> Day? {
        guard case .text(let text)? = try db.scalar("""
            SELECT as_of FROM runs WHERE command = 'run' AND exit_status IN (0, 3) ORDER BY run_seq DESC LIMIT 1
            """) else { return nil }
        return Day(parsing: text)
    }

    /// Closes, supplier by supplier and oldest first, every open sheet whose period ends on or
    /// before `through`, and writes each one's statement under `reportsDir` (sealed, shown by
    /// the statements stage once the close has committed): the SHA-256 recorded for a sheet is
    /// that of the lines.csv written from it, in one read of its lines. Refuses while the
    /// nightly for `through` has not completed.
    public func close(through: Day, supplierID: String?, reportsDir: String) throws -> CloseSummary {
        guard let latest = try Closer.latestFinishedAsOf(db) else {
            throw CloseRefused(message: "no nightly run has finished yet: run `mallsettle run --date \(through)` first")
        }
        guard through <= latest else {
            throw CloseRefused(message: "the nightly for \(through) has not completed (latest finished run is as of \(latest)); run `mallsettle run --date \(through)` first")
        }
        if let supplierID, config.supplierByID[supplierID] == nil {
            throw CloseRefused(message: "supplier '\(supplierID)' is not configured")
        }
        // Whatever earlier commands left unwritten (a night's store pages, its drafts) starts
        // going to disk now, while the statements are made: the sync before the statements'
        // flags are cleared then waits for little more than the statements themselves.
        AtomicFile.startSyncInBackground()
        var summary = CloseSummary()
        if supplierID == nil {
            // Rebate periods settle before any sheet closes, in a transaction of their own:
            // settling is idempotent, so a close stopped between the two ends the same re-run.
            FaultPoint.reach("settle.before")
            summary.rebates = try RebateSettler(db: db, config: config).settle(through: through, asOf: latest)
            FaultPoint.reach("settle.after")
        }
        do {
            try closeSheets(through: through, supplierID: supplierID, reportsDir: reportsDir, into: &summary)
        } catch {
            for statement in summary.prepared { statement.abandon() }
            throw error
        }
        return summary
    }

    private func closeSheets(through: Day, supplierID: String?, reportsDir: String, into summary: inout CloseSummary) throws {
        let statements = ClosingStatements(config: config, progress: progress)
        do {
            try db.transaction {
                let closed = try closeDueSheets(through: through, supplierID: supplierID, into: &summary)
                progress?.note("closed \(closed.count) sheets; writing their statements")
                try statements.write(db, headers: closed, reportsDir: reportsDir)
                // Each statement's hash is recorded in the same transaction that closes its sheet.
                summary.prepared = try statements.finish()
                for statement in summary.prepared {
                    try db.run("UPDATE sheets SET statement_sha256 = ? WHERE sheet_key = ?",
                               [.text(statement.linesSHA256), .int(statement.sheetKey)])
                }
            }
        } catch {
            statements.abandon()
            throw error
        }
    }

    /// Closes the due sheets, with their carry-forwards; returns their headers as closed
    /// (every line of a sheet is there once it is closed: a carry-forward goes to the next).
    private func closeDueSheets(through: Day, supplierID: String?, into summary: inout CloseSummary) throws -> [SheetHeader] {
        var closed: [SheetHeader] = []
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
                try db.run("""
                    UPDATE sheets SET status = 'closed', closed_at = ?, statement_pending = 1, draft_pending = 0
                    WHERE sheet_key = ?
                    """, [.text(through.description), .int(due.key)])
                closed.append(try closedHeader(due.key))
                sheets.markClosed(due.id)
                summary.closed.append(due.id)
            }
        }
        try sheets.flush()
        return closed
    }

    /// The header of a sheet just marked closed, as its statement shows it.
    private func closedHeader(_ sheetKey: Int64) throws -> SheetHeader {
        var header: SheetHeader?
        try db.query("SELECT \(StatementFiles.headerColumns) FROM sheets WHERE sheet_key = ?",
                     [.int(sheetKey)]) { header = StatementFiles.header($0) }
        guard let header else { preconditionFailure("the sheet being closed exists") }
        return header
    }

    private func oldestDueSheet(_ supplierID: String, through: Day) throws -> (key: Int64, id: String, end: Day)? {
        var result: (Int64, String, Day)?
        try db.query("""
            SELECT sheet_key, sheet_id, period_end FROM sheets
            WHERE supplier_id = ? AND status = 'open' AND period_end <= ?
            ORDER BY period_start LIMIT 1
            """, [.text(supplierID), .text(through.description)]) { row in
            if let end = Day(parsing: row.string("period_end")) { result = (row.int("sheet_key"), row.string("sheet_id"), end) }
        }
        return result
    }

    /// The sheet's net as the store keeps it with its lines (`verify` checks that it is the
    /// sum of them): a sheet of millions of lines is not summed again to close it.
    private func sheetNet(_ sheetKey: Int64) throws -> Int64 {
        if case .int(let net)? = try db.scalar("SELECT net FROM sheets WHERE sheet_key = ?", [.int(sheetKey)]) {
            return net
        }
        return 0
    }

    private func carryLine(sheetKey: Int64, date: Day, amount: Int64, source: Int64) -> FeeLine {
        FeeLine(sheetKey: sheetKey, postingDate: date, sourceType: .carry, sourceKey: source, lineKey: nil,
                code: .carryForward, amount: amount, lateFrom: nil, rule: .carryForward)
    }
}
