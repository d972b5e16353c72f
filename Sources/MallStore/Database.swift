// Database: the SQLite connection, its statement cache and transactions.
// This module is the only importer of CSQLite; values are always bound, never interpolated.

internal import CSQLite
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A store error: the SQLite result code, its message and the SQL that failed.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    public let code: Int32
    public let message: String
    public let sql: String?

    public init(code: Int32, message: String, sql: String?) {
        self.code = code
        self.message = message
        self.sql = sql
    }

    public var description: String {
        var text = code == 0 ? "store error: \(message)" : "store error \(codeName) (\(code)): \(message)"
        if let advice { text += ". \(advice)" }
        if let sql { text += " (in: \(sql.prefix(200)))" }
        return text
    }

    /// SQLite's name for `code`: the extended name when it is one of those named here, else
    /// the primary result code's name (`SQLITE_CONSTRAINT_UNIQUE`, `SQLITE_BUSY`, `SQLITE_IOERR`).
    public var codeName: String {
        if let name = StoreError.extendedNames[code] { return name }
        return StoreError.primaryNames[code & 0xFF] ?? "SQLITE_\(code & 0xFF)"
    }

    /// SQLite's primary result codes (sqlite3.h), by number.
    static let primaryNames: [Int32: String] = [
        1: "SQLITE_ERROR", 2: "SQLITE_INTERNAL", 3: "SQLITE_PERM", 4: "SQLITE_ABORT", 5: "SQLITE_BUSY",
        6: "SQLITE_LOCKED", 7: "SQLITE_NOMEM", 8: "SQLITE_READONLY", 9: "SQLITE_INTERRUPT", 10: "SQLITE_IOERR",
        11: "SQLITE_CORRUPT", 12: "SQLITE_NOTFOUND", 13: "SQLITE_FULL", 14: "SQLITE_CANTOPEN", 15: "SQLITE_PROTOCOL",
        16: "SQLITE_EMPTY", 17: "SQLITE_SCHEMA", 18: "SQLITE_TOOBIG", 19: "SQLITE_CONSTRAINT", 20: "SQLITE_MISMATCH",
        21: "SQLITE_MISUSE", 22: "SQLITE_NOLFS", 23: "SQLITE_AUTH", 24: "SQLITE_FORMAT", 25: "SQLITE_RANGE",
        26: "SQLITE_NOTADB", 27: "SQLITE_NOTICE", 28: "SQLITE_WARNING", 100: "SQLITE_ROW", 101: "SQLITE_DONE",
    ]

    /// The extended result codes a store run meets (sqlite3.h), by number.
    static let extendedNames: [Int32: String] = [
        275: "SQLITE_CONSTRAINT_CHECK", 787: "SQLITE_CONSTRAINT_FOREIGNKEY", 1299: "SQLITE_CONSTRAINT_NOTNULL",
        1555: "SQLITE_CONSTRAINT_PRIMARYKEY", 2067: "SQLITE_CONSTRAINT_UNIQUE", 517: "SQLITE_BUSY_SNAPSHOT",
        261: "SQLITE_BUSY_RECOVERY", 1032: "SQLITE_READONLY_DBMOVED", 266: "SQLITE_IOERR_READ", 778: "SQLITE_IOERR_WRITE",
        1034: "SQLITE_IOERR_FSYNC", 3338: "SQLITE_IOERR_SHORT_READ",
    ]

    /// What a person can do about the errors that come from outside the program.
    public var advice: String? {
        switch code & 0xFF {
        case 13: return "The disk holding the store is full: free space there and run the command again"
        case 8: return "The store cannot be written (read-only file or file system): make it writable and run the command again"
        case 10: return "The disk reported an input/output error: check it and run the command again"
        case 14: return "The store file cannot be opened: check its path and permissions"
        default: return nil
        }
    }
}

/// A value to bind to, or read from, a statement.
public enum SQLValue: Hashable, Sendable {
    case int(Int64)
    case text(String)
    case null
}

extension SQLValue {
    /// Equal as SQLite compares them (BINARY): text byte for byte. Swift's `==` on text
    /// uses canonical equivalence, so `Café` in NFC and in NFD would be `==`; SPEC §3
    /// counts them different values.
    public func isIdentical(to other: SQLValue) -> Bool {
        switch (self, other) {
        case (.text(let a), .text(let b)): return a.utf8.elementsEqual(b.utf8)
        default: return self == other
        }
    }
}

/// Process-wide SQLite settings, applied once before the first connection opens.
private let sqliteConfigured: Void = {
    // Memory statistics cost a global mutex on every allocation, on every thread.
    _ = csqlite_disable_memory_statistics()
}()

/// One SQLite connection. Not shared between threads.
public final class Database {
    let handle: OpaquePointer
    public let path: String
    private var cache: [SQLText: Statement] = [:]
    private var transactionDepth = 0
    private var checkpointer: Checkpointer?

    /// The page size of a store this process creates (bytes).
    public static let newPageSize = 16_384

    /// How a connection opens its file.
    public enum Opening: Sendable {
        /// Creates the file (and its folder) when missing; WAL mode. For `init`, tests and
        /// scratch stores a command makes itself.
        case create
        /// The file must exist; WAL mode. For commands that write to a store that is there.
        case existing
        /// The file must exist, and the connection refuses every write (`PRAGMA query_only`).
        /// Unlike a read-only connection it removes the write-ahead log files it needed when
        /// it closes, so a command that only reads leaves nothing beside the store.
        case queryOnly
        /// `SQLITE_OPEN_READONLY`: a second connection beside a writer of the same process.
        case readOnly
    }

    /// Opens (creating if needed) the store at `path`, in WAL mode; `readOnly` opens an
    /// existing one without writing.
    public convenience init(path: String, readOnly: Bool = false) throws {
        try self.init(path: path, opening: readOnly ? .readOnly : .create)
    }

    /// Opens the file at `path` as `opening` says.
    public init(path: String, opening: Opening) throws {
        self.path = path
        if opening == .create {
            let directory = (path as NSString).deletingLastPathComponent
            if !directory.isEmpty {
                try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            }
        }
        sqliteConfigured
        var db: OpaquePointer?
        let flags: Int32
        switch opening {
        case .create: flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
        case .existing, .queryOnly: flags = SQLITE_OPEN_READWRITE
        case .readOnly: flags = SQLITE_OPEN_READONLY
        }
        let rc = sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            if let db { sqlite3_close_v2(db) }
            throw StoreError(code: rc, message: "\(message): \(path)", sql: nil)
        }
        self.handle = db
        sqlite3_busy_timeout(db, 5_000)
        switch opening {
        case .create, .existing:
            // A new file gets 16 KiB pages: a night appends millions of rows, and on larger
            // pages SQLite splits and balances fewer of them (the 1M-line night's ingest and
            // posting each 5–10% faster). A store that has pages already keeps their size:
            // in WAL mode the setting is ignored.
            if opening == .create { try execute("PRAGMA page_size = \(Database.newPageSize)") }
            try execute("PRAGMA journal_mode = WAL")
            try execute("PRAGMA synchronous = NORMAL")
            // A night's posting is one transaction; keep its pages in memory rather than
            // spilling them to the WAL and reading them back (bounded: 256 MiB).
            try execute("PRAGMA cache_size = -262144")
        case .queryOnly:
            try execute("PRAGMA query_only = ON")
        case .readOnly:
            break
        }
        try execute("PRAGMA foreign_keys = ON")
    }

    deinit {
        cache.removeAll()
        checkpointer?.stop()
        sqlite3_close_v2(handle)
    }

    /// glibc's `malloc_trim`, which Swift's Glibc module does not declare.
    private static let trimHeap: (@convention(c) (Int) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
    }()

    /// Gives back the pages this connection keeps cached but is not using (up to 256 MiB after
    /// a night's posting), and the freed heap to the system, before a stage that works on
    /// connections of its own: the pages are read again from the file or the OS cache if needed.
    public func releaseCachedPages() {
        sqlite3_db_release_memory(handle)
        _ = Database.trimHeap?(0)
    }

    /// Hands the checkpoints of this connection's commits to a thread of their own (see
    /// Checkpointer.swift), for commands that write much: a commit then returns as soon as
    /// its pages are in the log.
    public func checkpointInBackground() throws {
        guard checkpointer == nil else { return }
        try execute("PRAGMA wal_autocheckpoint = 0")
        checkpointer = try Checkpointer(path: path)
    }

    /// Runs one or more statements that bind nothing (schema, pragmas).
    public func execute(_ sql: String) throws {
        var error: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &error)
        if rc != SQLITE_OK {
            let message = error.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(error)
            throw StoreError(code: extended(rc), message: message, sql: sql)
        }
    }

    /// A prepared statement for `sql`, cached by its text.
    public func prepare(_ sql: String) throws -> Statement {
        if let cached = cache[SQLText(sql)] {
            cached.reset()
            return cached
        }
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil)
        guard rc == SQLITE_OK, let stmt else { throw lastError(rc, sql: sql) }
        let statement = Statement(stmt, database: self, sql: sql)
        cache[SQLText(sql)] = statement
        return statement
    }

    /// A statement's text as the cache's key, hashed by its length and eight of its bytes
    /// spread over it instead of every byte: a night looks statements up hundreds of
    /// thousands of times, and hashing their texts whole was a fifth of a following night's
    /// reconcile. Equal keys still compare the whole texts (at once when they share storage,
    /// as a literal or a stored statement does with itself).
    private struct SQLText: Hashable {
        let text: String

        init(_ text: String) { self.text = text }

        static func == (a: SQLText, b: SQLText) -> Bool { a.text == b.text }

        func hash(into hasher: inout Hasher) {
            var text = text
            text.withUTF8 { bytes in
                hasher.combine(bytes.count)
                guard !bytes.isEmpty else { return }
                var sample: UInt64 = 0
                for k in 0..<8 { sample = sample << 8 | UInt64(bytes[(bytes.count - 1) * k / 7]) }
                hasher.combine(sample)
            }
        }
    }

    /// Runs `sql` with `values` bound; returns the number of rows changed.
    @discardableResult
    public func run(_ sql: String, _ values: [SQLValue] = []) throws -> Int {
        let statement = try prepare(sql)
        try statement.bind(values)
        while try statement.step() {}
        return Int(sqlite3_changes(handle))
    }

    /// Calls `row` for every result row of `sql` with `values` bound.
    public func query(_ sql: String, _ values: [SQLValue] = [], _ row: (Statement) throws -> Void) throws {
        let statement = try prepare(sql)
        try statement.bind(values)
        while try statement.step() { try row(statement) }
        statement.reset()
    }

    /// The first column of the first row, or nil.
    public func scalar(_ sql: String, _ values: [SQLValue] = []) throws -> SQLValue? {
        var result: SQLValue?
        try query(sql, values) { row in if result == nil { result = row.value(0) } }
        return result
    }

    /// Runs `body` inside `BEGIN IMMEDIATE … COMMIT`; a throw rolls back and rethrows.
    /// Called inside another transaction, `body` runs in a SAVEPOINT of it: a throw undoes
    /// what `body` wrote and rethrows, and the outer transaction commits or rolls back the rest.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        if transactionDepth > 0 { return try savepoint(body) }
        try execute("BEGIN IMMEDIATE")
        transactionDepth = 1
        do {
            let result = try body()
            try execute("COMMIT")
            transactionDepth = 0
            checkpointer?.request()
            return result
        } catch {
            try? execute("ROLLBACK")
            transactionDepth = 0
            throw error
        }
    }

    /// `body` inside `SAVEPOINT nested_N … RELEASE`, N the depth; a throw rolls back to the
    /// savepoint and rethrows.
    private func savepoint<T>(_ body: () throws -> T) throws -> T {
        let name = "nested_\(transactionDepth)"
        try execute("SAVEPOINT \(name)")
        transactionDepth += 1
        defer { transactionDepth -= 1 }
        do {
            let result = try body()
            try execute("RELEASE \(name)")
            return result
        } catch {
            try? execute("ROLLBACK TO \(name)")
            try? execute("RELEASE \(name)")
            throw error
        }
    }

    /// Runs `body` with the named indexes dropped, then creates them again from the
    /// definitions the store holds, so that they come back exactly as they were declared.
    /// For a step that rewrites most of a table's index entries at once (the first night of
    /// a store, a bulk load): building an index once from the finished table is a scan and a
    /// sort, where keeping it up to date is a B-tree search and change per row. Names the
    /// store does not hold are passed over.
    ///
    /// Only inside a transaction: if `body` or a rebuild throws, the transaction's rollback
    /// brings the indexes back with everything else, and a crash leaves them as committed.
    public func withIndexesSetAside<T>(_ names: [String], _ body: () throws -> T) throws -> T {
        guard !names.isEmpty else { return try body() }
        precondition(transactionDepth > 0, "indexes are set aside only inside a transaction")
        var definitions: [(name: String, sql: String)] = []
        for name in names {
            if case .text(let sql)? = try scalar("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?",
                                                 [.text(name)]) {
                definitions.append((name, sql))
            }
        }
        // An index's name cannot be bound; these are the store's own, just read back.
        for index in definitions { try execute("DROP INDEX \"\(index.name)\"") }
        let result = try body()
        for index in definitions { try execute(index.sql) }
        return result
    }

    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }
    public var changes: Int { Int(sqlite3_changes(handle)) }

    /// `PRAGMA integrity_check`: "ok" when the file is sound.
    public func integrityCheck() throws -> String {
        var lines: [String] = []
        try query("PRAGMA integrity_check") { lines.append($0.text(0) ?? "") }
        return lines.joined(separator: "; ")
    }

    func lastError(_ rc: Int32, sql: String?) -> StoreError {
        StoreError(code: extended(rc), message: String(cString: sqlite3_errmsg(handle)), sql: sql)
    }

    /// The connection's extended result code for `rc` (`SQLITE_CONSTRAINT_UNIQUE` for
    /// `SQLITE_CONSTRAINT`), when it is the error `rc` reports; else `rc`.
    func extended(_ rc: Int32) -> Int32 {
        let code = sqlite3_extended_errcode(handle)
        return code & 0xFF == rc & 0xFF ? code : rc
    }
}

/// A prepared statement. Bind by 1-based index, step, read columns by 0-based index.
public final class Statement {
    let stmt: OpaquePointer
    unowned let database: Database
    let sql: String

    init(_ stmt: OpaquePointer, database: Database, sql: String) {
        self.stmt = stmt
        self.database = database
        self.sql = sql
    }

    /// The text `bindRow` bound by reference: valid until the statement's next row.
    private var rowText = UnsafeMutableRawBufferPointer(start: nil, count: 0)
    private var rowTextUsed = 0
    /// Buffers outgrown in the middle of a row: kept until that row is done with.
    private var outgrownRowText: [UnsafeMutableRawBufferPointer] = []

    deinit {
        sqlite3_finalize(stmt)
        rowText.deallocate()
        for buffer in outgrownRowText { buffer.deallocate() }
    }

    public func reset() {
        sqlite3_reset(stmt)
        sqlite3_clear_bindings(stmt)
    }

    public func bind(_ values: [SQLValue]) throws {
        for (offset, value) in values.enumerated() { try bind(Int32(offset + 1), value) }
    }

    public func bind(_ index: Int32, _ value: SQLValue) throws {
        switch value {
        case .int(let v): try bind(index, v)
        case .text(let v): try bind(index, v)
        case .null: try check(sqlite3_bind_null(stmt, index))
        }
    }

    /// Binds `values` to the parameters from `first` on, like `bind(_:_:)` one by one, but
    /// text by reference (SQLITE_STATIC) to a buffer of this statement's rather than as a copy
    /// SQLite allocates and frees for every value: a million-row ingest binds eight million
    /// texts. Binding from parameter 1 starts a new row; the buffer keeps the row's text until
    /// then, so bind every part of a row before stepping it and rebind before the next step.
    public func bindRow(_ values: [SQLValue], from first: Int32 = 1) throws {
        if first == 1 {
            rowTextUsed = 0
            for buffer in outgrownRowText { buffer.deallocate() }
            outgrownRowText.removeAll()
        }
        var index = first
        for value in values {
            switch value {
            case .int(let v): try check(sqlite3_bind_int64(stmt, index, v))
            case .null: try check(sqlite3_bind_null(stmt, index))
            case .text(var text):
                let rc = text.withUTF8 { utf8 -> Int32 in
                    let start = reserveRowText(utf8.count)
                    if utf8.count > 0 { start.copyMemory(from: UnsafeRawPointer(utf8.baseAddress!), byteCount: utf8.count) }
                    return sqlite3_bind_text(stmt, index, start.assumingMemoryBound(to: CChar.self), Int32(utf8.count), nil)
                }
                try check(rc)
            }
            index += 1
        }
    }

    /// `count` bytes of the row buffer, growing it into a new one when full.
    private func reserveRowText(_ count: Int) -> UnsafeMutableRawPointer {
        if rowTextUsed + count > rowText.count || rowText.baseAddress == nil {
            if rowText.baseAddress != nil { outgrownRowText.append(rowText) }
            rowText = .allocate(byteCount: max(4_096, 2 * (rowTextUsed + count)), alignment: 8)
            rowTextUsed = 0
        }
        defer { rowTextUsed += count }
        return rowText.baseAddress! + rowTextUsed
    }

    public func bind(_ index: Int32, _ value: Int64) throws {
        try check(sqlite3_bind_int64(stmt, index, value))
    }

    public func bind(_ index: Int32, _ value: String) throws {
        var text = value
        let rc = text.withUTF8 { buffer -> Int32 in
            guard let base = buffer.baseAddress, buffer.count > 0 else {
                return csqlite_bind_text_transient(stmt, index, "", 0)
            }
            return base.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                csqlite_bind_text_transient(stmt, index, $0, Int32(buffer.count))
            }
        }
        try check(rc)
    }

    /// Binds bytes as a BLOB (SQLite copies them).
    public func bind(_ index: Int32, blob: [UInt8]) throws {
        // An empty array has no base address, and a NULL pointer would store NULL.
        guard !blob.isEmpty else { return try check(sqlite3_bind_zeroblob(stmt, index, 0)) }
        try check(blob.withUnsafeBytes { sqlite3_bind_blob(stmt, index, $0.baseAddress, Int32($0.count), csqlite_transient()) })
    }

    public func bind(_ index: Int32, _ value: String?) throws {
        if let value { try bind(index, value) } else { try check(sqlite3_bind_null(stmt, index)) }
    }

    public func bind(_ index: Int32, _ value: Int64?) throws {
        if let value { try bind(index, value) } else { try check(sqlite3_bind_null(stmt, index)) }
    }

    /// Advances; true while there is a row to read.
    public func step() throws -> Bool {
        let rc = sqlite3_step(stmt)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: sqlite3_reset(stmt); return false
        default:
            let error = database.lastError(rc, sql: sql)
            sqlite3_reset(stmt)
            throw error
        }
    }

    /// Steps to completion, for statements that return no rows.
    public func run() throws {
        while try step() {}
    }

    /// The 0-based index of the result column named `name` (its `AS` name), for reading rows
    /// by name: look it up once per query, then read each row at the index. A name the query
    /// does not have is a programmer error.
    public func column(_ name: String) -> Int32 {
        for index in 0..<sqlite3_column_count(stmt) where String(cString: sqlite3_column_name(stmt, index)) == name {
            return index
        }
        preconditionFailure("no result column named \(name) in: \(sql)")
    }

    /// How many columns the query's rows have.
    public var columnCount: Int32 { sqlite3_column_count(stmt) }

    public func isNull(_ column: Int32) -> Bool { sqlite3_column_type(stmt, column) == SQLITE_NULL }
    public func int(_ column: Int32) -> Int64 { sqlite3_column_int64(stmt, column) }
    public func optionalInt(_ column: Int32) -> Int64? { isNull(column) ? nil : int(column) }
    public func text(_ column: Int32) -> String? {
        guard let pointer = sqlite3_column_text(stmt, column) else { return nil }
        let count = Int(sqlite3_column_bytes(stmt, column))
        return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
    }
    public func string(_ column: Int32) -> String { text(column) ?? "" }
    /// The bytes of a BLOB (or text) column, valid only inside `body`: SQLite owns them until
    /// the next step. NULL reads as no bytes.
    public func withBlob<T>(_ column: Int32, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        let pointer = sqlite3_column_blob(stmt, column)
        let count = Int(sqlite3_column_bytes(stmt, column))
        return try body(UnsafeRawBufferPointer(start: pointer, count: pointer == nil ? 0 : count))
    }

    // Reading a row by column name: the query's `AS` names, looked up once per statement. For
    // loops over millions of rows, look the indexes up with `column(_:)` before the loop.

    /// The result columns' names, read on the first read by name.
    private var columnNames: [String]?

    /// The first result column named `name`. A statement has a handful of columns: comparing
    /// the names one by one (short names compare as two machine words) costs less than
    /// hashing the name for a dictionary at every read.
    private func index(_ name: String) -> Int32 {
        if columnNames == nil {
            columnNames = (0..<sqlite3_column_count(stmt)).map { String(cString: sqlite3_column_name(stmt, $0)) }
        }
        guard let index = columnNames!.firstIndex(of: name) else { preconditionFailure("no result column named \(name) in: \(sql)") }
        return Int32(index)
    }

    public func isNull(_ name: String) -> Bool { isNull(index(name)) }
    public func int(_ name: String) -> Int64 { int(index(name)) }
    public func optionalInt(_ name: String) -> Int64? { optionalInt(index(name)) }
    public func text(_ name: String) -> String? { text(index(name)) }
    public func string(_ name: String) -> String { string(index(name)) }
    public func value(_ name: String) -> SQLValue { value(index(name)) }

    public func value(_ column: Int32) -> SQLValue {
        switch sqlite3_column_type(stmt, column) {
        case SQLITE_NULL: return .null
        case SQLITE_INTEGER: return .int(int(column))
        default: return .text(string(column))
        }
    }

    private func check(_ rc: Int32) throws {
        guard rc == SQLITE_OK else { throw database.lastError(rc, sql: sql) }
    }
}
