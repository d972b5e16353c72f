// Database: rows bound by reference (bindRow), checkpoints on their own thread, new stores' page size.
import CSQLite
import Foundation
import MallStore
import XCTest

final class DatabaseTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.path + "/mallstore-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    func testBindRowStoresEveryValueExactlyAcrossRowsAndBufferGrowth() throws {
        let db = try Database(path: directory + "/s.db")
        try db.execute("CREATE TABLE t (n INTEGER PRIMARY KEY, a TEXT, b INTEGER, c TEXT, d TEXT) STRICT")
        let insert = try db.prepare("INSERT INTO t(n, a, b, c, d) VALUES (?, ?, ?, ?, ?)")
        // Short (inline) strings, an empty one, NULL, non-ASCII text, and texts long enough
        // to outgrow the statement's buffer in the middle of a row.
        let long = String(repeating: "長", count: 3_000)
        let rows: [[SQLValue]] = [
            [.int(1), .text("M0-1"), .int(-5), .text(""), .null],
            [.int(2), .text(long), .int(Int64.max), .text(long + "x"), .text("短")],
            [.int(3), .text("SKU-7435"), .null, .text("food/tea"), .text(String(repeating: "y", count: 9_000))],
            [.int(4), .text("b"), .int(0), .null, .text("")],
        ]
        try db.transaction {
            for row in rows {
                // Two parts, as ingest binds a row's fields and then its extras.
                try insert.bindRow(Array(row.prefix(3)))
                try insert.bindRow(Array(row.dropFirst(3)), from: 4)
                try insert.run()
            }
        }
        var stored: [[SQLValue]] = []
        try db.query("SELECT n, a, b, c, d FROM t ORDER BY n") { row in
            stored.append((0..<5).map { row.value(Int32($0)) })
        }
        XCTAssertEqual(stored, rows)
    }

    func testANewStoreHas16KiBPagesAndAnOlderOneKeepsItsOwn() throws {
        func pageSize(_ db: Database) throws -> Int64? {
            try db.scalar("PRAGMA page_size").flatMap { if case .int(let n) = $0 { return n } else { return nil } }
        }
        let fresh = try Database(path: directory + "/new.db")
        try fresh.execute("CREATE TABLE t (n INTEGER PRIMARY KEY) STRICT")
        XCTAssertEqual(try pageSize(fresh), 16_384)
        // A store made with 4 KiB pages before (as stores made before this setting were):
        // opening it again, even to create, leaves its pages as they are.
        let olderPath = directory + "/old.db"
        do {
            var handle: OpaquePointer?
            XCTAssertEqual(sqlite3_open(olderPath, &handle), SQLITE_OK)
            XCTAssertEqual(sqlite3_exec(handle, "PRAGMA page_size = 4096; PRAGMA journal_mode = WAL; CREATE TABLE t (n INTEGER PRIMARY KEY) STRICT; INSERT INTO t VALUES (1)", nil, nil, nil), SQLITE_OK)
            sqlite3_close(handle)
        }
        let older = try Database(path: olderPath, opening: .create)
        XCTAssertEqual(try pageSize(older), 4_096)
        XCTAssertEqual(try older.scalar("SELECT n FROM t"), .int(1))
    }

    /// Statements whose texts have one length and differ only between the bytes the cache
    /// hashes each keep their own prepared statement; a text built again finds its own.
    func testStatementsAlikeInLengthAndSampledBytesAreCachedApart() throws {
        let db = try Database(path: directory + "/s.db")
        let texts = (0..<10).map { "SELECT \($0) AS n" }
        XCTAssertEqual(Set(texts.map(\.utf8.count)).count, 1)
        for round in 0..<3 {
            for (expected, text) in texts.enumerated() {
                let sql = round == 2 ? String(decoding: Array(text.utf8), as: UTF8.self) : text
                XCTAssertEqual(try db.scalar(sql), .int(Int64(expected)), "\(sql), round \(round)")
            }
        }
        XCTAssertTrue(try db.prepare(texts[3]) === db.prepare(String(decoding: Array(texts[3].utf8), as: UTF8.self)))
        XCTAssertFalse(try db.prepare(texts[3]) === db.prepare(texts[4]))
    }

    func testRowsReadByColumnName() throws {
        let db = try Database(path: directory + "/s.db")
        var read: [String] = []
        try db.query("SELECT 'Café' AS name, 42 AS fen, NULL AS missing, 7 AS fen2 UNION ALL SELECT '', -1, 3, 8") { row in
            read.append("\(row.string("name"))|\(row.int("fen"))|\(row.optionalInt("missing").map(String.init) ?? "nil")|"
                        + "\(row.isNull("missing"))|\(row.text("fen2") ?? "")|\(row.value("fen"))")
        }
        XCTAssertEqual(read, ["Café|42|nil|true|7|\(SQLValue.int(42))", "|-1|3|false|8|\(SQLValue.int(-1))"])
    }

    func testCommittedPagesReachTheStoreFileWithoutAnotherCommit() throws {
        let path = directory + "/s.db"
        func storeFileBytes() -> Int {
            ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
        }
        do {
            let db = try Database(path: path)
            try db.checkpointInBackground()
            try db.execute("CREATE TABLE t (n INTEGER PRIMARY KEY, a TEXT) STRICT")
            let before = storeFileBytes()
            try db.transaction {
                for n in 0..<20_000 { try db.run("INSERT INTO t(n, a) VALUES (?, ?)", [.int(Int64(n)), .text("row \(n)")]) }
            }
            // The commit only wrote the log; the checkpoint thread copies the pages into the
            // store file while this connection does nothing.
            let deadline = Date().addingTimeInterval(20)
            while storeFileBytes() < before + 300_000 && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
            XCTAssertGreaterThan(storeFileBytes(), before + 300_000)
        }
        // Closed: nothing is left in the log, and every row reads back.
        XCTAssertFalse(FileManager.default.fileExists(atPath: path + "-wal"))
        let reopened = try Database(path: path)
        XCTAssertEqual(try reopened.scalar("SELECT count(*) FROM t"), .int(20_000))
        XCTAssertEqual(try reopened.scalar("SELECT a FROM t WHERE n = 19999"), .text("row 19999"))
    }

    /// A transaction inside a transaction is a savepoint: its throw undoes its own writes and
    /// no others, and the outer transaction commits what is left.
    func testANestedTransactionRollsBackToItsSavepoint() throws {
        let db = try Database(path: directory + "/s.db")
        try db.execute("CREATE TABLE t (n INTEGER PRIMARY KEY) STRICT")
        struct Refused: Error {}
        try db.transaction {
            try db.run("INSERT INTO t(n) VALUES (1)")
            XCTAssertThrowsError(try db.transaction {
                try db.run("INSERT INTO t(n) VALUES (2)")
                try db.transaction { try db.run("INSERT INTO t(n) VALUES (3)") }
                throw Refused()
            })
            try db.transaction { try db.run("INSERT INTO t(n) VALUES (4)") }
        }
        var kept: [Int64] = []
        try db.query("SELECT n FROM t ORDER BY n") { kept.append($0.int(0)) }
        XCTAssertEqual(kept, [1, 4])
        // An outer throw still undoes everything, the released savepoints with it.
        XCTAssertThrowsError(try db.transaction {
            try db.transaction { try db.run("INSERT INTO t(n) VALUES (5)") }
            throw Refused()
        })
        kept = []
        try db.query("SELECT n FROM t ORDER BY n") { kept.append($0.int(0)) }
        XCTAssertEqual(kept, [1, 4])
    }

    /// Indexes set aside for a bulk step come back with the definitions the store held and
    /// with an entry for every row the step wrote, read through them; a throw inside the
    /// step leaves them as they were; names the store does not hold are passed over.
    func testIndexesSetAsideComeBackWhole() throws {
        let db = try Database(path: directory + "/s.db")
        try db.execute("""
            CREATE TABLE t (n INTEGER PRIMARY KEY, state TEXT NOT NULL, run INTEGER) STRICT;
            CREATE INDEX t_open ON t(state) WHERE run IS NULL;
            CREATE INDEX t_run ON t(run) WHERE run IS NOT NULL;
            """)
        func definitions() throws -> [String] {
            var sql: [String] = []
            try db.query("SELECT name || ': ' || sql FROM sqlite_master WHERE type = 'index' ORDER BY name") {
                sql.append($0.string(0))
            }
            return sql
        }
        func count(_ sql: String) throws -> Int64 {
            guard case .int(let n)? = try db.scalar(sql) else { return -1 }
            return n
        }
        let declared = try definitions()
        try db.transaction {
            for n in 1...1_000 { try db.run("INSERT INTO t(n, state) VALUES (?, 'unchecked')", [.int(Int64(n))]) }
        }
        try db.transaction {
            try db.withIndexesSetAside(["t_open", "t_run", "t_missing"]) {
                XCTAssertEqual(try definitions(), [])
                // Most rows leave the first index for the second; a few stay.
                try db.run("UPDATE t SET state = 'accepted', run = n % 7 WHERE n > 30")
            }
        }
        XCTAssertEqual(try definitions(), declared)
        XCTAssertEqual(try count("SELECT count(*) FROM t INDEXED BY t_open WHERE run IS NULL AND state = 'unchecked'"), 30)
        XCTAssertEqual(try count("SELECT count(*) FROM t INDEXED BY t_run WHERE run IS NOT NULL AND run = 3"), 139)
        XCTAssertEqual(try count("SELECT count(*) FROM t WHERE run = 3"), 139)
        XCTAssertEqual(try db.integrityCheck(), "ok")
        // A throw inside the step: the transaction's rollback restores the indexes and rows.
        struct Refused: Error {}
        XCTAssertThrowsError(try db.transaction {
            try db.withIndexesSetAside(["t_run"]) {
                try db.run("UPDATE t SET run = NULL")
                throw Refused()
            }
        })
        XCTAssertEqual(try definitions(), declared)
        XCTAssertEqual(try count("SELECT count(*) FROM t INDEXED BY t_run WHERE run IS NOT NULL AND run = 3"), 139)
        XCTAssertEqual(try db.integrityCheck(), "ok")
    }

    /// Store errors name SQLite's result code, extended where it is known.
    func testStoreErrorsNameTheResultCode() throws {
        let db = try Database(path: directory + "/s.db")
        try db.execute("CREATE TABLE t (n INTEGER PRIMARY KEY) STRICT")
        try db.run("INSERT INTO t(n) VALUES (1)")
        XCTAssertThrowsError(try db.run("INSERT INTO t(n) VALUES (1)")) { error in
            XCTAssertEqual("\(error)", "store error SQLITE_CONSTRAINT_PRIMARYKEY (1555): UNIQUE constraint failed: t.n (in: INSERT INTO t(n) VALUES (1))")
        }
        XCTAssertThrowsError(try db.execute("SELECT * FROM missing")) { error in
            XCTAssertEqual("\(error)", "store error SQLITE_ERROR (1): no such table: missing (in: SELECT * FROM missing)")
        }
        XCTAssertEqual(StoreError(code: 13, message: "disk I/O", sql: nil).description,
                       "store error SQLITE_FULL (13): disk I/O. The disk holding the store is full: free space there and run the command again")
        XCTAssertEqual(StoreError(code: 3850, message: "m", sql: nil).codeName, "SQLITE_IOERR")
        XCTAssertEqual(StoreError(code: 0, message: "not from SQLite", sql: nil).description, "store error: not from SQLite")
    }

    /// Migration 5 keeps the breaks of an older store, with their ids, and the uniqueness of
    /// (kind, channel, reference) for every kind but the channel and payout kinds, which may
    /// be opened again once resolved.
    func testMigrationFiveKeepsTheBreaksAndTheirUniqueness() throws {
        let db = try Database(path: directory + "/s.db")
        try db.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL) STRICT")
        for migration in Schema.migrations where migration.version <= 2 {
            try db.execute(migration.sql)
            try db.run("INSERT INTO schema_migrations(version, name) VALUES (?, ?)", [.int(Int64(migration.version)), .text(migration.name)])
        }
        try db.run("""
            INSERT INTO breaks(break_id, kind, channel, reference, expected, found, first_seen, resolved_at, detail)
            VALUES (7, 'orphan', '', 'R-1/O-1/1', NULL, 500, '2026-11-05', NULL, 'held')
            """)
        XCTAssertEqual(try db.migrate(), Schema.migrations.map(\.version).filter { $0 > 2 })
        var rows: [String] = []
        try db.query("SELECT break_id, kind, reference, found, first_seen FROM breaks") {
            rows.append("\($0.int(0))|\($0.string(1))|\($0.string(2))|\($0.int(3))|\($0.string(4))")
        }
        XCTAssertEqual(rows, ["7|orphan|R-1/O-1/1|500|2026-11-05"])
        let orphanAgain = "INSERT OR IGNORE INTO breaks(kind, channel, reference, first_seen, detail) VALUES ('orphan', '', 'R-1/O-1/1', '2026-11-06', 'x')"
        XCTAssertEqual(try db.run(orphanAgain), 0, "an orphan break is still opened once")
        let missing = "INSERT INTO breaks(kind, channel, reference, first_seen, resolved_at, detail) VALUES ('missing_in_channel', 'wechat', 'P-1', '2026-11-06', ?, 'pay')"
        XCTAssertEqual(try db.run(missing, [.text("2026-11-07")]), 1)
        XCTAssertEqual(try db.run(missing, [.null]), 1, "a channel break may be opened again")
    }

    /// Text is identical byte for byte: NFC and NFD spellings differ, though Swift's == says not.
    func testTextValuesAreIdenticalOnlyByteForByte() {
        let nfc = SQLValue.text("Caf\u{E9}"), nfd = SQLValue.text("Cafe\u{301}")
        XCTAssertEqual(nfc, nfd)
        XCTAssertFalse(nfc.isIdentical(to: nfd))
        XCTAssertTrue(nfc.isIdentical(to: .text("Caf\u{E9}")))
        XCTAssertTrue(SQLValue.int(7).isIdentical(to: .int(7)))
        XCTAssertFalse(SQLValue.null.isIdentical(to: .text("")))
    }
}
