// A file stored while its digest is still being made: when the digest arrives and shows the
// file already stored or unreadable, everything the file wrote is undone (SPEC §3: the same
// file twice changes nothing; a corrupt file is rejected whole).

import Foundation
import MallCore
import MallIO
import XCTest
@testable import Settlement

final class IngestAheadOfDigestTests: XCTestCase {
    private let secondOrder = "O-2,P-2,1,SUP-A,B-2,gold,SKU-PHONE,digital/phone,1,100.00,,0,0,0,0,0,100.00,wechat,2026-11-10T10:00:00+08:00,2026-11-10T10:01:00+08:00,2026-11-10T18:00:00+08:00,CNY"
    /// A row that fails its checks (quantity 0), so the file writes a quarantine row too.
    private let badOrder = "O-3,P-3,1,SUP-A,B-3,gold,SKU-PHONE,digital/phone,0,100.00,,0,0,0,0,0,100.00,wechat,2026-11-10T10:00:00+08:00,2026-11-10T10:01:00+08:00,2026-11-10T18:00:00+08:00,CNY"

    /// Ingests `path` inside a transaction, handing it `digest` only after its rows have started.
    private func ingestAhead(_ ws: Workspace, _ path: String, digest: Result<String, FeedFileError>) throws -> FileOutcome {
        let pending = PendingDigest()
        let ingestor = Ingestor(db: ws.db, config: try Fixture.config(), runSeq: 9, progress: ProgressLog(enabled: false))
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: 0.05)
            pending.fulfil(digest)
        }
        XCTAssertNil(pending.ifReady, "the digest must arrive after the rows started")
        return try ws.db.transaction { try ingestor.ingest(path: path, kind: .orders, digest: pending) }
    }

    private func count(_ ws: Workspace, _ sql: String) throws -> Int64 {
        var n: Int64 = -1
        try ws.db.query(sql) { n = $0.int(0) }
        return n
    }

    func testANewFileStoredAheadOfItsDigestKeepsTheDigest() throws {
        let ws = try Workspace()
        let path = try ws.write("orders-a.csv", Fixture.orders(Fixture.workedOrder, secondOrder, badOrder))
        let sha = try FeedReader.digest(path: path)
        let outcome = try ingestAhead(ws, path, digest: .success(sha))
        XCTAssertEqual(outcome.status, .ingested)
        XCTAssertEqual(outcome.sha256, sha)
        XCTAssertEqual([outcome.read, outcome.accepted, outcome.quarantined], [3, 2, 1])
        var stored: [String] = []
        try ws.db.query("SELECT sha256, status, rows_read, accepted, quarantined FROM feed_files") {
            stored.append("\($0.string(0))|\($0.string(1))|\($0.int(2))|\($0.int(3))|\($0.int(4))")
        }
        XCTAssertEqual(stored, ["\(sha)|ingested|3|2|1"])
        XCTAssertEqual(try count(ws, "SELECT count(*) FROM order_lines"), 2)
        XCTAssertEqual(try ws.quarantine(), ["orders-a.csv:4:9:bad_quantity"])
    }

    func testAFileTheDigestShowsKnownHasEveryRowUndone() throws {
        let ws = try Workspace()
        let first = try ws.write("orders-a.csv", Fixture.orders(Fixture.workedOrder))
        let config = try Fixture.config()
        try ws.run("2026-11-10", config: config)
        let firstSHA = try FeedReader.digest(path: first)
        let linesBefore = try count(ws, "SELECT count(*) FROM order_lines")
        // Other rows under a digest the store already holds: the digest decides, so none of
        // them (nor their quarantine row) may stay.
        let path = try ws.write(ws.root + "/orders-b.csv", Fixture.orders(secondOrder, badOrder))
        let outcome = try ingestAhead(ws, path, digest: .success(firstSHA))
        XCTAssertEqual(outcome.status, .known)
        XCTAssertEqual(outcome.sha256, firstSHA)
        XCTAssertEqual(try count(ws, "SELECT count(*) FROM order_lines"), linesBefore)
        XCTAssertEqual(try count(ws, "SELECT count(*) FROM feed_files"), 1)
        XCTAssertEqual(try count(ws, "SELECT count(*) FROM quarantine"), 0)
    }

    func testAFileTheDigestFindsCorruptIsRejectedWholeWithItsRowsUndone() throws {
        let ws = try Workspace()
        let path = try ws.write("orders-c.csv", Fixture.orders(Fixture.workedOrder, badOrder))
        let corrupt = FeedFileError(kind: .corruptGzip, file: path, message: "the gzip stream ends early")
        let outcome = try ingestAhead(ws, path, digest: .failure(corrupt))
        XCTAssertEqual(outcome.status, .rejected)
        XCTAssertEqual(try count(ws, "SELECT count(*) FROM order_lines"), 0)
        XCTAssertEqual(try ws.quarantine(), ["orders-c.csv:0:0:corrupt_gzip"])
        var stored: [String] = []
        try ws.db.query("SELECT status, rows_read, quarantined FROM feed_files") {
            stored.append("\($0.string(0))|\($0.int(1))|\($0.int(2))")
        }
        XCTAssertEqual(stored, ["rejected|0|1"])
    }
}
