// Statements at any size (issue 11): a sheet's lines read once in export order, a workbook
// whose lines continue on `Lines (2)`, `Lines (3)`, … past a worksheet's row limit, HTML
// pages that list the first lines and say where the rest are, and a statement that cannot be
// written that does not stop the nights after it.

import Foundation
import MallCore
import MallIO
import MallStore
import XCTest
@testable import Settlement

final class StatementAnySizeTests: XCTestCase {
    /// A sheet's lines.csv as the sorted SQL export makes it (`FeeLineExport.rows`): the
    /// reference `StatementLines` must match byte for byte.
    static func sortedSQLCSV(_ db: Database, sheetKey: Int64) throws -> [UInt8] {
        var bytes: [UInt8] = []
        CSVEncoder.appendRow(FeeLineExport.header.map { .text($0) }, to: &bytes)
        try FeeLineExport.rows(db, sheetKey: sheetKey) { cells, _ in CSVEncoder.appendRow(cells, to: &bytes) }
        return bytes
    }

    /// lines.csv as `StatementLines` reads it.
    static func mergedCSV(_ db: Database, sheetKey: Int64) throws -> [UInt8] {
        var sheetID = "", supplierID = ""
        try db.query("SELECT sheet_id, supplier_id FROM sheets WHERE sheet_key = ?", [.int(sheetKey)]) {
            sheetID = $0.string(0)
            supplierID = $0.string(1)
        }
        var bytes: [UInt8] = []
        CSVEncoder.appendRow(FeeLineExport.header.map { .text($0) }, to: &bytes)
        try StatementLines.each(db, sheetKey: sheetKey) { line in
            line.appendCSV(sheetID: sheetID, supplierID: supplierID, postingDate: Day(ordinal: line.postingDay).description,
                           to: &bytes)
        }
        return bytes
    }

    /// Orders whose ids sort differently by bytes than by any other rule (case, accents,
    /// digits, `_` and `-`), several lines and refunds on one day, a line posted late into a
    /// later sheet, an adjustment and a carry-forward.
    static func trickyStore() throws -> (Workspace, MallConfig) {
        let ws = try Workspace()
        let config = try Fixture.config()
        let good = Fixture.workedOrder.components(separatedBy: ",")
        func order(_ id: String, line: Int = 1, supplier: String = "SUP-B", day: Int = 10, sku: String = "SKU-PHONE") -> String {
            var cells = good
            cells[0] = id
            cells[2] = String(line)
            cells[3] = supplier
            cells[6] = sku
            for column in 18...20 { cells[column] = cells[column].replacingOccurrences(of: "2026-11-10", with: "2026-11-\(day)") }
            return cells.joined(separator: ",")
        }
        let ids = ["O-b", "O-B", "O-é", "O-e", "O-10", "O-9", "O_1", "O-1", "o-1", "O-É"]
        try ws.write("orders-1110.csv", Fixture.orders(
            ids.map { order($0) }.joined(separator: "\n"), order("O-9", line: 2, sku: "SKU-Z"), order("O-9", line: 10, sku: "A"),
            order("O-A1", supplier: "SUP-A"), order("O-A2", supplier: "SUP-A", day: 11)))
        try ws.write("refunds-1110.csv", Fixture.refunds(
            "R-b,O-b,1,return,1,92.50,0,10.00,0,82.50,2026-11-10T20:00:00+08:00",
            "R-a,O-9,2,refund_only,0,10.00,0,10.00,0,0,2026-11-10T21:00:00+08:00",
            "R-a,O-9,10,cancel,2,185.00,8.00,20.00,0,173.00,2026-11-10T21:00:00+08:00"))
        try ws.run("2026-11-10", config: config)
        try ws.write("adjustments-1112.csv", """
            adjustment_id,supplier_id,amount,reason,approved_by,effective_at
            ADJ-1,SUP-B,-3000.00,damaged stock,finance,2026-11-10T10:00:00+08:00

            """)
        try ws.run("2026-11-16", config: config)
        XCTAssertEqual(try ws.close("2026-11-15", config: config).1, .done)
        // A line of the closed week arrives afterwards: posted late into the open sheet.
        try ws.write("orders-1117.csv", Fixture.orders(order("O-late", day: 12)))
        try ws.run("2026-11-17", config: config)
        return (ws, config)
    }

    func testEverySheetsLinesComeInTheSortedExportsOrderByteForByte() throws {
        let (ws, _) = try Self.trickyStore()
        var keys: [Int64] = []
        try ws.db.query("SELECT sheet_key FROM sheets ORDER BY sheet_key") { keys.append($0.int(0)) }
        var lines = 0
        for key in keys {
            let expected = try Self.sortedSQLCSV(ws.db, sheetKey: key)
            XCTAssertEqual(String(decoding: try Self.mergedCSV(ws.db, sheetKey: key), as: UTF8.self),
                           String(decoding: expected, as: UTF8.self), "sheet \(key)")
            lines += expected.split(separator: UInt8(ascii: "\n")).count - 1
        }
        // Every kind of line took part: forward, reverse, adjustment, carry-forward and late.
        let all = try ws.export(.feeLines)
        for kind in [",order,", ",refund,", ",adjustment,", ",carry,"] { XCTAssertTrue(all.contains(kind), kind) }
        XCTAssertTrue(all.contains(",1,2026-11-09\n"), "a late line")
        XCTAssertEqual(lines, all.split(separator: "\n").count - 1)
    }

    // MARK: Workbooks past the row limit

    /// The cells of every worksheet of `path`, read by Python's standard library (an
    /// independent reader: zipfile and the XML parser), by sheet name in tab order. A cell
    /// whose style has a date format (a `yyyy` in it) holds a day serial: it is read as the
    /// date `YYYY-MM-DD`.
    static func workbookCells(_ path: String) throws -> [(name: String, rows: [[String]])] {
        let script = #"""
        import datetime, json, sys, zipfile, xml.etree.ElementTree as ET
        ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
        rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
        z = zipfile.ZipFile(sys.argv[1])
        rels = {r.get("Id"): r.get("Target") for r in ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))}
        styles = ET.fromstring(z.read("xl/styles.xml"))
        formats = {f.get("numFmtId"): f.get("formatCode") for f in styles.iter("{%s}numFmt" % ns["m"])}
        dated = [("yyyy" in formats.get(xf.get("numFmtId"), "")) for xf in styles.find("m:cellXfs", ns)]
        epoch = datetime.date(1899, 12, 30)
        out = []
        for sheet in ET.fromstring(z.read("xl/workbook.xml")).find("m:sheets", ns):
            rows = []
            for row in ET.fromstring(z.read("xl/" + rels[sheet.get(rel)])).iter("{%s}row" % ns["m"]):
                cells = []
                for c in row.findall("m:c", ns):
                    t = c.find("m:is/m:t", ns); v = c.find("m:v", ns)
                    value = t.text or "" if t is not None else (v.text if v is not None else "")
                    if v is not None and dated[int(c.get("s", "0"))]:
                        value = (epoch + datetime.timedelta(days=int(v.text))).isoformat()
                    cells.append(value)
                rows.append(cells)
            out.append({"name": sheet.get("name"), "rows": rows})
        json.dump(out, sys.stdout)
        """#
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "python3 read \(path)")
        let sheets = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] ?? []
        return sheets.map { ($0["name"] as? String ?? "", $0["rows"] as? [[String]] ?? []) }
    }

    /// Closes the week of `trickyStore` again in a fresh folder with a row limit of `rows`.
    func closedStatement(lineSheetRowsMax rows: Int, htmlLinesMax: Int = ClosingStatements.htmlLinesMax)
        throws -> (folder: String, lines: [String], workspace: Workspace) {
        let (ws, config) = try Self.trickyStore()
        var header: SheetHeader?
        try ws.db.query("""
            SELECT sheet_id, supplier_id, entity, currency, period_start, period_end, status, net, lines, closed_at,
                   statement_sha256, statement_pending, sheet_key
            FROM sheets WHERE sheet_id = 'SUP-B-ENT-SH-CNY-20261109'
            """) { header = StatementFiles.header($0) }
        let closed = try XCTUnwrap(header)
        XCTAssertEqual(closed.status, "closed")
        let folder = ws.root + "/again"
        let statements = ClosingStatements(config: config, lineSheetRowsMax: rows, htmlLinesMax: htmlLinesMax)
        try statements.write(ws.db, header: closed, folder: folder, expectedSHA256: closed.statementSHA)
        for statement in try statements.finish() { try statement.commit() }
        let csv = try String(contentsOfFile: folder + "/lines.csv", encoding: .utf8)
        XCTAssertEqual(csv, try String(contentsOfFile: ws.reports + "/statements/2026-11-09/SUP-B-ENT-SH-CNY-20261109/lines.csv",
                                       encoding: .utf8), "the same lines.csv as the close wrote")
        return (folder, csv.split(separator: "\n").map(String.init), ws)
    }

    func testLinesPastTheRowLimitContinueOnNumberedSheetsWithTheHeaderRepeated() throws {
        let (folder, csv, ws) = try closedStatement(lineSheetRowsMax: 7)
        let lines = Array(csv.dropFirst())
        XCTAssertEqual(lines.count, 88)
        let sheets = try Self.workbookCells(folder + "/statement.xlsx")
        let expectedNames = ["Summary", "Lines"] + (2...30).map { "Lines (\($0))" }
        XCTAssertEqual(sheets.map(\.name), expectedNames, "88 lines, 3 to a sheet (7 rows: header, lines, gap, totals)")
        var read: [String] = []
        for (index, sheet) in sheets.dropFirst().enumerated() {
            XCTAssertEqual(sheet.rows.first, FeeLineExport.header, "\(sheet.name) starts with the header")
            let count = index < 29 ? 3 : 1
            let body = sheet.rows.dropFirst().prefix(count)
            read += body.map { $0.joined(separator: ",") }
            // Below the lines, the sheet's own total; on the last sheet also the statement's.
            var sum: Int64 = 0
            for line in body { sum += try Money.parse(line[FeeLineExport.amountColumn]).get().fen }
            let blanks = Array(repeating: "", count: FeeLineExport.amountColumn - 1)
            var totals = [["Total of this sheet's \(count) line\(count == 1 ? "" : "s") / 本表合计 \(count) 笔"] + blanks
                          + [Money(fen: sum).description]]
            if index == 29 { totals.append(["Total of all 88 lines on all line sheets / 全部明细合计 88 笔"] + blanks + ["0.00"]) }
            XCTAssertEqual(Array(sheet.rows.dropFirst(1 + count)), totals, sheet.name)
        }
        XCTAssertEqual(read, lines, "every line, in order, across the line sheets")
        let summary = sheets[0].rows
        XCTAssertTrue(summary.contains(["Line sheets / 明细工作表", "30: Lines, " + (2...30).map { "Lines (\($0))" }.joined(separator: ", ")]),
                      "\(summary)")
        XCTAssertEqual(summary.last?.first, "Payable / 应付金额")
        withExtendedLifetime(ws) {}
    }

    /// A real spreadsheet reader: openpyxl (installed by `make test` when PyPI is reachable)
    /// opens every line sheet and reads back every line in order.
    func testOpenpyxlReadsEveryLineOnEveryLineSheet() throws {
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        probe.arguments = ["python3", "-c", "import openpyxl"]
        probe.standardError = FileHandle.nullDevice
        try probe.run()
        probe.waitUntilExit()
        guard probe.terminationStatus == 0 else {
            throw XCTSkip("openpyxl is not installed (make test installs it with pip when it can): workbook not opened with it")
        }
        let (folder, csv, ws) = try closedStatement(lineSheetRowsMax: 13)
        defer { withExtendedLifetime(ws) {} }
        let script = """
        import datetime, openpyxl, sys
        book = openpyxl.load_workbook(sys.argv[1], read_only=True)
        print("|".join(book.sheetnames))
        def text(v):
            if v is None: return ""
            if isinstance(v, datetime.datetime): return v.date().isoformat()
            if isinstance(v, float): return format(v, ".2f")
            return str(v)
        for sheet in book.worksheets[1:]:
            for row in sheet.iter_rows(values_only=True):
                if all(v is None for v in row): continue  # the gap above the totals
                if isinstance(row[0], str) and row[0].startswith("Total of"): continue
                print(",".join(text(v) for v in row))
        """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, folder + "/statement.xlsx"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        var printed = output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        XCTAssertEqual(printed.removeFirst(), (["Summary", "Lines"] + (2...10).map { "Lines (\($0))" }).joined(separator: "|"))
        let header = FeeLineExport.header.joined(separator: ",")
        let lines = printed.filter { !$0.isEmpty && $0 != header }
        XCTAssertEqual(printed.filter { $0 == header }.count, 10, "the header on each of the 10 line sheets")
        XCTAssertEqual(lines, Array(csv.dropFirst()), "88 lines, 9 to a sheet, in order")
    }

    func testAStatementWithinTheRowLimitHasOneLineSheet() throws {
        let (folder, csv, ws) = try closedStatement(lineSheetRowsMax: 92)
        let sheets = try Self.workbookCells(folder + "/statement.xlsx")
        XCTAssertEqual(sheets.map(\.name), ["Summary", "Lines"])
        XCTAssertEqual(sheets[1].rows.map { $0.joined(separator: ",") },
                       csv + ["Total of 88 lines / 合计 88 笔,,,,,,,,,,0.00"], "the lines, then their total")
        XCTAssertFalse(sheets[0].rows.contains { $0.first == "Line sheets / 明细工作表" })
        withExtendedLifetime(ws) {}
    }

    func testTheHTMLListsTheFirstLinesAndSaysWhereTheRestAre() throws {
        let (folder, csv, ws) = try closedStatement(lineSheetRowsMax: 1_000, htmlLinesMax: 5)
        defer { withExtendedLifetime(ws) {} }
        XCTAssertEqual(csv.count - 1, 88)
        let english = try String(contentsOfFile: folder + "/statement.html", encoding: .utf8)
        let table = try XCTUnwrap(english.components(separatedBy: "<table class=\"lines-table\">").last)
        XCTAssertEqual(table.components(separatedBy: "<tr><td>").count - 1, 5, "five lines listed")
        XCTAssertTrue(english.contains("<h2>Fee lines <span class=\"count\">(88)</span></h2>"))
        XCTAssertTrue(english.contains("This page shows the first 5 of 88 fee lines; 83 more are not shown here. "
                                       + "lines.csv and statement.xlsx hold all 88."), english)
        let chinese = try String(contentsOfFile: folder + "/statement.zh-CN.html", encoding: .utf8)
        XCTAssertTrue(chinese.contains("本页仅列出前 5 笔计费明细（共 88 笔），其余 83 笔未在此列出。全部明细见 lines.csv 与 statement.xlsx。"))
        // The first five lines of lines.csv, in order (posting date and source of each).
        for line in csv.dropFirst().prefix(5) {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false)
            XCTAssertTrue(english.contains("<tr><td>\(cells[2])</td><td>\(cells[3])</td><td>\(cells[4])</td>"), line)
        }
        XCTAssertEqual(StatementHTML.grouped(3_153_120), "3,153,120")
        XCTAssertEqual(StatementHTML.grouped(999), "999")
    }

    // MARK: A statement that cannot be written

    func testAStatementThatCannotBeWrittenDoesNotStopTheNightsAfterIt() throws {
        let ws = try Workspace()
        let config = try Fixture.config()
        try ws.write("orders-1110.csv", Fixture.orders(Fixture.workedOrder))
        try ws.run("2026-11-10", config: config)
        // The supplier's weekly folder is taken by a file: its draft cannot be written.
        let blocked = ws.reports + "/statements/2026-11-16"
        try Data("not a folder".utf8).write(to: URL(fileURLWithPath: blocked))
        let good = Fixture.workedOrder.replacingOccurrences(of: "SUP-A", with: "SUP-B")
        try ws.write("orders-1116.csv", Fixture.orders(good.replacingOccurrences(of: "O-1,", with: "O-2,")
            .replacingOccurrences(of: "2026-11-10", with: "2026-11-16")))
        let (record, status) = try ws.run("2026-11-16", config: config)
        XCTAssertEqual(status, .failed)
        XCTAssertTrue(record.failure?.hasPrefix("2 statement(s) could not be written: SUP-B-ENT-SH-CNY-20261116: mkdir ") == true,
                      record.failure ?? "")
        XCTAssertTrue(record.failure?.contains("Not a directory (errno 20) (and 1 more)") == true, record.failure ?? "")
        XCTAssertTrue(record.failure?.contains("They stay due and are written by the next run or close that can") == true)
        // Ingest and posting of that night are kept; the other sheet's draft was written.
        XCTAssertEqual(try ws.sheet("SUP-B-ENT-SH-CNY-20261116")?.lines, 6)
        XCTAssertTrue(FileManager.default.fileExists(atPath: ws.reports + "/statements/2026-11-01/SUP-A-ENT-BJ-CNY-20261101/summary.csv"))
        var pending: [String] = []
        try ws.db.query("SELECT sheet_id FROM sheets WHERE draft_pending = 1 OR statement_pending = 1") { pending.append($0.string(0)) }
        XCTAssertEqual(pending, ["SUP-B-ENT-SH-CNY-20261116", "SUP-P-ENT-SH-CNY-20261116"])
        let storeStatus = try StoreStatus.read(ws.db)
        XCTAssertEqual(storeStatus.statementsWaiting.map { $0.0 }, pending)
        XCTAssertTrue(storeStatus.text().contains("statements waiting to be written (the next run or close writes them): 2\n"
                                             + "  SUP-B-ENT-SH-CNY-20261116  draft\n"), storeStatus.text())
        // The next night still ingests and posts, and writes the statement once it can.
        try ws.write("orders-1117.csv", Fixture.orders(good.replacingOccurrences(of: "O-1,", with: "O-3,")
            .replacingOccurrences(of: "2026-11-10", with: "2026-11-17")))
        XCTAssertEqual(try ws.run("2026-11-17", config: config).1, .failed)
        XCTAssertEqual(try ws.sheet("SUP-B-ENT-SH-CNY-20261116")?.lines, 12)
        try FileManager.default.removeItem(atPath: blocked)
        XCTAssertEqual(try ws.run("2026-11-17", config: config).1, .done)
        let summary = try String(contentsOfFile: blocked + "/SUP-B-ENT-SH-CNY-20261116/summary.csv", encoding: .utf8)
        XCTAssertTrue(summary.contains("NET,12,"), summary)
        pending = []
        try ws.db.query("SELECT sheet_id FROM sheets WHERE draft_pending = 1 OR statement_pending = 1") { pending.append($0.string(0)) }
        XCTAssertEqual(pending, [])
        XCTAssertEqual(try StoreStatus.read(ws.db).statementsWaiting.count, 0)
    }
}
