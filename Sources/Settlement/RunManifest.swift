// RunManifest: `runs/{run_id}.json` and `quarantine/{run_id}.csv` (SPEC §10).

import Foundation
import MallIO

/// The program's version, as `mallsettle --version` prints it and manifests record it.
public enum MallSettleVersion {
    public static let current = "0.7.0"
}

/// The manifest a scheduler reads: what the command was, when it ran, what it read (new files
/// in full, files already known counted), what it did, and the exit status it returned.
enum RunManifest {
    static func write(_ record: RunRecord, status: ExitStatus, reportsDir: String) throws {
        AtomicFile.removeLeftovers(in: "\(reportsDir)/runs")
        AtomicFile.removeLeftovers(in: "\(reportsDir)/quarantine")
        let inputs: [[String: Any]] = record.inputs.filter { $0.status != .known }.map { input in
            ["file": input.path, "kind": input.kind.rawValue, "sha256": input.sha256, "status": input.status.rawValue,
             "read": input.read, "accepted": input.accepted, "duplicate": input.duplicate,
             "quarantined": input.quarantined, "completions": input.updated]
        }
        let totals: [String: Int] = [
            "read": record.inputs.reduce(0) { $0 + $1.read },
            "accepted": record.inputs.reduce(0) { $0 + $1.accepted },
            "duplicate": record.inputs.reduce(0) { $0 + $1.duplicate },
            "quarantined": record.quarantined.count,
        ]
        var manifest: [String: Any] = [
            "run_id": record.runID,
            "command": record.command,
            "as_of": record.asOf.description,
            "started_at": record.startedAt,
            "finished_at": record.finishedAt,
            "mallsettle_version": MallSettleVersion.current,
            "exit_status": Int(status.rawValue),
            "inputs": inputs,
            "files_already_known": record.inputs.filter { $0.status == .known }.count,
            "skipped_inbox_files": record.skippedInbox.map { ["file": $0.0, "why": $0.1] },
            "rows": totals,
            "stages": record.stageMillis.map { name, millis in
                var stage: [String: Any] = ["stage": name, "millis": millis]
                if let peak = record.stagePeakMiB[name] { stage["peak_mib"] = peak }
                return stage
            },
            "posting": [
                "forward_lines_posted": record.posting.forwardLines,
                "refunds_accepted": record.posting.refundsAccepted,
                "refunds_posted": record.posting.refundsPosted,
                "adjustments_posted": record.posting.adjustmentsPosted,
                "over_refunds": record.posting.overRefunds.count,
                "orphans_held": record.posting.orphansHeld,
                "fee_lines_written": record.posting.feeLines,
            ],
            "sheets_closed": record.closed,
            "statements_written": record.statementsWritten,
            "buyer_statements_written": record.buyerStatementsWritten,
            "breaks": record.posting.newBreaks + record.reconciliation.newBreaks,
            "reconciliation": [
                "references_judged": record.reconciliation.referencesJudged,
                "payouts_judged": record.reconciliation.payoutsJudged,
                "sheets_paid": record.reconciliation.sheetsPaid,
                "breaks_resolved": record.reconciliation.resolvedBreaks,
            ] as [String: Any],
        ]
        if let failure = record.failure { manifest["failure"] = failure }
        if !record.warnings.isEmpty { manifest["warnings"] = record.warnings }
        let json = try JSONSerialization.data(withJSONObject: manifest,
                                              options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        try AtomicFile.write(json, to: "\(reportsDir)/runs/\(record.runID).json")
        let rows: [[CSVCell]] = record.quarantined.map {
            [.text($0.file), .number(String($0.line)), .number(String($0.column)), .text($0.reason.rawValue),
             .text($0.message), .text($0.raw)]
        }
        // A run that quarantined nothing writes no quarantine file.
        if !rows.isEmpty {
            try AtomicFile.write(CSVEncoder.document(header: ["file", "line", "column", "reason", "message", "raw"], rows: rows),
                                 to: "\(reportsDir)/quarantine/\(record.runID).csv")
        }
    }
}
