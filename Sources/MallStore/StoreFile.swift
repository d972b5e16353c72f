// StoreFile: what a `--db` path holds, found out without changing it, and the one way the
// commands open a store (SPEC §11). Only `init` creates a store; every other command opens one
// that is there and is ours. A path with no file, a 0-byte file, a file that is not SQLite or
// an SQLite file without our schema is refused before anything is written beside it: no
// lock file, no -wal or -shm, the file's bytes and time untouched.

import Foundation

/// A `--db` path that does not hold a store a command can use, with what to do about it.
public struct StoreRefusal: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { message }
    public init(message: String) { self.message = message }
}

/// What a command does with the store.
public enum StoreAccess: Sendable {
    /// `ingest`, `run`, `close`: an older schema is brought up to date.
    case write
    /// `export`, `status`, `verify`, `report`, `reconcile`: the store is never written; an
    /// older schema is refused, asking for `init`.
    case read
}

public enum StoreFile {
    /// What is at a path, read from its first bytes only.
    enum Found: Equatable {
        case missing, folder, empty, notSQLite, sqlite
        case unreadable(String)
    }

    /// The first 16 bytes of every SQLite 3 database file.
    static let sqliteMagic = Array("SQLite format 3\u{0}".utf8)

    static func look(at path: String) -> Found {
        var info = stat()
        guard stat(path, &info) == 0 else {
            return errno == ENOENT ? .missing : .unreadable(String(cString: strerror(errno)))
        }
        if info.st_mode & S_IFMT == S_IFDIR { return .folder }
        if info.st_size == 0 { return .empty }
        let descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return .unreadable(String(cString: strerror(errno))) }
        defer { Glibc.close(descriptor) }
        var head = [UInt8](repeating: 0, count: sqliteMagic.count)
        let count = head.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
        if count < 0 { return .unreadable(String(cString: strerror(errno))) }
        return count == sqliteMagic.count && head == sqliteMagic ? .sqlite : .notSQLite
    }

    /// Refuses a path that does not hold a MallSettle store, without writing anything there.
    /// Returns the store's schema version (at least 1).
    @discardableResult
    public static func check(_ path: String) throws -> Int {
        switch look(at: path) {
        case .missing:
            throw StoreRefusal(message: "no store at \(path): give --db PATH, or create one with `mallsettle init --db \(path)`")
        case .folder:
            throw StoreRefusal(message: "\(path) is a folder, not a MallSettle store — is --db right?")
        case .empty:
            throw StoreRefusal(message: "\(path) is an empty file (0 bytes), not a MallSettle store — is --db right? "
                               + "(`mallsettle init --db \(path)` makes a store there)")
        case .notSQLite:
            throw StoreRefusal(message: "\(path) is not a MallSettle store (not an SQLite database) — is --db right?")
        case .unreadable(let why):
            throw StoreRefusal(message: "cannot read the store \(path): \(why)")
        case .sqlite:
            let probed: Int?
            do {
                probed = try probe(path)
            } catch let error as StoreError where error.code & 0xFF == 26 {  // SQLITE_NOTADB
                throw StoreRefusal(message: "\(path) is not a MallSettle store (not an SQLite database) — is --db right?")
            } catch let error as StoreError where [8, 14].contains(error.code & 0xFF) {  // READONLY, CANTOPEN
                // A WAL store needs its -shm beside it even to be read: say why it cannot be.
                guard let why = unwritable(path) else { throw error }
                throw StoreError(code: 8, message: "cannot open the store \(path): \(why)", sql: nil)
            }
            guard let version = probed else {
                throw StoreRefusal(message: "\(path) is not a MallSettle store (an SQLite database without MallSettle's tables) — is --db right?")
            }
            return version
        }
    }

    /// Why the store at `path` cannot be written, when it cannot: its file system is
    /// mounted read-only, or the file or its folder is not writable.
    static func unwritable(_ path: String) -> String? {
        var info = statvfs()
        if statvfs(path, &info) == 0 && info.f_flag & UInt(ST_RDONLY) != 0 { return "the file system holding it is read-only" }
        let folder = (path as NSString).deletingLastPathComponent
        if access(path, W_OK) != 0 { return "the file is read-only (\(String(cString: strerror(errno))))" }
        if access(folder.isEmpty ? "." : folder, W_OK) != 0 { return "its folder is read-only (\(String(cString: strerror(errno))))" }
        return nil
    }

    /// The schema version of the SQLite file at `path` when it is a MallSettle store, else
    /// nil. The connection refuses writes and leaves no -wal or -shm behind.
    static func probe(_ path: String) throws -> Int? {
        let db = try Database(path: path, opening: .queryOnly)
        guard try db.isMallSettleStore() else { return nil }
        return try db.schemaVersion()
    }

    /// Opens the store at `path` for `access`: refused when it is not a store (see `check`),
    /// when its schema is newer than this program's, or, for `.read`, older; for `.write`
    /// an older schema is brought up to date. `extra`: the migrations a module above adds.
    public static func open(_ path: String, for access: StoreAccess, adding extra: [Migration]) throws -> Database {
        let version = try check(path)
        let newest = newestVersion(adding: extra)
        if version > newest {
            throw StoreRefusal(message: "the store \(path) is at schema \(version), newer than this mallsettle knows "
                               + "(schema \(newest)): use the mallsettle that wrote it")
        }
        switch access {
        case .read:
            if version < newest {
                throw StoreRefusal(message: "the store \(path) is at schema \(version) and this mallsettle reads schema \(newest): "
                                   + "bring it up to date with `mallsettle init --db \(path)` (this command only reads the store)")
            }
            return try Database(path: path, opening: .queryOnly)
        case .write:
            let db = try Database(path: path, opening: .existing)
            try db.migrate(adding: extra)
            return db
        }
    }

    /// `init`: creates the store at `path` when nothing (or a 0-byte file) is there, or
    /// brings the store there up to date; anything else at `path` is refused and left as it
    /// is. Returns the store and the versions applied now.
    public static func create(_ path: String, adding extra: [Migration]) throws -> (Database, applied: [Int]) {
        try checkCreatable(path, adding: extra)
        let db = try Database(path: path, opening: .create)
        return (db, try db.migrate(adding: extra))
    }

    /// Refuses, as `create` would, a path `init` may not make a store at or bring up to
    /// date: anything but nothing, a 0-byte file or a store of a schema this program knows.
    public static func checkCreatable(_ path: String, adding extra: [Migration]) throws {
        let found = look(at: path)
        guard found != .missing && found != .empty else { return }
        let version = try check(path)
        let newest = newestVersion(adding: extra)
        if version > newest {
            throw StoreRefusal(message: "the store \(path) is at schema \(version), newer than this mallsettle knows "
                               + "(schema \(newest)): use the mallsettle that wrote it")
        }
    }

    static func newestVersion(adding extra: [Migration]) -> Int {
        (Schema.migrations + extra).map(\.version).max() ?? 0
    }
}

extension Database {
    /// True when the file holds MallSettle's migrations table with its first migration (a
    /// `schema_migrations` table of another program has other columns or rows).
    func isMallSettleStore() throws -> Bool {
        let table = try scalar("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
        guard case .int(1)? = table else { return false }
        let columns = try scalar("SELECT count(*) FROM pragma_table_info('schema_migrations') WHERE name IN ('version', 'name')")
        guard case .int(2)? = columns else { return false }
        let first = try scalar("SELECT name FROM schema_migrations WHERE version = 1")
        return first == .text(Schema.migrations[0].name)
    }
}
