// Commands: one function per command, each a thin call into the library.

import Foundation
import MallCore
import MallStore
import Settlement
import MallIO

enum Commands {
    static func dispatch(_ context: Context) throws -> ExitStatus {
        switch context.args.command {
        case "init": return try initStore(context)
        case "ingest": return try ingest(context)
        case "run": return try run(context)
        case "close": return try close(context)
        case "export": return try export(context)
        case "status": return try status(context)
        case "verify": return try verify(context)
        case "replay": return try MallCommands.replay(context)
        case "generate": return try MallCommands.generate(context)
        case "reconcile": return try MallCommands.reconcile(context)
        case "whatif": return try MallCommands.whatif(context)
        case "report": return try report(context)
        default:
            throw UsageError(message: "unknown command '\(context.args.command)'")
        }
    }

    static func initStore(_ context: Context) throws -> ExitStatus {
        try context.args.allowOnly(["--db"])
        try StoreFile.checkCreatableForSettlement(context.dbPath)
        let lock = try StoreLock(storePath: context.dbPath, holder: "mallsettle init (pid \(getpid()), since \(context.since))")
        defer { lock.release() }
        let (db, applied) = try StoreFile.createForSettlement(context.dbPath)
        let id = try db.storeID() ?? "?"
        say(applied.isEmpty ? "store \(context.dbPath) is up to date (schema \(try db.schemaVersion()), id \(id))"
                            : "store \(context.dbPath) at schema \(try db.schemaVersion()) (applied \(applied.map(String.init).joined(separator: ", "))), id \(id)")
        return .done
    }

    static func ingest(_ context: Context) throws -> ExitStatus {
        try context.args.allowOnly(["--db", "--config", "--reports", "--date"])
        let kinds = FeedKind.allCases.map(\.rawValue).joined(separator: ", ")
        guard let kindName = context.args.positional.first else { throw UsageError(message: "ingest needs a KIND: \(kinds)") }
        guard let kind = FeedKind(rawValue: kindName) else {
            throw UsageError(message: "'\(kindName)' is not a kind of feed; KIND is one of \(kinds)")
        }
        let files = Array(context.args.positional.dropFirst())
        guard !files.isEmpty else { throw UsageError(message: "ingest needs at least one FILE") }
        for file in files { try Arguments.requireReadable(file) }
        let config = try context.loadConfig()
        let asOf = try context.asOf(config)
        let lock = try context.lock("ingest")
        defer { lock.release() }
        let db = try context.openStore()
        try context.claimReports(db)
        let nightly = Nightly(db: db, config: config, reportsDir: context.reportsDir, progress: context.progress, clock: context.clock)
        let (record, status) = nightly.ingestFiles(files.map { ($0, kind) }, asOf: asOf)
        report(record, status: status)
        return status
    }

    static func run(_ context: Context) throws -> ExitStatus {
        try context.args.allowOnly(["--db", "--config", "--reports", "--date", "--pipeline", "--inbox"])
        var pipeline = PipelineFile.everyStage
        let explicitPipeline = context.args.value("--pipeline")
        let standalone = context.args.value("--inbox") != nil && context.args.value("--config") != nil
        if let path = explicitPipeline ?? (standalone ? nil : "Pipelines/nightly.json") {
            guard FileManager.default.fileExists(atPath: path) else {
                throw UsageError(message: "no pipeline file \(absolute(path)): give --pipeline FILE, or both --inbox and --config")
            }
            pipeline = try PipelineFile.load(path: path)
        }
        let configPath = context.args.value("--config") ?? pipeline.config ?? "Pipelines/mall.json"
        let config = try MallConfig.load(path: configPath)
        let inbox = context.args.value("--inbox") ?? pipeline.inbox
        if let inbox {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: inbox, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw UsageError(message: "inbox \(absolute(inbox)) is not a folder")
            }
        }
        let asOf = try context.asOf(config)
        let dbPath = context.args.value("--db") ?? ProcessInfo.processInfo.environment["MALLSETTLE_DB"] ?? pipeline.db ?? "var/mallsettle.db"
        let reports = context.args.value("--reports") ?? pipeline.reports ?? "Reports"
        try StoreFile.check(dbPath)
        let lock = try StoreLock(storePath: dbPath, holder: "mallsettle run --date \(asOf) (pid \(getpid()), since \(context.since))")
        defer { lock.release() }
        let db = try StoreFile.openForSettlement(dbPath, for: .write)
        try db.checkpointInBackground()
        try context.claimReports(db, reports)
        let nightly = Nightly(db: db, config: config, reportsDir: reports, progress: context.progress, clock: context.clock)
        let (record, status) = nightly.run(asOf: asOf, inbox: inbox, pipeline: pipeline)
        report(record, status: status)
        return status
    }

    /// A path as an error message shows it: absolute, so that it says where it was looked for
    /// whatever the working directory of the scheduler.
    static func absolute(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.path
    }

    static func close(_ context: Context) throws -> ExitStatus {
        try context.args.allowOnly(["--db", "--config", "--reports", "--date", "--through", "--supplier"])
        guard let throughText = context.args.value("--through") else { throw UsageError(message: "close needs --through DATE") }
        let through = try Arguments.day(throughText, option: "--through")
        let config = try context.loadConfig()
        let asOf = try context.args.value("--date").map { _ in try context.asOf(config) } ?? through
        let lock = try context.lock("close --through \(through)")
        defer { lock.release() }
        let db = try context.openStore()
        try context.claimReports(db)
        let nightly = Nightly(db: db, config: config, reportsDir: context.reportsDir, progress: context.progress, clock: context.clock)
        let (record, status, refusal) = nightly.close(through: through, supplierID: context.args.value("--supplier"), asOf: asOf)
        if let refusal {
            complain("mallsettle: close refused: \(refusal)")
            return status
        }
        if let record, status != .failed {
            for warning in record.warnings { complain("mallsettle: WARNING: \(warning)") }
            say(try CloseReport.read(db, config: config, through: through, closedSheetIDs: record.closed).text())
        }
        report(record, status: status)
        return status
    }

    static func export(_ context: Context) throws -> ExitStatus {
        try context.args.allowOnly(["--db", "--period", "--supplier", "--buyer", "--out", "--config", "--reports"])
        guard let kindName = context.args.positional.first, let kind = ExportKind(rawValue: kindName) else {
            throw UsageError(message: "export needs one of: \(ExportKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        // A period id is the date its period starts (SPEC §2): it must be one.
        _ = try context.args.day("--period")
        let db = try context.openExistingStore()
        let filter = ExportFilter(period: context.args.value("--period"), supplier: context.args.value("--supplier"),
                                  buyer: context.args.value("--buyer"))
        if let out = context.args.value("--out") {
            var bytes: [UInt8] = []
            try Exporter.export(kind, db: db, filter: filter) { bytes.append(contentsOf: $0) }
            try AtomicFile.write(bytes, to: out)
        } else {
            try Exporter.export(kind, db: db, filter: filter) { chunk in
                FileHandle.standardOutput.write(Data(chunk))
            }
        }
        return .done
    }

    /// `report NAME [--from DATE --to DATE] [--out FILE]`: one analytics report as CSV, read
    /// from the store without writing to it (SPEC §10, §11). The window is --from…--to, by
    /// default the 30 days through the as-of date (--date, or yesterday), as `run` writes it.
    static func report(_ context: Context) throws -> ExitStatus {
        try context.args.allowOnly(["--db", "--config", "--reports", "--date", "--from", "--to", "--out"])
        let names = ReportName.allCases.map(\.rawValue).joined(separator: ", ")
        guard let nameText = context.args.positional.first else { throw UsageError(message: "report needs a NAME: \(names)") }
        guard let name = ReportName(rawValue: nameText) else {
            throw UsageError(message: "'\(nameText)' is not a report; NAME is one of \(names)")
        }
        guard context.args.positional.count == 1 else { throw UsageError(message: "report takes one NAME") }
        let config = try context.loadConfig()
        let from = try context.args.day("--from"), to = try context.args.day("--to")
        let end = try to ?? context.asOf(config)
        let start = from ?? ReportWindow.ending(end).from
        guard start <= end else { throw UsageError(message: "--from \(start) is after --to \(end)") }
        let db = try context.openExistingStore()
        let table = try Reports.table(name, db: db, config: config, window: ReportWindow(from: start, to: end))
        if let out = context.args.value("--out") {
            try AtomicFile.write(table.csv(), to: out)
        } else {
            FileHandle.standardOutput.write(Data(table.csv()))
        }
        return .done
    }

    static func status(_ context: Context) throws -> ExitStatus {
        try context.args.allowOnly(["--db", "--config", "--reports"])
        let db = try context.openExistingStore()
        let snapshot = try StoreStatus.read(db)
        say(context.args.flags.contains("--json") ? snapshot.json() : snapshot.text())
        return .done
    }

    static func verify(_ context: Context) throws -> ExitStatus {
        try context.args.allowOnly(["--db", "--config", "--reports"])
        let db = try context.openExistingStore()
        let violations = try Verifier.verify(db)
        if violations.isEmpty {
            say("verify: all invariants hold (SPEC §12 items 3–8) in \(context.dbPath)")
            return .done
        }
        for violation in violations { say("verify: \(violation)") }
        say("verify: \(violations.count) violation(s)")
        return .failed
    }

    /// One summary line for a finished command (stderr on failure).
    static func report(_ record: RunRecord?, status: ExitStatus) {
        guard let record else { complain("mallsettle: the command could not start"); return }
        if let failure = record.failure {
            complain("mallsettle: \(record.command) failed, nothing of the failing stage was kept: \(failure)")
            return
        }
        let read = record.inputs.reduce(0) { $0 + $1.read }
        let known = record.inputs.filter { $0.status == .known }.count
        var parts = ["\(record.command) \(record.runID) as of \(record.asOf)"]
        if record.command != "close" {
            parts.append("\(record.inputs.count - known) new file(s), \(known) already stored, \(read) rows read")
        }
        if record.posting.feeLines > 0 || record.command == "run" {
            parts.append("\(record.posting.feeLines) fee lines posted")
        }
        if !record.quarantined.isEmpty {
            parts.append("\(record.quarantined.count) quarantined (see quarantine/\(record.runID).csv)")
        }
        let newBreaks = record.posting.newBreaks.count + record.reconciliation.newBreaks.count
        if newBreaks > 0 {
            parts.append("\(newBreaks) new break(s) (see reconciliation/\(record.asOf)/breaks.csv)")
        }
        say(parts.joined(separator: "; "))
        // A file rejected whole is a lost feed, not a bad row: each gets a line of its own.
        // A file whose content must change first (its header, its encoding), or that cannot be
        // read, says what is wrong.
        for input in record.inputs where input.status == .rejected {
            let entry = record.quarantined.first { $0.file == input.path && $0.line == 0 }
            say("REJECTED \(input.path): \(entry?.reason.rawValue ?? "rejected") — nothing of it was stored; deliver it again")
            if let entry, [.missingColumn, .duplicateColumn, .notUTF8, .unreadable].contains(entry.reason) { say("  \(entry.message)") }
        }
        for (name, why) in record.skippedInbox { say("SKIPPED \(name): \(why)") }
    }
}
