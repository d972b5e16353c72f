// IngestStage: stores the inbox's new feed files (SPEC §3), or the files `ingest KIND FILE…`
// names, in one transaction. Known files (by inbox stamp or hash) are skipped cheaply.
//
// SQL: this file (inbox stamps, the run's quarantine), Ingest.swift (feed_files, the completion
// update), StageRows.swift (`TableSpec`: each feed's INSERT and its twin's SELECT, built from
// the feed's declaration's columns), Quarantine.swift (quarantine rows).

import Foundation
import MallCore
import MallIO
import MallStore

extension Stage {
    /// The nightly's ingest: the inbox's files, in the inbox's order.
    public static let ingest = Stage(name: "ingest", needs: [.inbox]) { context, record in
        guard let inbox = context.inbox else { preconditionFailure("the runner checks the inbox need") }
        let listing = try Inbox.list(inbox, requireDoneMarker: context.requireDoneMarker)
        record.skippedInbox = listing.skipped
        try context.nightly.ingest(listing.taken.map { ($0.path, $0.kind) }, into: &record, useInboxCache: true)
        try context.nightly.recordPassedOver(listing.skipped, runSeq: record.runSeq)
    }

    /// `ingest KIND FILE…`: the files given, hashed every time.
    static func ingesting(_ files: [(path: String, kind: FeedKind)]) -> Stage {
        Stage(name: "ingest") { context, record in
            try context.nightly.ingest(files, into: &record, useInboxCache: false)
        }
    }
}

extension Nightly {
    /// Keeps the inbox files this run passed over, with why, for `status`.
    func recordPassedOver(_ skipped: [(String, String)], runSeq: Int64) throws {
        guard !skipped.isEmpty else { return }
        try db.transaction {
            for (name, reason) in skipped {
                try db.run("INSERT OR REPLACE INTO inbox_passed_over(run_seq, name, reason) VALUES (?, ?, ?)",
                           [.int(runSeq), .text(name), .text(reason)])
            }
        }
    }

    /// Ingests files in one transaction (a failure keeps nothing of the stage); known files
    /// (by inbox stamp or hash) are skipped cheaply.
    public func ingest(_ files: [(path: String, kind: FeedKind)], into record: inout RunRecord, useInboxCache: Bool) throws {
        try db.transaction {
            try storeFiles(files, into: &record, useInboxCache: useInboxCache)
            try readQuarantine(into: &record)
        }
    }

    private func storeFiles(_ files: [(path: String, kind: FeedKind)], into record: inout RunRecord, useInboxCache: Bool) throws {
        let ingestor = Ingestor(db: db, config: config, runSeq: record.runSeq, progress: progress)
        let stamped = try files.map { useInboxCache ? try knownByStamp($0.path) : nil }
        // The files not known by their stamp are hashed in order on another thread while the
        // one before is stored here: one file ahead, so that hashing takes its share of the
        // second core while that file is read, rather than several files' worth at the start.
        let unstamped = files.indices.filter { stamped[$0] == nil }.map { files[$0].path }
        // The files not known by their stamp are hashed in order on another thread, while
        // they are stored here: a file is not waited for (see `Ingestor.ingest`).
        let digests = FileDigests(unstamped)
        defer { digests.finish() }
        var next = 0
        for (file, known) in zip(files, stamped) {
            if let known {
                record.inputs.append(FileOutcome(path: file.path, kind: file.kind, sha256: known, status: .known))
                continue
            }
            let outcome = try ingestor.ingest(path: file.path, kind: file.kind, digest: digests[next])
            next += 1
            record.inputs.append(outcome)
            if outcome.status == .ingested { progress.note("\(file.path): \(outcome.read) rows, \(outcome.accepted) accepted, \(outcome.duplicate) duplicate, \(outcome.quarantined) quarantined") }
            if useInboxCache { try rememberStamp(file.path, sha: outcome.sha256) }
        }
    }

    /// The rows this run quarantined, for the manifest and the quarantine file.
    private func readQuarantine(into record: inout RunRecord) throws {
        try db.query("SELECT file, line, col, reason, message, raw FROM quarantine WHERE run_seq = ? ORDER BY id",
                     [.int(record.runSeq)]) { row in
            record.quarantined.append(QuarantineEntry(file: row.string("file"), line: Int(row.int("line")),
                                                      column: Int(row.int("col")),
                                                      reason: QuarantineReason(rawValue: row.string("reason")) ?? .malformedRow,
                                                      message: row.string("message"), raw: row.string("raw")))
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
            """, [.text(path), .int(stamp.size), .int(stamp.mtime)]) { sha = $0.string("sha256") }
        return sha
    }

    private func rememberStamp(_ path: String, sha: String) throws {
        guard let stamp = stamp(path) else { return }
        try db.run("INSERT OR REPLACE INTO inbox_seen(path, size, mtime_ns, sha256) VALUES (?, ?, ?, ?)",
                   [.text(path), .int(stamp.size), .int(stamp.mtime), .text(sha)])
    }
}

/// A file's digest (`FeedReader.digest`), made on another thread: ready or not, and waited for.
public final class PendingDigest: @unchecked Sendable {
    private let condition = NSCondition()
    private var result: Result<String, FeedFileError>?

    /// The digest if it is made, without waiting.
    public var ifReady: Result<String, FeedFileError>? {
        condition.lock()
        defer { condition.unlock() }
        return result
    }

    /// The digest, once it is made.
    public func wait() -> Result<String, FeedFileError> {
        condition.lock()
        defer { condition.unlock() }
        while result == nil { condition.wait() }
        return result!
    }

    func fulfil(_ made: Result<String, FeedFileError>) {
        condition.lock()
        result = made
        condition.broadcast()
        condition.unlock()
    }
}

/// The digests of a run's files, made one after another on a thread of their own, in the
/// order the files are stored. `finish` stops after the file being hashed and waits for it.
final class FileDigests: @unchecked Sendable {
    private let pending: [PendingDigest]
    private let stopped = NSLock()
    private var stopping = false
    private let done = DispatchSemaphore(value: 0)

    init(_ paths: [String]) {
        pending = paths.map { _ in PendingDigest() }
        guard !paths.isEmpty else { done.signal(); return }
        let thread = Thread { [self] in
            for (path, digest) in zip(paths, pending) {
                if stopped.withLock({ stopping }) { break }
                digest.fulfil(Result { () throws(FeedFileError) in try FeedReader.digest(path: path) })
            }
            done.signal()
        }
        thread.name = "file digests"
        thread.start()
    }

    subscript(index: Int) -> PendingDigest { pending[index] }

    func finish() {
        stopped.withLock { stopping = true }
        done.wait()
    }
}
