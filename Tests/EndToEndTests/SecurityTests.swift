// Hostile text (issue 5, security): SQL-, HTML- and formula-looking values in every text
// field come out literally and harmlessly in every CSV, HTML and XLSX file; a supplier's
// canary SKU appears in no file of another supplier; ids that could reach outside the
// reports folder are refused.

import Foundation
import XCTest

final class SecurityTests: XCTestCase {
    static let hostile = [
        "'); DROP TABLE order_lines;--",
        "<script>alert(1)</script>",
        "\"><img src=x onerror=alert(1)>",
        "=HYPERLINK(\"http://evil.example\",\"x\")",
        "@SUM(1+1)",
        "+cmd|' /C calc'!A0",
        "-2+3",
    ]
    static let canary = "CANARY-SKU-A-7731"

    static let config = """
    {"timezone": "Asia/Shanghai", "currency": "CNY",
     "suppliers": [{"id": "SUP-A", "name": "<script>alert('name')</script> \\"Acme\\" & Co", "mode": "commission",
                    "ships": "supplier", "cycle": "monthly", "cycle_day": 1, "settle_on": "paid", "entity": "ENT-BJ"},
                   {"id": "SUP-B", "name": "=Bamboo()", "mode": "commission", "ships": "supplier",
                    "cycle": "monthly", "cycle_day": 1, "settle_on": "paid", "entity": "ENT-BJ"}],
     "fee_rules": [{"fee": "commission", "rate_ppm": 50000}]}
    """

    /// CSV field text for `value` (quoted, quotes doubled).
    static func field(_ value: String) -> String { "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

    static var orders: String {
        var text = "order_id,line_no,supplier_id,buyer_id,member_level,sku,category,quantity,unit_price,paid_cash,payment_channel,ordered_at,paid_at\n"
        for (i, value) in hostile.enumerated() {
            // The hostile value as order id, buyer, level, SKU, category path and channel.
            let category = field("digital/" + value)
            text += [field(value + "-\(i)"), "1", "SUP-A", field(value), field(value), field(value), category, "1", "10.00", "10.00",
                     field(value), "2026-11-03T10:00:00+08:00", "2026-11-03T10:00:00+08:00"].joined(separator: ",") + "\n"
        }
        text += "O-CANARY,1,SUP-A,B-1,gold,\(canary),gift/card,1,20.00,20.00,wechat,2026-11-03T10:00:00+08:00,2026-11-03T10:00:00+08:00\n"
        text += "O-B,1,SUP-B,B-2,gold,SKU-B,gift/card,1,30.00,30.00,wechat,2026-11-03T10:00:00+08:00,2026-11-03T10:00:00+08:00\n"
        // A bad row carrying hostile text, so the quarantine file has it too.
        text += "\(field(hostile[1])),1,SUP-A,B-3,gold,\(field(hostile[3])),gift/card,1,1e3,1000.00,wechat,2026-11-03T10:00:00+08:00,2026-11-03T10:00:00+08:00\n"
        return text
    }

    /// RFC 4180 fields of a CSV document.
    static func parseCSV(_ text: String) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var chars = Array(text)[...]
        while let c = chars.popFirst() {
            if quoted {
                if c == "\"" {
                    if chars.first == "\"" { field.append("\""); chars.removeFirst() } else { quoted = false }
                } else { field.append(c) }
            } else if c == "\"" { quoted = true }
            else if c == "," { row.append(field); field = "" }
            else if c == "\n" { row.append(field); rows.append(row); row = []; field = "" }
            else { field.append(c) }
        }
        return rows
    }

    func testHostileTextComesOutLiterallyAndHarmlessly() throws {
        let scratch = try Scratch()
        try Binary.initStore(in: scratch.root)
        try scratch.write("mall.json", Self.config)
        try scratch.write("inbox/orders-20261103.csv", Self.orders)
        let run = try Binary.run(["run", "--config", "mall.json", "--inbox", "inbox", "--db", "s.db", "--date", "2026-11-30",
                                  "--reports", "R"], in: scratch.root)
        XCTAssertEqual(run.status, 3, run.stderr)
        XCTAssertEqual(try Binary.run(["close", "--config", "mall.json", "--db", "s.db", "--through", "2026-11-30", "--reports", "R"],
                                      in: scratch.root).status, 0)
        XCTAssertEqual(try Binary.run(["verify", "--db", "s.db"], in: scratch.root).status, 0, "the store survived the SQL-looking text")
        let feeLines = try Binary.run(["export", "fee-lines", "--db", "s.db"], in: scratch.root).stdout
        try scratch.write("R/export-fee-lines.csv", feeLines)

        // Every CSV: the hostile values read back exactly, behind a ' where a spreadsheet
        // would run them, and no text field starts a formula.
        let files = try scratch.tree("R")
        let csvs = files.filter { $0.key.hasSuffix(".csv") }
        XCTAssertGreaterThanOrEqual(csvs.count, 5)
        var seen = Set<String>()
        for (name, data) in csvs {
            for row in Self.parseCSV(String(decoding: data, as: UTF8.self)) {
                for cell in row {
                    let plainNumber = cell.range(of: #"^-?[0-9]+(\.[0-9]+)?$"#, options: .regularExpression) != nil
                    if let first = cell.first, "=+-@\t\r".contains(first), !plainNumber {
                        XCTFail("\(name): a field starts a formula: \(cell)")
                    }
                    seen.insert(cell)
                    if cell.hasPrefix("'") { seen.insert(String(cell.dropFirst())) }
                }
            }
        }
        for value in Self.hostile {
            XCTAssertTrue(seen.contains(value), "\(value) comes out literally in some CSV")
        }

        // Every HTML page: nothing hostile is live markup.
        let pages = files.filter { $0.key.hasSuffix(".html") }
        XCTAssertGreaterThanOrEqual(pages.count, 4)
        for (name, data) in pages {
            let html = String(decoding: data, as: UTF8.self)
            XCTAssertFalse(html.contains("<script"), name)
            XCTAssertFalse(html.contains("<img"), name)
            XCTAssertFalse(html.contains("onerror=alert(1)>"), name)
        }
        let statementA = try XCTUnwrap(pages.first { $0.key.contains("SUP-A-") && $0.key.hasSuffix("/statement.html") })
        let htmlA = String(decoding: statementA.value, as: UTF8.self)
        XCTAssertTrue(htmlA.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "shown as text")
        XCTAssertTrue(htmlA.contains("&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt; &quot;Acme&quot; &amp; Co"), "the supplier's name as text")

        // Every XLSX: strings stay strings (no formula cells), markup is escaped.
        let workbooks = files.filter { $0.key.hasSuffix(".xlsx") }
        XCTAssertEqual(workbooks.count, 2)
        for name in workbooks.keys {
            let dump = try Self.unzipText(scratch.path("R/" + name))
            XCTAssertFalse(dump.contains("<f>") || dump.contains("<f "), "\(name) has a formula cell")
            XCTAssertFalse(dump.contains("<script>"), name)
            if name.contains("SUP-A-") {
                XCTAssertTrue(dump.contains("=HYPERLINK(&quot;http://evil.example&quot;,&quot;x&quot;)")
                              || dump.contains("=HYPERLINK(\"http://evil.example\",\"x\")"), "the formula text is kept as text")
            }
        }

        // The canary of supplier A is in A's statements and in no file of supplier B.
        let ofB = files.filter { $0.key.contains("/SUP-B-") }
        let ofA = files.filter { $0.key.contains("/SUP-A-") }
        XCTAssertGreaterThanOrEqual(ofB.count, 5)
        for (name, data) in ofB {
            XCTAssertFalse(String(decoding: data, as: UTF8.self).contains("CANARY"), "\(name) shows supplier A's SKU")
            if name.hasSuffix(".xlsx") { XCTAssertFalse(try Self.unzipText(scratch.path("R/" + name)).contains("CANARY"), name) }
        }
        XCTAssertTrue(ofA.contains { String(decoding: $0.value, as: UTF8.self).contains(Self.canary) })
    }

    func testIdsThatCouldLeaveTheReportsFolderAreRefused() throws {
        let scratch = try Scratch()
        try scratch.write("inbox/.keep", "")
        for bad in ["../x", "/tmp/x", "SUP/A", ".hidden", "SUP\\u0000A", "a b"] {
            try scratch.write("bad.json", Self.config.replacingOccurrences(of: "\"id\": \"SUP-B\"", with: "\"id\": \"\(bad)\""))
            let outcome = try Binary.run(["run", "--config", "bad.json", "--inbox", "inbox", "--db", "s.db", "--date", "2026-11-30",
                                          "--reports", "R"], in: scratch.root)
            XCTAssertEqual(outcome.status, 2, bad)
            XCTAssertTrue(outcome.stderr.contains("$.suppliers[1].id"), outcome.stderr)
        }
        try scratch.write("bad.json", Self.config.replacingOccurrences(of: "\"entity\": \"ENT-BJ\"}]", with: "\"entity\": \"../../etc\"}]"))
        XCTAssertEqual(try Binary.run(["run", "--config", "bad.json", "--inbox", "inbox", "--db", "s.db", "--date", "2026-11-30"],
                                      in: scratch.root).status, 2)
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch.path("s.db")), "nothing was written")
        try Binary.initStore(in: scratch.root)

        // A feed reached through a link, or named like a path, is only ever read.
        try scratch.write("outside/orders-x.csv", "not,a,feed\n")
        try FileManager.default.createSymbolicLink(atPath: scratch.path("inbox/orders-link.csv"), withDestinationPath: scratch.path("outside/orders-x.csv"))
        try scratch.write("mall.json", Self.config)
        let run = try Binary.run(["run", "--config", "mall.json", "--inbox", "inbox", "--db", "s.db", "--date", "2026-11-30",
                                  "--reports", "R"], in: scratch.root)
        XCTAssertEqual(run.status, 3, "the linked file is rejected whole (missing columns)")
        XCTAssertEqual(try scratch.tree("outside").keys.sorted(), ["orders-x.csv"], "nothing written beside the linked file")
        let ingest = try Binary.run(["ingest", "orders", "../\(URL(fileURLWithPath: scratch.root).lastPathComponent)/outside/orders-x.csv",
                                     "--config", "mall.json", "--db", "s.db", "--date", "2026-11-30", "--reports", "R"], in: scratch.root)
        XCTAssertEqual(ingest.status, 0, "the same bytes are already known: a no-op")
        XCTAssertEqual(try scratch.tree("outside").keys.sorted(), ["orders-x.csv"])
    }

    /// The text of every entry of a zip file (through Python's zipfile, only in tests).
    static func unzipText(_ path: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nfor n in z.namelist(): sys.stdout.write(z.read(n).decode('utf-8', 'replace'))", path]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "\(path) is a valid zip")
        return String(decoding: data, as: UTF8.self)
    }
}

/// `verify` finds money that appears or vanishes, and fee lines whose source row is gone.
final class ConservationTests: XCTestCase {
    func sql(_ db: String, _ statement: String, in scratch: Scratch) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import sqlite3, sys\nc = sqlite3.connect(sys.argv[1])\nc.execute(sys.argv[2])\nc.commit()", db, statement]
        process.currentDirectoryURL = URL(fileURLWithPath: scratch.root)
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, statement)
    }

    func testVerifyFindsMoneyThatAppearsAndLinesThatTraceToNothing() throws {
        let scratch = try Scratch()
        try Binary.initStore(in: scratch.root)
        try scratch.write("mall.json", CrashTests.config)
        for (name, text) in CrashTests.feeds(lines: 200) { try scratch.write("inbox/" + name, text) }
        let run = try Binary.run(["run", "--config", "mall.json", "--inbox", "inbox", "--db", "s.db", "--date", "2026-10-31", "--reports", "R"],
                                 in: scratch.root)
        XCTAssertEqual(run.status, 3, run.stderr)
        XCTAssertEqual(try Binary.run(["verify", "--db", "s.db"], in: scratch.root).status, 0)

        try sql("s.db", "UPDATE refunds SET refund_cash = refund_cash + 1 WHERE id = (SELECT min(id) FROM refunds WHERE state = 'accepted')", in: scratch)
        var verify = try Binary.run(["verify", "--db", "s.db"], in: scratch.root)
        XCTAssertEqual(verify.status, 1)
        XCTAssertTrue(verify.stdout.contains("§12.4: money is not conserved over all accepted rows: tenders paid"), verify.stdout)
        XCTAssertTrue(verify.stdout.contains("tenders") && verify.stdout.contains("≠ goods + freight"), verify.stdout)

        try sql("s.db", "UPDATE refunds SET refund_cash = refund_cash - 1 WHERE id = (SELECT min(id) FROM refunds WHERE state = 'accepted')", in: scratch)
        // A refund whose reverse lines are posted disappears from the store.
        try sql("s.db", "DELETE FROM refunds WHERE id = (SELECT min(source_key) FROM fee_lines WHERE source_type = 2)", in: scratch)
        verify = try Binary.run(["verify", "--db", "s.db"], in: scratch.root)
        XCTAssertEqual(verify.status, 1)
        XCTAssertTrue(verify.stdout.contains("§12.3: fee line") && verify.stdout.contains("(source type 2) does not trace to exactly one source row"),
                      verify.stdout)
        XCTAssertFalse(verify.stdout.contains("money is not conserved"), verify.stdout)
    }
}
