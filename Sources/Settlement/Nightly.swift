// Nightly: one invocation that changes the store (`run`, `ingest`, `close`), as a visible
// pipeline: start the run record, run the stages in order (Stages/), write the manifest.

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
    /// Each stage's own peak resident memory in MiB, where the system tells it (`MemoryPeak`).
    public var stagePeakMiB: [String: Int] = [:]
    public var quarantined: [QuarantineEntry] = []
    public var posting = PostingSummary()
    /// What the reconcile stage found (channel outcomes, payouts).
    public var reconciliation = ReconcileSummary()
    public var closed: [String] = []
    public var statementsWritten = 0
    /// Buyer statements (rebate and bill statements) written by this command.
    public var buyerStatementsWritten = 0
    public var failure: String?
    /// Why a close was refused (also the failure): the command exits with status 2.
    public var refusal: String?
    /// What the person running the command must know though nothing failed (a close with
    /// feed files rejected whole and not delivered again).
    public var warnings: [String] = []
    /// When the command started and finished, as the run record holds them.
    public var startedAt = ""
    public var finishedAt = ""
    /// The highest order line and refund ids when the run began: its conservation check
    /// covers the rows after them.
    var marks: (lines: Int64, refunds: Int64) = (0, 0)
    /// Closing statements the close stage wrote (sealed), for the statements stage to show.
    var preparedStatements: [PreparedStatement] = []
}

/// Runs commands that write, each inside a run record.
public final class Nightly {
    public let db: Database
    public let config: MallConfig
    public let reportsDir: String
    public let progress: ProgressLog
    /// The clock run records and stage timings read (tests pass a `ManualClock`).
    public let clock: any MallClock

    public init(db: Database, config: MallConfig, reportsDir: String, progress: ProgressLog,
                clock: any MallClock = SystemClock()) {
        self.db = db
        self.config = config
        self.reportsDir = reportsDir
        self.progress = progress
        self.clock = clock
    }

    /// Starts a run record (committed at once, so a crash leaves a trace).
    public func begin(command: String, asOf: Day) throws -> RunRecord {
        let startedAt = now()
        let seq: Int64 = try db.transaction {
            let next: Int64
            if case .int(let max)? = try db.scalar("SELECT max(run_seq) FROM runs") { next = max + 1 } else { next = 1 }
            let id = Nightly.runID(seq: next, asOf: asOf)
            try db.run("INSERT INTO runs(run_seq, run_id, command, as_of, started_at) VALUES (?, ?, ?, ?, ?)",
                       [.int(next), .text(id), .text(command), .text(asOf.description), .text(startedAt)])
            return next
        }
        FaultPoint.reach("begin")
        var record = RunRecord(runSeq: seq, runID: Nightly.runID(seq: seq, asOf: asOf), command: command, asOf: asOf)
        record.startedAt = startedAt
        record.marks = try Conservation.marks(db)
        return record
    }

    static func runID(seq: Int64, asOf: Day) -> String {
        let digits = String(seq)
        return "\(asOf.compact)-r" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }

    /// The time now for the run record, from the injected clock.
    func now() -> String { clock.timestamp() }

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
        let context = StageContext(nightly: self, inbox: inbox, requireDoneMarker: pipeline.requireDoneMarker)
        runStages(pipeline.stagesToRun, context, into: &record)
        return finish(&record)
    }

    /// `ingest KIND FILE…`: stores files without posting.
    public func ingestFiles(_ files: [(path: String, kind: FeedKind)], asOf: Day) -> (RunRecord?, ExitStatus) {
        var record: RunRecord
        do { record = try begin(command: "ingest", asOf: asOf) } catch { return (nil, .failed) }
        runStages([.ingesting(files)], StageContext(nightly: self), into: &record)
        return finish(&record)
    }

    /// `close --through DATE [--supplier ID]`: the close stage, then the statements stage.
    /// The third value is the refusal, when the close was refused (exit status 2).
    public func close(through: Day, supplierID: String?, asOf: Day) -> (RunRecord?, ExitStatus, String?) {
        var record: RunRecord
        do { record = try begin(command: "close", asOf: asOf) } catch { return (nil, .failed, "\(error)") }
        runStages([.close(through: through, supplierID: supplierID), .statements], StageContext(nightly: self),
                  into: &record)
        let (finished, status) = finish(&record)
        return (finished, status, record.refusal)
    }

    /// Records the outcome and writes the manifest and quarantine file, with the status the
    /// record calls for (`ExitStatus.of`); the status returned is the one recorded, or
    /// `.failed` when the run cannot be recorded.
    func finish(_ record: inout RunRecord) -> (RunRecord?, ExitStatus) {
        let status = ExitStatus.of(record)
        record.finishedAt = now()
        do {
            try db.run("UPDATE runs SET finished_at = ?, exit_status = ? WHERE run_seq = ?",
                       [.text(record.finishedAt), .int(Int64(status.rawValue)), .int(record.runSeq)])
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
