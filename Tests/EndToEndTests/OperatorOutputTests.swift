// What an operator meets when a feed is lost or an inbox file is passed over (issue 15,
// items 1 and 2): each file rejected whole gets a line of its own, each file passed over is
// said with why, `status` lists both, and `close` warns while a rejected feed has not been
// delivered again.

import Foundation
import XCTest

final class OperatorOutputTests: XCTestCase {
    private func sh(_ command: String, in directory: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        try? process.run()
        process.waitUntilExit()
    }

    func testALostFeedAndPassedOverFilesAreNamedOnLinesOfTheirOwn() throws {
        let scratch = try Scratch()
        try scratch.write("mall.json", CommandLineTests.config)
        let good = CommandLineTests.orders.components(separatedBy: "\n").prefix(2).joined(separator: "\n") + "\n"
        try scratch.write("inbox/ORDERS-1110.csv", good)  // an upper-case prefix is still an orders file
        try scratch.write("full.csv", good.replacingOccurrences(of: "O-1,", with: "O-9,"))
        sh("gzip -c full.csv | head -c 60 > inbox/orders-1111.csv.gz", in: scratch.root)  // cut short
        try scratch.write("inbox/refunds-1110.csv.part", "refund_id\n")
        try scratch.write("inbox/notes.txt", "not a feed\n")
        let common = ["--config", "mall.json", "--db", "s.db", "--reports", "out"]
        XCTAssertEqual(try Binary.run(["init", "--db", "s.db"], in: scratch.root).status, 0)
        let run = try Binary.run(["run", "--inbox", "inbox", "--date", "2026-11-30"] + common, in: scratch.root)
        XCTAssertEqual(run.status, 3, run.stderr)
        XCTAssertEqual(run.stdout, """
            run 20261130-r000001 as of 2026-11-30; 2 new file(s), 0 already stored, 1 rows read; 2 fee lines posted; 1 quarantined (see quarantine/20261130-r000001.csv)
            REJECTED inbox/orders-1111.csv.gz: corrupt_gzip — nothing of it was stored; deliver it again
            SKIPPED notes.txt: not a feed name
            SKIPPED refunds-1110.csv.part: still being written

            """)
        let status = try Binary.run(["status", "--db", "s.db"], in: scratch.root)
        XCTAssertTrue(status.stdout.contains("""
            files rejected whole and not delivered again: 1
              inbox/orders-1111.csv.gz: corrupt_gzip
            inbox files the latest run passed over: 2
              notes.txt: not a feed name
              refunds-1110.csv.part: still being written
            """), status.stdout)
        // close warns while the lost feed is missing, and records the warning.
        let close = try Binary.run(["close", "--through", "2026-11-30"] + common, in: scratch.root)
        XCTAssertEqual(close.status, 0, close.stderr)
        XCTAssertEqual(close.stderr, "mallsettle: WARNING: inbox/orders-1111.csv.gz was rejected whole (corrupt_gzip) and not "
                       + "delivered again: none of its rows are in the sheets closed\n")
        XCTAssertTrue(try scratch.read("out/runs/20261130-r000002.json").contains(
            #""warnings" : [\#n    "inbox/orders-1111.csv.gz was rejected whole (corrupt_gzip)"#))
        // Delivered again whole under the same name: no longer listed.
        sh("gzip -c full.csv > inbox/orders-1111.csv.gz && rm inbox/notes.txt inbox/refunds-1110.csv.part", in: scratch.root)
        let again = try Binary.run(["run", "--inbox", "inbox", "--date", "2026-12-01"] + common, in: scratch.root)
        XCTAssertEqual(again.status, 0, again.stderr)
        let after = try Binary.run(["status", "--db", "s.db"], in: scratch.root)
        XCTAssertFalse(after.stdout.contains("rejected whole"), after.stdout)
        XCTAssertFalse(after.stdout.contains("passed over"), after.stdout)
    }
}
