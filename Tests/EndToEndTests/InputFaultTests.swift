// Input that arrives wrong (issue 5): amounts that are not money, a 100 MB field, a gzip bomb,
// NUL bytes and invalid UTF-8, overlapping files delivered out of order. Each is accepted
// correctly or refused with a clear reason, and memory stays bounded.

import Foundation
import XCTest

final class InputFaultTests: XCTestCase {
    static let header = "order_id,line_no,supplier_id,sku,category,quantity,unit_price,paid_cash,payment_channel,ordered_at,paid_at\n"
    static func row(_ id: String, price: String, paid: String = "10.00") -> String {
        "\(id),1,SUP-A,SKU-1,digital/phone,1,\(price),\(paid),wechat,2026-11-03T10:00:00+08:00,2026-11-03T10:00:00+08:00\n"
    }

    func prepare() throws -> Scratch {
        let scratch = try Scratch()
        try scratch.write("mall.json", CommandLineTests.config)
        try FileManager.default.createDirectory(atPath: scratch.path("inbox"), withIntermediateDirectories: true)
        try Binary.initStore(in: scratch.root)
        return scratch
    }

    func quarantine(_ scratch: Scratch) throws -> [[String]] {
        let folder = scratch.path("R/quarantine")
        var rows: [[String]] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: folder).sorted() {
            rows += SecurityTests.parseCSV(try String(contentsOfFile: folder + "/" + name, encoding: .utf8)).dropFirst()
        }
        return rows
    }

    /// The night, then `verify` on the store it leaves.
    func run(_ scratch: Scratch) throws -> Outcome {
        let outcome = try Binary.run(["run", "--config", "mall.json", "--inbox", "inbox", "--db", "s.db", "--date", "2026-11-03",
                                      "--reports", "R"], in: scratch.root)
        let verify = try Binary.run(["verify", "--db", "s.db"], in: scratch.root)
        XCTAssertEqual(verify.status, 0, verify.stdout)
        return outcome
    }

    func testAmountsThatAreNotMoneyAreRefusedWhereTheyStand() throws {
        let scratch = try prepare()
        try scratch.write("inbox/orders-1.csv", Self.header
            + Self.row("O-OK", price: "10.00")
            + Self.row("O-EXP", price: "1e3", paid: "1000.00")
            + Self.row("O-SEP", price: "\"1,000.00\"", paid: "1000.00")
            + Self.row("O-3DP", price: "12.345", paid: "12.35")
            + Self.row("O-BIG", price: "99999999999999999999.00", paid: "10.00")
            + Self.row("O-NEG0", price: "-0.00", paid: "0.00"))
        XCTAssertEqual(try run(scratch).status, 3)
        let rows = try quarantine(scratch)
        XCTAssertEqual(rows.map { [$0[1], $0[2], $0[3]] }, [["3", "7", "bad_money"], ["4", "7", "bad_money"], ["5", "7", "bad_money"], ["6", "7", "bad_money"]])
        let lines = try Binary.run(["export", "fee-lines", "--db", "s.db"], in: scratch.root).stdout
        XCTAssertTrue(lines.contains(",O-OK,"))
        XCTAssertFalse(lines.contains("O-EXP") || lines.contains("O-SEP") || lines.contains("O-3DP") || lines.contains("O-BIG"))
        XCTAssertTrue(lines.contains("O-NEG0") == false, "-0.00 is 0: a free line writes no fee line")
    }

    func testAHundredMegabyteFieldAndAGzipBombStayInBoundedMemory() throws {
        let scratch = try prepare()
        // A 100 MB field in a plain file, then a gzip bomb: 1 KiB-ish of gzip per MB of 'x'.
        let big = FileManager.default.createFile(atPath: scratch.path("inbox/orders-1-huge.csv"), contents: nil)
        XCTAssertTrue(big)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: scratch.path("inbox/orders-1-huge.csv")))
        handle.write(Data((Self.header + Self.row("O-1", price: "10.00") + "O-HUGE,1,SUP-A,").utf8))
        let megabyte = Data(repeating: UInt8(ascii: "x"), count: 1 << 20)
        for _ in 0..<100 { handle.write(megabyte) }
        handle.write(Data((",digital,1,1.00,1.00,wechat,2026-11-03T10:00:00+08:00,2026-11-03T10:00:00+08:00\n" + Self.row("O-2", price: "10.00")).utf8))
        try handle.close()
        try scratch.write("header.csv", Self.header)
        try scratch.write("tail.csv", ",digital,1,1.00,1.00,wechat,2026-11-03T10:00:00+08:00,2026-11-03T10:00:00+08:00\n")
        let bomb = Process()
        bomb.executableURL = URL(fileURLWithPath: "/bin/sh")
        bomb.arguments = ["-c", #"{ cat header.csv; printf 'O-BOMB,1,SUP-A,'; head -c 120000000 /dev/zero | tr '\000' 'y'; cat tail.csv; } | gzip -9 > inbox/orders-2-bomb.csv.gz"#]
        bomb.currentDirectoryURL = URL(fileURLWithPath: scratch.root)
        try bomb.run()
        bomb.waitUntilExit()
        let compressed = try FileManager.default.attributesOfItem(atPath: scratch.path("inbox/orders-2-bomb.csv.gz"))[.size] as? Int ?? 0
        XCTAssertLessThan(compressed, 120_000, "at least 1000:1")

        let inherited = try Binary.inheritedPeakMiB()
        let (status, peak) = try Binary.runMeasured(["run", "--config", "mall.json", "--inbox", "inbox", "--db", "s.db",
                                                     "--date", "2026-11-03", "--reports", "R", "--quiet"], in: scratch.root)
        XCTAssertEqual(status, 3)
        XCTAssertTrue(peak < 150 || peak <= inherited,
                      "peak memory stays bounded: \(peak) MiB (a process doing nothing measures \(inherited) MiB here)")
        XCTAssertEqual(try Binary.run(["verify", "--db", "s.db"], in: scratch.root).status, 0)
        let rows = try quarantine(scratch)
        XCTAssertEqual(rows.map { [$0[0], $0[1], $0[3]] }, [["inbox/orders-1-huge.csv", "3", "malformed_row"],
                                                          ["inbox/orders-2-bomb.csv.gz", "2", "malformed_row"]])
        XCTAssertTrue(rows.allSatisfy { $0[4] == "row longer than 1 MiB" && $0[5].count <= 4096 })
        let lines = try Binary.run(["export", "fee-lines", "--db", "s.db"], in: scratch.root).stdout
        XCTAssertTrue(lines.contains(",O-1,") && lines.contains(",O-2,"), "the rows around the huge one are taken")
        CrashTests.report("100 MB field and a \(compressed)-byte gzip of 120 MB: both rows refused, peak \(Int(peak)) MiB")
    }

    func testNULBytesAndInvalidUTF8() throws {
        let scratch = try prepare()
        var bytes = Array((Self.header + Self.row("O-1", price: "10.00")).utf8)
        bytes += Array("O-2,1,SUP-A,SKU-".utf8) + [0xC3, 0x28] + Array(",digital,1,1.00,1.00,wechat,2026-11-03T10:00:00+08:00,2026-11-03T10:00:00+08:00\n".utf8)
        try Data(bytes).write(to: URL(fileURLWithPath: scratch.path("inbox/orders-1.csv")))
        try Data(Array(Self.header.utf8) + [0] + Array(Self.row("O-3", price: "10.00").utf8)).write(to: URL(fileURLWithPath: scratch.path("inbox/orders-2.csv")))
        XCTAssertEqual(try run(scratch).status, 3)
        XCTAssertEqual(try quarantine(scratch).map { [$0[0], $0[1], $0[3]] },
                       [["inbox/orders-1.csv", "3", "malformed_row"], ["inbox/orders-2.csv", "0", "not_utf8"]])
    }

    func testOverlappingFilesDeliveredOutOfOrderEndAsDeliveredInOrder() throws {
        let files = CrashTests.feeds(lines: 800)
        func outcome(_ deliveries: [[(String, String)]]) throws -> [String] {
            let scratch = try Scratch()
            try scratch.write("mall.json", CrashTests.config)
            try Binary.initStore(in: scratch.root)
            for batch in deliveries {
                for (name, text) in batch { try scratch.write("inbox/" + name, text) }
                let run = try Binary.run(["run", "--config", "mall.json", "--inbox", "inbox", "--db", "s.db", "--date", "2026-10-31",
                                          "--reports", "R"], in: scratch.root)
                XCTAssertTrue([0, 3].contains(run.status), run.stderr)
            }
            XCTAssertEqual(try Binary.run(["verify", "--db", "s.db"], in: scratch.root).status, 0)
            return try ["fee-lines", "sheets"].map { try Binary.run(["export", $0, "--db", "s.db"], in: scratch.root).stdout }
        }
        let inOrder = try outcome([files])
        // Refunds first, orders last and backwards, each orders file also carrying the first
        // half of the file before it (overlap: those rows are duplicates).
        let orders = files.filter { $0.0.hasPrefix("orders") }
        var overlapping: [(String, String)] = []
        for (i, file) in orders.enumerated() {
            var text = file.1
            if i > 0 {
                let previous = orders[i - 1].1.split(separator: "\n").dropFirst()
                text += previous.prefix(previous.count / 2).joined(separator: "\n") + "\n"
            }
            overlapping.append(("orders-overlapping-\(i).csv", text))
        }
        let refunds = files.filter { $0.0.hasPrefix("refunds") }
        let outOfOrder = try outcome([refunds, overlapping.reversed()])
        XCTAssertEqual(outOfOrder, inOrder)
        XCTAssertGreaterThan(inOrder[0].split(separator: "\n").count, 1000)
    }
}
