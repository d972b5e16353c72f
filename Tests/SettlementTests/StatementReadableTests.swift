// Statements a supplier and finance can read (issue 15, items 6 and 7), end to end: a store
// closed twice (an adjustment, a carry-forward out of one week and into the next, a late
// line), then the closed statements' HTML and workbook compared exactly with what a reader
// sees. The workbook is opened by openpyxl and by LibreOffice where they are installed.

import Foundation
import MallCore
import MallIO
import MallStore
import XCTest
@testable import Settlement

final class StatementReadableTests: XCTestCase {
    static let firstWeek = "SUP-B-ENT-SH-CNY-20261109"
    static let secondWeek = "SUP-B-ENT-SH-CNY-20261116"
    static let thirdWeek = "SUP-B-ENT-SH-CNY-20261123"

    /// `StatementAnySizeTests.trickyStore` (the week of 2026-11-09 closed with ADJ-1 of
    /// −3,000.00 "damaged stock" approved by "finance", its negative net carried into the
    /// next week, a late line posted there), then the week of 2026-11-16 closed too: it
    /// receives the carry-forward and, still negative, carries it on.
    private func twiceClosedStore() throws -> Workspace {
        let (ws, config) = try StatementAnySizeTests.trickyStore()
        XCTAssertEqual(try ws.run("2026-11-23", config: config).1, .done)
        XCTAssertEqual(try ws.close("2026-11-22", config: config).1, .done)
        if let keep = ProcessInfo.processInfo.environment["STATEMENT_SAMPLE_DIR"] {
            // To look at by eye (a browser, a spreadsheet program): a copy of the reports.
            try? FileManager.default.removeItem(atPath: keep)
            try FileManager.default.copyItem(atPath: ws.reports, toPath: keep)
        }
        return ws
    }

    private func page(_ ws: Workspace, _ sheetID: String, _ period: String, _ file: String) throws -> String {
        try String(contentsOfFile: "\(ws.reports)/statements/\(period)/\(sheetID)/\(file)", encoding: .utf8)
    }

    /// The `<tr>` of the lines table whose third cell (the source id) is `sourceID` and that
    /// holds `code`.
    private func row(_ html: String, sourceID: String, code: String) -> String? {
        html.components(separatedBy: "\n").first {
            $0.hasPrefix("<tr><td>") && $0.contains("<td>\(sourceID)</td>") && $0.contains("<td>\(code)</td>")
        }
    }

    // MARK: Item 6: the statement explains itself

    func testAnAdjustmentLineShowsItsReasonAndApproverInBothLanguages() throws {
        let ws = try twiceClosedStore()
        let english = try page(ws, Self.firstWeek, "2026-11-09", "statement.html")
        XCTAssertEqual(row(english, sourceID: "ADJ-1", code: "ADJUSTMENT"),
                       "<tr><td>2026-11-10</td><td>adjustment</td><td>ADJ-1</td>"
                       + "<td colspan=\"3\" class=\"why\"><span class=\"label\">Reason: </span>damaged stock · "
                       + "<span class=\"label\">Approved by </span><span class=\"token\">finance</span></td>"
                       + "<td>ADJUSTMENT</td><td>forward</td><td class=\"num neg\">-3,000.00</td><td></td><td></td></tr>")
        let chinese = try page(ws, Self.firstWeek, "2026-11-09", "statement.zh-CN.html")
        XCTAssertEqual(row(chinese, sourceID: "ADJ-1", code: "ADJUSTMENT"),
                       "<tr><td>2026-11-10</td><td>调整</td><td>ADJ-1</td>"
                       + "<td colspan=\"3\" class=\"why\"><span class=\"label\">调整原因：</span>damaged stock · "
                       + "<span class=\"label\">审批人：</span><span class=\"token\">finance</span></td>"
                       + "<td>ADJUSTMENT</td><td>正向</td><td class=\"num neg\">-3,000.00</td><td></td><td></td></tr>")
    }

    func testACarryForwardLineSaysWhichSheetItCameFromOrGoesTo() throws {
        let ws = try twiceClosedStore()
        // The first week carries its negative net into the second.
        let first = try page(ws, Self.firstWeek, "2026-11-09", "statement.html")
        XCTAssertEqual(row(first, sourceID: Self.firstWeek, code: "CARRY_<wbr>FORWARD"),
                       "<tr><td>2026-11-15</td><td>carry-forward</td><td>\(Self.firstWeek)</td>"
                       + "<td colspan=\"3\" class=\"why\"><span class=\"label\">Carried to sheet </span><span class=\"token\">\(Self.secondWeek)</span></td>"
                       + "<td>CARRY_<wbr>FORWARD</td><td>forward</td><td class=\"num\">1,301.73</td><td></td><td></td></tr>")
        // The second week receives it, and (still negative) carries its own net on.
        let second = try page(ws, Self.secondWeek, "2026-11-16", "statement.html")
        XCTAssertEqual(row(second, sourceID: Self.firstWeek, code: "CARRY_<wbr>FORWARD"),
                       "<tr><td>2026-11-16</td><td>carry-forward</td><td>\(Self.firstWeek)</td>"
                       + "<td colspan=\"3\" class=\"why\"><span class=\"label\">Carried from sheet </span><span class=\"token\">\(Self.firstWeek)</span></td>"
                       + "<td>CARRY_<wbr>FORWARD</td><td>forward</td><td class=\"num neg\">-1,301.73</td><td></td><td></td></tr>")
        XCTAssertEqual(row(second, sourceID: Self.secondWeek, code: "CARRY_<wbr>FORWARD"),
                       "<tr><td>2026-11-22</td><td>carry-forward</td><td>\(Self.secondWeek)</td>"
                       + "<td colspan=\"3\" class=\"why\"><span class=\"label\">Carried to sheet </span><span class=\"token\">\(Self.thirdWeek)</span></td>"
                       + "<td>CARRY_<wbr>FORWARD</td><td>forward</td><td class=\"num\">1,137.77</td><td></td><td></td></tr>")
        let chinese = try page(ws, Self.secondWeek, "2026-11-16", "statement.zh-CN.html")
        XCTAssertEqual(row(chinese, sourceID: Self.firstWeek, code: "CARRY_<wbr>FORWARD"),
                       "<tr><td>2026-11-16</td><td>结转</td><td>\(Self.firstWeek)</td>"
                       + "<td colspan=\"3\" class=\"why\"><span class=\"label\">结转自结算单 </span><span class=\"token\">\(Self.firstWeek)</span></td>"
                       + "<td>CARRY_<wbr>FORWARD</td><td>正向</td><td class=\"num neg\">-1,301.73</td><td></td><td></td></tr>")
        XCTAssertTrue(chinese.contains("<span class=\"label\">结转至结算单 </span><span class=\"token\">\(Self.thirdWeek)</span></td>"))
    }

    func testAmountsAndCountsAreGroupedByThousands() throws {
        let ws = try twiceClosedStore()
        let english = try page(ws, Self.firstWeek, "2026-11-09", "statement.html")
        XCTAssertTrue(english.contains("<tr><td>Adjustment</td><td class=\"code\">ADJUSTMENT</td><td class=\"num\">1</td>"
                                       + "<td class=\"num neg\">-3,000.00</td></tr>\n"), english)
        XCTAssertTrue(english.contains("<tr><td>Carry-forward</td><td class=\"code\">CARRY_FORWARD</td><td class=\"num\">1</td>"
                                       + "<td class=\"num\">1,301.73</td></tr>\n"))
        XCTAssertTrue(english.contains("<td class=\"num neg\">-1,295.17</td>") == false, "no sum of part of the lines")
        XCTAssertTrue(english.contains("<h2>Fee lines <span class=\"count\">(88)</span></h2>"))
        // lines.csv keeps plain decimals: only the page groups them.
        let csv = try page(ws, Self.firstWeek, "2026-11-09", "lines.csv")
        XCTAssertTrue(csv.contains(",ADJUSTMENT,forward,-3000.00,0,\n"))
    }

    func testTheChineseLinesTableSpeaksChinese() throws {
        let ws = try twiceClosedStore()
        let chinese = try page(ws, Self.secondWeek, "2026-11-16", "statement.zh-CN.html")
        XCTAssertTrue(chinese.contains("<thead><tr><th>记账日期</th><th>来源类型</th><th>来源单号</th><th>订单号</th><th>行号</th>"
                                       + "<th>SKU</th><th>费用代码</th><th>方向</th><th class=\"num\">金额</th><th>跨期</th>"
                                       + "<th>原属周期</th></tr></thead>"), chinese)
        XCTAssertFalse(chinese.contains("迟到"))
        // The late line: an order of the closed first week, posted into the second.
        XCTAssertEqual(row(chinese, sourceID: "O-late", code: "GOODS"),
                       "<tr><td>2026-11-12</td><td>订单</td><td>O-late</td><td>O-late</td><td>1</td>"
                       + "<td class=\"sku\">SKU-PHONE</td><td>GOODS</td><td>正向</td><td class=\"num\">185.00</td>"
                       + "<td>是</td><td>2026-11-09</td></tr>")
        let english = try page(ws, Self.secondWeek, "2026-11-16", "statement.html")
        XCTAssertEqual(row(english, sourceID: "O-late", code: "GOODS"),
                       "<tr><td>2026-11-12</td><td>order</td><td>O-late</td><td>O-late</td><td>1</td>"
                       + "<td class=\"sku\">SKU-PHONE</td><td>GOODS</td><td>forward</td><td class=\"num\">185.00</td>"
                       + "<td>yes</td><td>2026-11-09</td></tr>")
        // A reverse line of the first week.
        let first = try page(ws, Self.firstWeek, "2026-11-09", "statement.zh-CN.html")
        XCTAssertTrue(first.contains("<tr><td>2026-11-10</td><td>退款</td><td>R-a</td><td>O-9</td><td>10</td>"
                                     + "<td class=\"sku\">A</td><td>GOODS</td><td>逆向</td>"
                                     + "<td class=\"num neg\">-185.00</td><td></td><td></td></tr>\n"))
    }

    // MARK: Item 7: a workbook finance can work in

    /// Runs `script` with python3 on `arguments`; its standard output.
    private func python(_ script: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "python3 ran")
        return output
    }

    private func requireOpenpyxl() throws {
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        probe.arguments = ["python3", "-c", "import openpyxl"]
        probe.standardError = FileHandle.nullDevice
        try probe.run()
        probe.waitUntilExit()
        guard probe.terminationStatus == 0 else {
            throw XCTSkip("openpyxl is not installed (make test installs it with pip when it can): workbook not opened with it")
        }
    }

    /// openpyxl's view of a sheet: one line per non-empty cell, `ref|type|value|number format|bold`.
    private static let cellDump = """
        import datetime, openpyxl, sys
        book = openpyxl.load_workbook(sys.argv[1])
        sheet = book[sys.argv[2]]
        print("sheets=" + "|".join(book.sheetnames))
        print("filter=%s freeze=%s" % (sheet.auto_filter.ref, sheet.freeze_panes))
        rows = [int(r) for r in sys.argv[3].split(",")]
        for row in sheet.iter_rows(min_row=1, max_row=sheet.max_row):
            for c in row:
                if c.row not in rows or c.value is None: continue
                v = c.value
                if isinstance(v, datetime.datetime): v = "date " + v.date().isoformat()
                elif isinstance(v, float): v = "%.2f" % v
                print("%s|%s|%s|%s|%s" % (c.coordinate, c.data_type, v, c.number_format, "bold" if c.font.b else ""))
        """

    func testTheSummarySheetIsLabelledWithNetAndPayable() throws {
        try requireOpenpyxl()
        let ws = try twiceClosedStore()
        let book = "\(ws.reports)/statements/2026-11-09/\(Self.firstWeek)/statement.xlsx"
        let dump = try python(Self.cellDump, [book, "Summary", (1...30).map(String.init).joined(separator: ",")])
        var sha = ""
        try ws.db.query("SELECT statement_sha256 FROM sheets WHERE sheet_id = ?", [.text(Self.firstWeek)]) { sha = $0.string(0) }
        XCTAssertEqual(dump, """
            sheets=Summary|Lines
            filter=None freeze=None
            A1|s|Supplier statement / 供应商对账单|General|bold
            A3|s|Sheet / 结算单|General|
            B3|s|\(Self.firstWeek)|General|
            A4|s|Supplier / 供应商|General|
            B4|s|SUP-B — Bamboo Office|General|
            A5|s|Entity / 结算主体|General|
            B5|s|ENT-SH|General|
            A6|s|Currency / 币种|General|
            B6|s|CNY|General|
            A7|s|Period / 结算周期|General|
            B7|s|2026-11-09 – 2026-11-15|General|
            A8|s|Status / 状态|General|
            B8|s|Closed / 已关账|General|
            A9|s|Closed on / 关账日期|General|
            B9|s|2026-11-15|General|
            A10|s|SHA-256 of lines.csv / 计费明细的 SHA-256|General|
            B10|s|\(sha)|General|
            A12|s|Fee / 费用项目|General|bold
            B12|s|Code / 代码|General|bold
            C12|s|Lines / 笔数|General|bold
            D12|s|Amount (CNY) / 金额|General|bold
            A13|s|Goods payment / 货款|General|
            B13|s|GOODS|General|
            C13|n|15|General|
            D13|n|1932.50|#,##0.00|
            A14|s|Platform subsidy / 平台补贴|General|
            B14|s|PLATFORM_SUBSIDY|General|
            C14|n|15|General|
            D14|n|104.46|#,##0.00|
            A15|s|Commission / 佣金|General|
            B15|s|COMMISSION|General|
            C15|n|15|General|
            D15|n|-162.96|#,##0.00|
            A16|s|Payment fee / 支付手续费|General|
            B16|s|PAYMENT_FEE|General|
            C16|n|12|General|
            D16|n|-12.48|#,##0.00|
            A17|s|Delivery fee / 配送费|General|
            B17|s|DELIVERY_FEE|General|
            C17|n|13|General|
            D17|n|-132.00|#,##0.00|
            A18|s|Warehousing fee / 仓储费|General|
            B18|s|WAREHOUSING_FEE|General|
            C18|n|13|General|
            D18|n|-26.40|#,##0.00|
            A19|s|Refund admin fee / 退款手续费|General|
            B19|s|REFUND_ADMIN_FEE|General|
            C19|n|3|General|
            D19|n|-4.85|#,##0.00|
            A20|s|Adjustment / 调整|General|
            B20|s|ADJUSTMENT|General|
            C20|n|1|General|
            D20|n|-3000.00|#,##0.00|
            A21|s|Carry-forward / 结转|General|
            B21|s|CARRY_FORWARD|General|
            C21|n|1|General|
            D21|n|1301.73|#,##0.00|
            A22|s|Net / 净额|General|bold
            B22|s|NET|General|bold
            C22|n|88|General|bold
            D22|n|0.00|#,##0.00|bold
            A23|s|Payable / 应付金额|General|bold
            B23|s|PAYABLE|General|bold
            D23|n|0.00|#,##0.00|bold

            """, dump)
        // The same totals as summary.csv (SPEC §10), which is pinned.
        let summary = try page(ws, Self.firstWeek, "2026-11-09", "summary.csv")
        XCTAssertEqual(summary, """
            fee_code,lines,amount
            GOODS,15,1932.50
            PLATFORM_SUBSIDY,15,104.46
            COMMISSION,15,-162.96
            PAYMENT_FEE,12,-12.48
            DELIVERY_FEE,13,-132.00
            WAREHOUSING_FEE,13,-26.40
            REFUND_ADMIN_FEE,3,-4.85
            ADJUSTMENT,1,-3000.00
            CARRY_FORWARD,1,1301.73
            NET,88,0.00
            PAYABLE,,0.00

            """)
    }

    func testTheLinesSheetHasAFilterDatesAmountsAndATotalsRow() throws {
        try requireOpenpyxl()
        let ws = try twiceClosedStore()
        let book = "\(ws.reports)/statements/2026-11-09/\(Self.firstWeek)/statement.xlsx"
        let dump = try python(Self.cellDump, [book, "Lines", "1,2,89,90,91"])
        // A bold, frozen header; an autofilter over it and the 88 lines; the posting date a
        // real date; amounts as #,##0.00 numbers; after an empty row, the total of the
        // amounts as a value (type n: never a formula, type f) in bold.
        XCTAssertEqual(dump, """
            sheets=Summary|Lines
            filter=A1:M89 freeze=A2
            A1|s|sheet_id|General|bold
            B1|s|supplier_id|General|bold
            C1|s|posting_date|General|bold
            D1|s|source_type|General|bold
            E1|s|source_id|General|bold
            F1|s|order_id|General|bold
            G1|s|line_no|General|bold
            H1|s|sku|General|bold
            I1|s|fee_code|General|bold
            J1|s|direction|General|bold
            K1|s|amount|General|bold
            L1|s|late|General|bold
            M1|s|original_period|General|bold
            A2|s|SUP-B-ENT-SH-CNY-20261109|General|
            B2|s|SUP-B|General|
            C2|d|date 2026-11-10|yyyy-mm-dd|
            D2|s|adjustment|General|
            E2|s|ADJ-1|General|
            I2|s|ADJUSTMENT|General|
            J2|s|forward|General|
            K2|n|-3000.00|#,##0.00|
            L2|n|0|General|
            A89|s|SUP-B-ENT-SH-CNY-20261109|General|
            B89|s|SUP-B|General|
            C89|d|date 2026-11-15|yyyy-mm-dd|
            D89|s|carry|General|
            E89|s|SUP-B-ENT-SH-CNY-20261109|General|
            I89|s|CARRY_FORWARD|General|
            J89|s|forward|General|
            K89|n|1301.73|#,##0.00|
            L89|n|0|General|
            A91|s|Total of 88 lines / 合计 88 笔|General|bold
            K91|n|0.00|#,##0.00|bold

            """, dump)
        // A late line's original period is a date too.
        let late = """
            import openpyxl, sys
            sheet = openpyxl.load_workbook(sys.argv[1])["Lines"]
            for row in sheet.iter_rows(min_row=2):
                if row[4].value == "O-late" and row[8].value == "GOODS":
                    print("|".join("%s %s %s" % (c.coordinate, c.value, c.number_format) for c in (row[2], row[11], row[12])))
            """
        let second = "\(ws.reports)/statements/2026-11-16/\(Self.secondWeek)/statement.xlsx"
        XCTAssertEqual(try python(late, [second]),
                       "C4 2026-11-12 00:00:00 yyyy-mm-dd|L4 1 General|M4 2026-11-09 00:00:00 yyyy-mm-dd\n")
    }

    /// A real spreadsheet program: LibreOffice converts the Lines sheet to CSV, which must be
    /// lines.csv line for line (its dates as dates, its amounts as numbers), then the totals.
    func testLibreOfficeReadsTheLinesSheetAsLinesCSV() throws {
        guard let soffice = ["/usr/bin/soffice", "/usr/local/bin/soffice", "/usr/lib/libreoffice/program/soffice"]
            .first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("LibreOffice (soffice) is not installed: the workbook is not opened with a spreadsheet program")
        }
        let ws = try twiceClosedStore()
        let folder = "\(ws.reports)/statements/2026-11-09/\(Self.firstWeek)"
        let out = ws.root + "/soffice"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        // Field separator 44 (,), text delimiter 34 ("), UTF-8 (76), from line 1, English
        // (1033); cells as shown (the number formats applied); sheet 2, the Lines sheet.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: soffice)
        process.arguments = ["-env:UserInstallation=file://\(ws.root)/soffice-profile", "--headless", "--convert-to",
                             "csv:Text - txt - csv (StarCalc):44,34,76,1,,1033,false,true,true,false,false,2",
                             "--outdir", out, folder + "/statement.xlsx"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        let converted = try String(contentsOfFile: out + "/statement-Lines.csv", encoding: .utf8)
        let lines = try page(ws, Self.firstWeek, "2026-11-09", "lines.csv")
        let rows = converted.components(separatedBy: "\n").filter { !$0.isEmpty }
        // As shown: dates yyyy-mm-dd, amounts #,##0.00 (quoted where grouped), the rest as
        // lines.csv has it.
        let shown = lines.replacingOccurrences(of: ",-3000.00,", with: ",\"-3,000.00\",")
            .replacingOccurrences(of: ",1301.73,", with: ",\"1,301.73\",")
        XCTAssertNotEqual(shown, lines)
        XCTAssertEqual(rows.prefix(89).joined(separator: "\n") + "\n", shown)
        XCTAssertEqual(Array(rows.dropFirst(89)), [",,,,,,,,,,,,", "Total of 88 lines / 合计 88 笔,,,,,,,,,,0.00,,"])
    }
}
