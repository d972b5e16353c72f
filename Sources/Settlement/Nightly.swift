// Nightly: one invocation that changes the store (`run`, `ingest`, `close`), as a visible
// pipeline: start the run record, run the stages in order, write the manifest.

import Foundation
import MallCore
import MallIO
import MallStore

/// Exit statuses (SPEC §11), ordered by precedence; never renumber.
public enum ExitStatus: Int32, Sendable {
    case done = 0
    case failed = 1
    case usage = 2
    case doneWithFindings = 3
    case locked = 4
}

/// The record of one invocation, written as `runs/{run_id}.json`.
public struct RunRecord: Sendable {
    public let runSeq: Int64
    public let runID: String
    public let command: String
    public let asOf: Day
    public var inputs: [FileOutcome] = []
    public var skippedInbox: [(String, String)] = []
    public var stageMillis: [(String, Int)] = []
    public var quarantined: [QuarantineEntry] = []
    public var posting = PostingSummary()
    public var closed: [String] = []
    public var statementsWritten = 0
    public var failure: String?
    /// The highest order line and refund ids when the run began: its conservation check
    /// covers the rows after them.
    var marks: (lines: Int64, refunds: Int64) = (0, 0)
}

/// Runs commands that write, each inside a run record.
public final class Nightly {
    public let db: Database
    public let config: MallConfig
    public let reportsDir: String
    public let progress: ProgressLog

    public init(db: Database, config: MallConfig, reportsDir: String, progress: ProgressLog) {
        self.db = db
        self.config = config
        self.reportsDir = reportsDir
        self.progress = progress
    }

    /// Starts a run record (committed at once, so a crash leaves a trace).
    public func begin(command: String, asOf: Day) throws -> RunRecord {
        let seq: Int64 = try db.transaction {
            let next: Int64
            if case .int(let max)? = try db.scalar("SELECT max(run_seq) FROM runs") { next = max + 1 } else { next = 1 }
            let id = Nightly.runID(seq: next, asOf: asOf)
            try db.run("INSERT INTO runs(run_seq, run_id, command, as_of, started_at) VALUES (?, ?, ?, ?, ?)",
                       [.int(next), .text(id), .text(command), .text(asOf.description), .text(Nightly.now())])
            return next
        }
        FaultPoint.reach("begin")
        var record = RunRecord(runSeq: seq, runID: Nightly.runID(seq: seq, asOf: asOf), command: command, asOf: asOf)
        record.marks = try Conservation.marks(db)
        return record
    }

    static func runID(seq: Int64, asOf: Day) -> String {
        let digits = String(seq)
        return "\(asOf.compact)-r" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }

    static func now() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date())
    }

    /// Times one stage into the record.
    func stage<T>(_ name: String, _ timings: inout [(String, Int)], _ body: () throws -> T) rethrows -> T {
        let started = DispatchTime.now().uptimeNanoseconds
        progress.note("\(name)…")
        defer {
            let elapsedMillis = Int((DispatchTime.now().uptimeNanoseconds - started) / 1_000_000)
            timings.append((name, elapsedMillis))
        }
        FaultPoint.reach("\(name).before")
        let result = try body()
        FaultPoint.reach("\(name).after")
        return result
    }

    // MARK: Stages

    /// Ingests files in one transaction (a failure keeps nothing of the stage); known files
    /// (by inbox stamp or hash) are skipped cheaply.
    public func ingest(_ files: [(path: String, kind: FeedKind)], into record: inout RunRecord, useInboxCache: Bool) throws {
        try db.transaction { try ingestFiles(files, into: &record, useInboxCache: useInboxCache) }
    }

    private func ingestFiles(_ files: [(path: String, kind: FeedKind)], into record: inout RunRecord, useInboxCache: Bool) throws {
        let ingestor = Ingestor(db: db, config: config, runSeq: record.runSeq, progress: progress)
        let stamped = try files.map { useInboxCache ? try knownByStamp($0.path) : nil }
        // The files not known by their stamp are hashed in order on another thread while the
        // one before is stored here: one file ahead, so that hashing takes its share of the
        // second core while that file is read, rather than several files' worth at the start.
        let unstamped = files.indices.filter { stamped[$0] == nil }.map { files[$0].path }
        let digests = Handoff<Result<String, FeedFileError>>(batchItems: 1, batchesInFlightMax: 1) { emit in
            for path in unstamped {
                guard emit(Result { () throws(FeedFileError) in try FeedReader.digest(path: path) }) else { return }
            }
        }
        do {
            for (file, known) in zip(files, stamped) {
                if let known {
                    record.inputs.append(FileOutcome(path: file.path, kind: file.kind, sha256: known, status: .known))
                    continue
                }
                guard let digest = try digests.next()?.first else { preconditionFailure("a digest for every file") }
                let outcome = try ingestor.ingest(path: file.path, kind: file.kind, digest: digest)
                record.inputs.append(outcome)
                if outcome.status == .ingested { progress.note("\(file.path): \(outcome.read) rows, \(outcome.accepted) accepted, \(outcome.duplicate) duplicate, \(outcome.quarantined) quarantined") }
                if useInboxCache { try rememberStamp(file.path, sha: outcome.sha256) }
            }
        } catch {
            digests.cancel()
            throw error
        }
        try db.query("SELECT file, line, col, reason, message, raw FROM quarantine WHERE run_seq = ? ORDER BY id",
                     [.int(record.runSeq)]) { row in
            record.quarantined.append(QuarantineEntry(file: row.string(0), line: Int(row.int(1)), column: Int(row.int(2)),
                                                      reason: QuarantineReason(rawValue: row.string(3)) ?? .malformedRow,
                                                      message: row.string(4), raw: row.string(5)))
        }
    }

    private func stamp(_ path: String) -> (size: Int64, mtime: Int64)? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return (Int64(info.st_size), Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec))
    }

    private func knownByStamp(_ path: String) throws -> String? {
        guard let stamp = stamp(path) else { return nil }
        var sha: String?
        try db.query("""
            SELECT i.sha256 FROM inbox_seen i JOIN feed_files f ON f.sha256 = i.sha256
            WHERE i.path = ? AND i.size = ? AND i.mtime_ns = ?
            """, [.text(path), .int(stamp.size), .int(stamp.mtime)]) { sha = $0.string(0) }
        return sha
    }

    private func rememberStamp(_ path: String, sha: String) throws {
        guard let stamp = stamp(path) else { return }
        try db.run("INSERT OR REPLACE INTO inbox_seen(path, size, mtime_ns, sha256) VALUES (?, ?, ?, ?)",
                   [.text(path), .int(stamp.size), .int(stamp.mtime), .text(sha)])
    }

    /// Posts every row due by the as-of date and checks refunds as they become usable, in one
    /// transaction.
    public func post(into record: inout RunRecord) throws {
        let poster = Poster(db: db, config: config, asOf: record.asOf, runSeq: record.runSeq, progress: progress)
        var summary = PostingSummary()
        // The night's order lines are summed on the other core while posting runs.
        let lineTotals = Conservation.orderLineTotalsAhead(storePath: db.path, linesAfter: record.marks.lines)
        do {
            try db.transaction {
                try poster.post(into: &summary)
                guard let lines = try lineTotals.next()?.first else { preconditionFailure("order-line totals") }
                let totals = try Conservation.totals(db, lines: lines, refundsAfter: record.marks.refunds)
                guard totals.holds else { throw ConservationError(totals: totals) }
            }
        } catch {
            lineTotals.cancel()
            throw error
        }
        record.posting = summary
        record.quarantined.append(contentsOf: summary.overRefunds)
        try AtomicFile.write(Breaks.csv(db, listedOn: record.asOf),
                             to: "\(reportsDir)/reconciliation/\(record.asOf)/breaks.csv")
    }

    /// Writes the statements still due; `prepared` are closing statements a close has written.
    func statements(into record: inout RunRecord, prepared: [PreparedStatement] = []) throws {
        record.statementsWritten = try StatementFiles.writePending(db, config: config, reportsDir: reportsDir,
                                                                   prepared: prepared)
    }

    // MARK: Commands

    /// `run`: the nightly stages in the pipeline's order over `inbox`.
    public func run(asOf: Day, inbox: String?, pipeline: PipelineFile) -> (RunRecord?, ExitStatus) {
        var record: RunRecord
        do {
            record = try begin(command: "run", asOf: asOf)
        } catch {
            progress.note("cannot start the run: \(error)")
            return (nil, .failed)
        }
        var timings: [(String, Int)] = []
        do {
            for stage in pipeline.stages {
                switch stage {
                case .ingest:
                    guard let inbox else { continue }
                    let listing = try Inbox.list(inbox, requireDoneMarker: pipeline.requireDoneMarker)
                    record.skippedInbox = listing.skipped
                    try self.stage("ingest", &timings) {
                        try ingest(listing.taken.map { ($0.path, $0.kind) }, into: &record, useInboxCache: true)
                    }
                case .post:
                    try self.stage("post", &timings) { try post(into: &record) }
                case .statements:
                    try self.stage("statements", &timings) { try statements(into: &record) }
                }
            }
        } catch {
            record.failure = String(describing: error)
        }
        record.stageMillis = timings
        return finish(&record)
    }

    /// `ingest KIND FILE…`: stores files without posting.
    public func ingestFiles(_ files: [(path: String, kind: FeedKind)], asOf: Day) -> (RunRecord?, ExitStatus) {
        var record: RunRecord
        do { record = try begin(command: "ingest", asOf: asOf) } catch { return (nil, .failed) }
        var timings: [(String, Int)] = []
        do {
            try stage("ingest", &timings) { try ingest(files, into: &record, useInboxCache: false) }
        } catch {
            record.failure = String(describing: error)
        }
        record.stageMillis = timings
        return finish(&record)
    }

    /// `close --through DATE [--supplier ID]`.
    public func close(through: Day, supplierID: String?, asOf: Day) -> (RunRecord?, ExitStatus, String?) {
        var record: RunRecord
        do { record = try begin(command: "close", asOf: asOf) } catch { return (nil, .failed, "\(error)") }
        var refusal: String?
        var timings: [(String, Int)] = []
        do {
            let summary = try stage("close", &timings) {
                try Closer(db: db, config: config).close(through: through, supplierID: supplierID, reportsDir: reportsDir)
            }
            record.closed = summary.closed
            try stage("statements", &timings) { try statements(into: &record, prepared: summary.prepared) }
        } catch let refused as CloseRefused {
            refusal = refused.message
            record.failure = refused.message
        } catch {
            record.failure = String(describing: error)
        }
        record.stageMillis = timings
        var (finished, status) = finish(&record)
        if refusal != nil {
            status = .usage
            _ = try? db.run("UPDATE runs SET exit_status = ? WHERE run_seq = ?", [.int(Int64(status.rawValue)), .int(record.runSeq)])
        }
        return (finished, status, refusal)
    }

    /// Records the outcome and writes the manifest and quarantine file.
    func finish(_ record: inout RunRecord) -> (RunRecord?, ExitStatus) {
        let findings = !record.quarantined.isEmpty || !record.posting.newBreaks.isEmpty
        let status: ExitStatus = record.failure != nil ? .failed : (findings ? .doneWithFindings : .done)
        do {
            try db.run("UPDATE runs SET finished_at = ?, exit_status = ? WHERE run_seq = ?",
                       [.text(Nightly.now()), .int(Int64(status.rawValue)), .int(record.runSeq)])
            FaultPoint.reach("finish.recorded")
            try RunManifest.write(record, status: status, reportsDir: reportsDir)
            FaultPoint.reach("finish.manifest")
        } catch {
            progress.note("cannot record the run: \(error)")
            return (record, .failed)
        }
        return (record, status)
    }
}
