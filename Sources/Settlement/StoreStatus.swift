// StoreStatus: what `status` shows — latest runs, sheets by status, rows still waiting.

import Foundation
import MallCore
import MallStore

public struct StoreStatus: Sendable {
    public struct RunLine: Sendable { let runID, command, asOf: String; let exit: Int64?; let finished: String? }
    public var runs: [RunLine] = []
    public var sheetsByStatus: [String: Int64] = [:]
    public var openSheets: [(String, String, Int64, Int64)] = []
    public var linesWaitingTrigger: Int64 = 0
    public var refundsWaitingTrigger: Int64 = 0
    public var orphanRefunds: [(String, String, Int64, String)] = []
    public var quarantinedTotal: Int64 = 0
    public var feeLines: Int64 = 0
    public var latestFinishedAsOf: String?
    /// Statements due and not yet written (a failed statements stage), as (sheet, kind).
    public var statementsWaiting: [(String, String)] = []
    /// Files rejected whole that no accepted file of the same name has followed: (file, reason).
    public var rejectedFiles: [(String, String)] = []
    /// The inbox files the latest run passed over: (name, why).
    public var passedOver: [(String, String)] = []
    /// The store's id (SPEC §11: what a reports folder records) and its schema version.
    public var storeID = ""
    public var schema = 0

    public static func read(_ db: Database) throws -> StoreStatus {
        var status = StoreStatus()
        status.storeID = try db.storeID() ?? ""
        status.schema = try db.schemaVersion()
        try db.query("SELECT run_id, command, as_of, exit_status, finished_at FROM runs ORDER BY run_seq DESC LIMIT 10") { row in
            status.runs.append(RunLine(runID: row.string("run_id"), command: row.string("command"), asOf: row.string("as_of"),
                                       exit: row.optionalInt("exit_status"), finished: row.text("finished_at")))
        }
        try db.query("SELECT status, count(*) AS sheet_count FROM sheets GROUP BY status") {
            status.sheetsByStatus[$0.string("status")] = $0.int("sheet_count")
        }
        try db.query("SELECT sheet_id, period_end, lines, net FROM sheets WHERE status = 'open' ORDER BY sheet_id") { row in
            status.openSheets.append((row.string("sheet_id"), row.string("period_end"), row.int("lines"), row.int("net")))
        }
        // Lines posting looked at and left waiting, and lines it has not looked at yet.
        if case .int(let n)? = try db.scalar("""
            SELECT (SELECT count(*) FROM pending_lines)
                 + (SELECT count(*) FROM order_lines WHERE id > (SELECT looked_through FROM posting_progress))
            """) { status.linesWaitingTrigger = n }
        if case .int(let n)? = try db.scalar("SELECT count(*) FROM refunds WHERE state = 'accepted' AND posted = 0") { status.refundsWaitingTrigger = n }
        try db.query("""
            SELECT refund_id, order_id, line_no, coalesce(held_since, '') AS held_since FROM refunds WHERE state = 'unchecked'
            ORDER BY refund_id, order_id, line_no
            """) { row in
            status.orphanRefunds.append((row.string("refund_id"), row.string("order_id"), row.int("line_no"), row.string("held_since")))
        }
        if case .int(let n)? = try db.scalar("SELECT count(*) FROM quarantine") { status.quarantinedTotal = n }
        // The line counts kept per sheet, which verify checks against the lines themselves:
        // counting the fee_lines view would unfold every forward row.
        if case .int(let n)? = try db.scalar("SELECT coalesce(sum(lines), 0) FROM sheets") { status.feeLines = n }
        status.latestFinishedAsOf = try Closer.latestFinishedAsOf(db)?.description
        try db.query("""
            SELECT sheet_id, CASE WHEN statement_pending = 1 THEN 'closing' ELSE 'draft' END AS kind FROM sheets
            WHERE statement_pending = 1 OR (draft_pending = 1 AND status = 'open') ORDER BY sheet_id
            """) { status.statementsWaiting.append(($0.string("sheet_id"), $0.string("kind"))) }
        status.rejectedFiles = try StoreStatus.rejectedFiles(db)
        try db.query("""
            SELECT name, reason FROM inbox_passed_over
            WHERE run_seq = (SELECT max(run_seq) FROM runs WHERE command = 'run') ORDER BY name
            """) { status.passedOver.append(($0.string("name"), $0.string("reason"))) }
        return status
    }

    /// Files rejected whole (corrupt gzip, not UTF-8, a missing or repeated column) that no
    /// accepted file of the same name has followed, with the reason: feeds still missing.
    public static func rejectedFiles(_ db: Database) throws -> [(String, String)] {
        var files: [(String, String)] = []
        try db.query("""
            SELECT r.name, coalesce((SELECT q.reason FROM quarantine q WHERE q.run_seq = r.run_seq AND q.file = r.name
                                     AND q.line = 0 ORDER BY q.id LIMIT 1), 'rejected') AS reason
            FROM feed_files r
            WHERE r.status = 'rejected'
              AND NOT EXISTS (SELECT 1 FROM feed_files a WHERE a.name = r.name AND a.status = 'ingested' AND a.file_id > r.file_id)
            ORDER BY r.file_id
            """) { files.append(($0.string("name"), $0.string("reason"))) }
        return files
    }

    public func text() -> String {
        var lines: [String] = []
        lines.append("store id: \(storeID) (schema \(schema))")
        lines.append("latest finished nightly: as of \(latestFinishedAsOf ?? "none yet")")
        lines.append("sheets: " + ["open", "closed", "paid"].map { "\(sheetsByStatus[$0] ?? 0) \($0)" }.joined(separator: ", "))
        lines.append("fee lines: \(feeLines); quarantined rows (all runs): \(quarantinedTotal)")
        lines.append("order lines waiting for their trigger: \(linesWaitingTrigger); refunds waiting for their line's trigger: \(refundsWaitingTrigger)")
        lines.append("orphan refunds (line not yet received): \(orphanRefunds.count)")
        if !rejectedFiles.isEmpty {
            lines.append("files rejected whole and not delivered again: \(rejectedFiles.count)")
            for (file, reason) in rejectedFiles.prefix(20) { lines.append("  \(file): \(reason)") }
        }
        if !passedOver.isEmpty {
            lines.append("inbox files the latest run passed over: \(passedOver.count)")
            for (name, why) in passedOver.prefix(20) { lines.append("  \(name): \(why)") }
        }
        if !statementsWaiting.isEmpty {
            lines.append("statements waiting to be written (the next run or close writes them): \(statementsWaiting.count)")
            for (sheet, kind) in statementsWaiting.prefix(20) { lines.append("  \(sheet)  \(kind)") }
        }
        for orphan in orphanRefunds.prefix(20) {
            lines.append("  \(orphan.0) for \(orphan.1) line \(orphan.2), held since \(orphan.3)")
        }
        if !openSheets.isEmpty {
            lines.append("open sheets:")
            for sheet in openSheets { lines.append("  \(sheet.0)  ends \(sheet.1)  \(sheet.2) lines  net \(Money(fen: sheet.3))") }
        }
        lines.append("recent commands:")
        for run in runs {
            let outcome = run.exit.map { "exit \($0)" } ?? (run.finished == nil ? "did not finish" : "running")
            lines.append("  \(run.runID)  \(run.command)  as of \(run.asOf)  \(outcome)")
        }
        return lines.joined(separator: "\n")
    }

    public func json() -> String {
        let object: [String: Any] = [
            "store_id": storeID,
            "schema": schema,
            "latest_finished_as_of": latestFinishedAsOf ?? NSNull(),
            "sheets": sheetsByStatus.mapValues { Int($0) },
            "fee_lines": Int(feeLines),
            "quarantined_rows": Int(quarantinedTotal),
            "order_lines_waiting": Int(linesWaitingTrigger),
            "refunds_waiting": Int(refundsWaitingTrigger),
            "rejected_files": rejectedFiles.map { ["file": $0.0, "reason": $0.1] },
            "inbox_passed_over": passedOver.map { ["name": $0.0, "why": $0.1] },
            "statements_waiting": statementsWaiting.map { ["sheet_id": $0.0, "kind": $0.1] },
            "orphan_refunds": orphanRefunds.map { ["refund_id": $0.0, "order_id": $0.1, "line_no": Int($0.2), "held_since": $0.3] },
            "open_sheets": openSheets.map { ["sheet_id": $0.0, "period_end": $0.1, "lines": Int($0.2), "net": Money(fen: $0.3).description] },
            "runs": runs.map { ["run_id": $0.runID, "command": $0.command, "as_of": $0.asOf, "exit_status": $0.exit.map { Int($0) } as Any? ?? NSNull()] },
        ]
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
