// Database: rows bound by reference (bindRow) and checkpoints on their own thread.
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
}
