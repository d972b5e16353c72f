// Ingest: storing feed files, idempotent by file hash and row key (SPEC §3).
// Each file is stored in one transaction: all of it (rows and quarantine) or nothing.

import Foundation
import MallCore
import MallIO
import MallStore

/// What happened to one input file.
public struct FileOutcome: Sendable {
    public enum Status: String, Sendable {
        case ingested, known, rejected
    }
    public let path: String
    public let kind: FeedKind
    public internal(set) var sha256: String
    public let status: Status
    public var read = 0
    public var accepted = 0
    public var duplicate = 0
    public var quarantined = 0
    public var updated = 0
}


/// Stores feed files into the store.
public final class Ingestor {
    let db: Database
    let config: MallConfig
    let runSeq: Int64
    let progress: ProgressLog

    public init(db: Database, config: MallConfig, runSeq: Int64, progress: ProgressLog) {
        self.db = db
        self.config = config
        self.runSeq = runSeq
        self.progress = progress
    }

    /// Ingests one file of `kind`; never throws for bad input (that is quarantined), only for
    /// store failures. `digest` is the file's digest, made on another thread (`FileDigests`).
    ///
    /// When the digest is not ready yet, the rows are stored while it is made, inside a
    /// savepoint: a file the digest then shows already stored, corrupt or not UTF-8 has its
    /// rows undone and is taken as `known` or rejected, exactly as if it had been hashed first.
    /// The digest is looked at after every batch of rows, so a known file costs the rows read
    /// until its digest is ready (hashing is several times faster than storing).
    public func ingest(path: String, kind: FeedKind, digest: PendingDigest) throws -> FileOutcome {
        if let ready = digest.ifReady { return try ingest(path: path, kind: kind, digest: ready) }
        let schema = FeedSchemas.schema(for: kind)
        guard let reader = try? FeedReader(path: path, columns: schema.names, required: schema.requiredNames) else {
            return try ingest(path: path, kind: kind, digest: digest.wait())
        }
        do {
            return try db.transaction {
                try stageRows(reader, path: path, kind: kind, digest: .pending(digest), schema: schema)
            }
        } catch is DigestDecidesFirst {
            return try ingest(path: path, kind: kind, digest: digest.wait())
        } catch is FeedFileError {
            // A reading error: the digest says whether the file is corrupt (rejected) or was
            // being rewritten; the savepoint has undone its rows either way.
            return try ingest(path: path, kind: kind, digest: digest.wait())
        }
    }

    /// Ingests one file of `kind` whose digest is known (see the other `ingest`).
    func ingest(path: String, kind: FeedKind, digest: Result<String, FeedFileError>) throws -> FileOutcome {
        let sha: String
        switch digest {
        case .success(let hex): sha = hex
        case .failure(let error): return try reject(path: path, kind: kind, sha: rawDigest(path), error: error)
        }
        if try isKnown(sha) {
            return FileOutcome(path: path, kind: kind, sha256: sha, status: .known)
        }
        let schema = FeedSchemas.schema(for: kind)
        let reader: FeedReader
        do {
            reader = try FeedReader(path: path, columns: schema.names, required: schema.requiredNames)
        } catch {
            return try reject(path: path, kind: kind, sha: sha, error: error)
        }
        // The digest pass has read the whole file already: a corrupt or non-UTF-8 file is
        // rejected above, before any of its rows is stored. A reading error from here on means
        // the file changed while it was read; the whole stage then fails and keeps nothing.
        do {
            return try stageRows(reader, path: path, kind: kind, digest: .known(sha), schema: schema)
        } catch let error as FeedFileError {
            throw FileChanged(path: path, error: error)
        }
    }

    /// What `stageRows` knows of the file's digest.
    private enum StagingDigest {
        case known(String)
        case pending(PendingDigest)
    }

    /// Thrown inside the savepoint of a file stored ahead of its digest when the digest shows
    /// the file already stored or unreadable: its rows are undone and the digest decides.
    private struct DigestDecidesFirst: Error {}

    /// A feed file that read differently the second time (it was being rewritten).
    public struct FileChanged: Error, CustomStringConvertible {
        public let path: String
        public let error: FeedFileError
        public var description: String {
            "\(path) changed while it was read (\(error.message)); nothing of this run's ingest was kept — run again once the file is complete"
        }
    }

    private func isKnown(_ sha: String) throws -> Bool {
        try db.scalar("SELECT 1 FROM feed_files WHERE sha256 = ?", [.text(sha)]) != nil
    }

    /// The SHA-256 of the file's bytes as they are, for files that cannot be decompressed;
    /// read in chunks so a large corrupt file costs no more memory than a good one.
    private func rawDigest(_ path: String) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { return "unreadable:" + path }
        defer { try? handle.close() }
        var hasher = SHA256()
        while let chunk = try? handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            hasher.update(chunk)
        }
        return hasher.finalizeHex()
    }

    private func reject(path: String, kind: FeedKind, sha: String, error: FeedFileError) throws -> FileOutcome {
        if try isKnown(sha) { return FileOutcome(path: path, kind: kind, sha256: sha, status: .known) }
        let reason: QuarantineReason
        switch error.kind {
        case .missingColumn: reason = .missingColumn
        case .duplicateColumn: reason = .duplicateColumn
        case .corruptGzip: reason = .corruptGzip
        case .notUTF8: reason = .notUTF8
        case .unreadable: reason = .unreadable
        }
        try db.transaction {
            try db.run("""
                INSERT INTO feed_files(sha256, kind, name, run_seq, status, rows_read, accepted, duplicate, quarantined)
                VALUES (?, ?, ?, ?, 'rejected', 0, 0, 0, 1)
                """, [.text(sha), .text(kind.rawValue), .text(path), .int(runSeq)])
            try recordQuarantine(QuarantineEntry(file: path, line: 0, column: error.column, reason: reason,
                                                 message: error.message, raw: ""), fileID: db.lastInsertRowID)
        }
        progress.note("rejected \(path): \(reason.rawValue): \(error.message)")
        return FileOutcome(path: path, kind: kind, sha256: sha, status: .rejected, quarantined: 1)
    }

    func recordQuarantine(_ entry: QuarantineEntry, fileID: Int64) throws {
        try entry.record(in: db, runSeq: runSeq, fileID: fileID)
    }

    private func stageRows(_ reader: FeedReader, path: String, kind: FeedKind, digest: StagingDigest,
                           schema: FeedSchema) throws -> FileOutcome {
        var outcome = FileOutcome(path: path, kind: kind, sha256: "", status: .ingested)
        var sha: String?
        if case .known(let known) = digest { sha = known }
        // A file stored ahead of its digest has a stand-in id until the digest is ready (the
        // savepoint around it undoes the row if the digest finds the file known).
        try db.run("""
            INSERT INTO feed_files(sha256, kind, name, run_seq, status, rows_read, accepted, duplicate, quarantined)
            VALUES (?, ?, ?, ?, 'ingested', 0, 0, 0, 0)
            """, [.text(sha ?? "pending:" + path), .text(kind.rawValue), .text(path), .int(runSeq)])
        let fileID = db.lastInsertRowID
        /// Takes the digest once it is ready; throws `DigestDecidesFirst` for a known or
        /// unreadable file.
        func settle(_ result: Result<String, FeedFileError>) throws {
            guard case .success(let hex) = result, try !isKnown(hex) else { throw DigestDecidesFirst() }
            sha = hex
        }
        let spec = TableSpec.spec(for: kind)
        let insert = try db.prepare(spec.insertSQL)
        let insertMany = try db.prepare(spec.insertManySQL)
        var twinAt: StoredTwinColumns?
        func quarantine(_ line: Int, _ column: Int, _ reason: QuarantineReason, _ message: String, _ raw: String) throws {
            outcome.quarantined += 1
            try recordQuarantine(QuarantineEntry(file: path, line: line, column: column, reason: reason,
                                                 message: message, raw: raw), fileID: fileID)
        }
        func count(_ result: StoreResult, _ record: RowOrigin) throws {
            switch result {
            case .accepted: outcome.accepted += 1
            case .updated: outcome.accepted += 1; outcome.updated += 1
            case .duplicate: outcome.duplicate += 1
            case .rejected(let rejection):
                try quarantine(record.line, rejection.column, rejection.reason, rejection.message, record.raw)
            }
        }
        // Rows that passed every check, held until `ManyRows.perInsert` of them are stored by
        // one statement. Anything else a row leads to (a quarantine entry, a row failing a
        // later check, the end of the file) first stores the rows held, one statement each
        // when fewer, so rows are stored and settled in the file's order.
        var held: [(row: StagedRow, record: RowOrigin)] = []
        held.reserveCapacity(ManyRows.perInsert)
        func storeHeld() throws {
            defer { held.removeAll(keepingCapacity: true) }
            guard held.count == ManyRows.perInsert else {
                for (row, record) in held {
                    try count(store(row, kind: kind, schema: schema, record: record, insert: insert, twinAt: &twinAt), record)
                }
                return
            }
            var parameter: Int32 = 1
            for (row, _) in held {
                try insertMany.bindRow(row.values, from: parameter)
                parameter += Int32(row.values.count)
                try insertMany.bindRow(row.extras, from: parameter)
                parameter += Int32(row.extras.count)
            }
            try insertMany.run()
            let allStored = db.changes == held.count
            for (row, record) in held {
                // A row whose key was there already (stored before, or earlier in this very
                // statement) was passed over: it is settled against that twin in its turn.
                let result = allStored ? .accepted : try settleByTwin(row, kind: kind, schema: schema, record: record,
                                                                      fileID: fileID, twinAt: &twinAt)
                try count(result, record)
            }
        }
        let stager = RowStager(config: config, fileID: fileID)
        let pipeline = PreparedRow.reading(reader, plain: { view in
            Ingestor.preparePlain(view, kind: kind, stager: stager)
        }) { row in
            Ingestor.prepare(row, kind: kind, schema: schema, stager: stager)
        }
        do {
            while let batch = try pipeline.next() {
                if sha == nil, case .pending(let pending) = digest, let ready = pending.ifReady { try settle(ready) }
                for prepared in batch {
                    outcome.read += 1
                    if outcome.read % 100_000 == 0 { progress.note("\(path): \(outcome.read) rows") }
                    switch prepared {
                    case .refused(let line, let column, let reason, let message, let raw):
                        try storeHeld()
                        try quarantine(line, column, reason, message, raw)
                    case .staged(let staged, let record) where staged.laterFailure == nil:
                        held.append((staged, record))
                        if held.count == ManyRows.perInsert { try storeHeld() }
                    case .staged(let staged, let record):
                        try storeHeld()
                        try count(store(staged, kind: kind, schema: schema, record: record, insert: insert, twinAt: &twinAt),
                                  record)
                    }
                }
            }
            try storeHeld()
            if sha == nil, case .pending(let pending) = digest { try settle(pending.wait()) }
        } catch {
            pipeline.cancel()
            throw error
        }
        guard let sha else { preconditionFailure("the digest is settled before the file's row is completed") }
        try db.run("""
            UPDATE feed_files SET sha256 = ?, rows_read = ?, accepted = ?, duplicate = ?, quarantined = ? WHERE file_id = ?
            """, [.text(sha), .int(Int64(outcome.read)), .int(Int64(outcome.accepted)), .int(Int64(outcome.duplicate)),
                  .int(Int64(outcome.quarantined)), .int(fileID)])
        outcome.sha256 = sha
        return outcome
    }

    /// Row checks 1–4 and 6–7, which need no store: the reading thread runs these.
    static func prepare(_ row: FeedRow, kind: FeedKind, schema: FeedSchema, stager: RowStager) -> PreparedRow {
        let record: FeedRecord
        switch row {
        case .malformed(let line, let column, let message, let raw):
            return .refused(line: line, column: column, reason: .malformedRow, message: message, raw: raw)
        case .record(let r):
            record = r
        }
        let typed: TypedRow
        switch schema.type(record, alsoRequired: { r in kind == .orders ? stager.orderAlsoRequired { r.values[$0]?.text } : [] }) {
        case .failure(let rejection):
            return .refused(line: record.line, column: rejection.column, reason: rejection.reason,
                            message: rejection.message, raw: record.raw)
        case .success(let t):
            typed = t
        }
        if kind == .orders, let rejection = orderProductsOutOfRange(typed) {
            return .refused(line: record.line, column: rejection.column, reason: rejection.reason,
                            message: rejection.message, raw: record.raw)
        }
        let origin = RowOrigin(line: record.line, columns: record.columns, raw: record.raw)
        switch kind {
        case .orders: return .staged(stager.order(typed), origin)
        case .refunds: return .staged(stager.refund(typed), origin)
        case .adjustments: return .staged(stager.adjustment(typed), origin)
        case .payments: return .staged(stager.payment(typed), origin)
        case .repayments: return .staged(stager.repayment(typed), origin)
        case .payouts: return .staged(stager.payout(typed), origin)
        }
    }

    /// The checks of `prepare` for a plain CSV order or refund record, from its bytes; nil
    /// for any other feed and for a row some check refuses (`prepare` then says why).
    static func preparePlain(_ view: CSVRecordView, kind: FeedKind, stager: RowStager) -> PreparedRow? {
        let staged: StagedRow?
        switch kind {
        case .orders: staged = stager.plainOrder(view)
        case .refunds: staged = stager.plainRefund(view)
        default: staged = nil
        }
        return staged.map { .staged($0, RowOrigin(line: view.line, columns: view.columns, raw: view.raw)) }
    }

    /// Step 4 for orders: `quantity × unit_price` and `quantity × cost_price` must stay in range.
    static func orderProductsOutOfRange(_ row: TypedRow) -> Rejection? {
        let s = OrderColumns.shared
        let quantity = row.int(s.quantity)!
        for (name, index) in [("unit_price", s.unitPrice), ("cost_price", s.costPrice)] {
            guard let price = row.int(index) else { continue }
            if !OrderChecks.productInRange(quantity: quantity, price: price) {
                return Rejection(.badMoney, column: row.columns[index],
                                 "quantity × \(name) is outside ±9,000,000,000,000.00")
            }
        }
        return nil
    }

    enum StoreResult {
        case accepted, updated, duplicate
        case rejected(Rejection)
    }

    /// Where `TableSpec.selectSQL`'s columns are: the stored twin's `id`, `source_file`,
    /// `source_line` and each field in the spec's order, found by name on the first twin a file
    /// meets (a re-delivered file meets one per row).
    struct StoredTwinColumns {
        let id, sourceFile, sourceLine: Int32
        let fields: [Int32]
        init(_ row: Statement, spec: TableSpec) {
            id = row.column("id"); sourceFile = row.column("source_file"); sourceLine = row.column("source_line")
            fields = spec.fields.map(row.column)
        }
    }

    /// Step 5 (key exists: duplicate, completion update or conflict), then 6–7, then insert.
    /// `twinAt` keeps where the stored twin's columns are, for the file's next rows.
    private func store(_ row: StagedRow, kind: FeedKind, schema: FeedSchema, record: RowOrigin,
                       insert: Statement, twinAt: inout StoredTwinColumns?) throws -> StoreResult {
        if row.laterFailure == nil {
            try insert.bindRow(row.values)
            try insert.bindRow(row.extras, from: Int32(row.values.count + 1))
            try insert.run()
            if db.changes == 1 { return .accepted }
        }
        return try settleByTwin(row, kind: kind, schema: schema, record: record, fileID: nil, twinAt: &twinAt)
    }

    /// Step 5 for a row not inserted: its key's stored twin makes it a duplicate, a completion
    /// update or a conflict; with no twin, the later check it failed rejects it. `fileID`: the
    /// row was one of a statement of many rows that passed some over, so a twin stored from
    /// this file's line is the row itself, stored.
    private func settleByTwin(_ row: StagedRow, kind: FeedKind, schema: FeedSchema, record: RowOrigin, fileID: Int64?,
                        twinAt: inout StoredTwinColumns?) throws -> StoreResult {
        let spec = row.spec
        var stored: [SQLValue]?
        var storedID: Int64 = 0
        var storedFile: Int64 = 0
        var storedLine: Int64 = 0
        try db.query(spec.selectSQL, row.key) { result in
            let at = twinAt ?? StoredTwinColumns(result, spec: spec)
            twinAt = at
            storedID = result.int(at.id)
            storedFile = result.int(at.sourceFile)
            storedLine = result.int(at.sourceLine)
            stored = at.fields.map(result.value)
        }
        if let fileID, stored != nil, storedFile == fileID, storedLine == Int64(record.line) { return .accepted }
        guard let stored else {
            if let failure = row.laterFailure { return .rejected(failure) }
            preconditionFailure("a row that could not be inserted has no stored twin")
        }
        // Byte for byte (SPEC §3): text in NFC and in NFD are different values.
        let differing = (0..<spec.fields.count).filter { !stored[$0].isIdentical(to: row.values[$0]) }
        if differing.isEmpty { return .duplicate }
        // The one allowed update: an order line's completion arriving on a re-delivered row.
        if kind == .orders, differing.count == 1, spec.fields[differing[0]] == "completed_at" {
            if stored[differing[0]] == .null {
                try db.run("UPDATE order_lines SET completed_at = ? WHERE id = ?", [row.values[differing[0]], .int(storedID)])
                // A line posting has looked at waits in pending_lines; one it has not is read
                // from order_lines when it is.
                try db.run("UPDATE pending_lines SET completed_at = ? WHERE line_id = ?", [row.values[differing[0]], .int(storedID)])
                return .updated
            }
            if row.values[differing[0]] == .null { return .duplicate }
        }
        let name = spec.fields[differing[0]]
        let column = schema.columns.firstIndex { $0.name == name }.map { record.columns[$0] } ?? 0
        return .rejected(Rejection(.conflictingRedelivery, column: column,
                                   "\(name) differs from the row already stored (first delivered at line \(storedLine)); the stored row is kept"))
    }
}
