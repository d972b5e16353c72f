// HTML.escape and StatementHTML: escaping of hostile values, both locales, drafts, the hash.
import Foundation
import MallIO
import XCTest

final class WritersHTMLTests: XCTestCase {
    func testEscape() {
        XCTAssertEqual(HTML.escape(#"<a href="x">Tom & 'Jerry'</a>"#),
                       "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;")
        XCTAssertEqual(HTML.escape("plain 货款 -15.60"), "plain 货款 -15.60")
        XCTAssertEqual(HTML.escape(""), "")
        XCTAssertEqual(HTML.escape("&amp;"), "&amp;amp;")
    }

    private static let sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

    /// The worked example of SPEC §5, with hostile text in every text field.
    private func view(_ locale: StatementView.Locale, draft: Bool) -> StatementView {
        let columns = ["posting_date", "source_type", "source_id", "order_id", "line_no", "sku", "fee_code",
                       "direction", "amount", "late", "original_period"]
        let lines: [[String]] = [
            ["2026-11-10", "order", "O-1", "O-1", "1", #""><img src=x onerror=alert(1)>"#, "GOODS", "forward", "185.00", "0", ""],
            ["2026-11-10", "order", "O-1", "O-1", "1", "<script>alert(2)</script>", "COMMISSION", "forward", "-15.60", "0", ""],
            ["2026-11-10", "refund", "R-1", "O-1", "1", "SKU&1", "REFUND_ADMIN_FEE", "reverse", "-1.56", "0", ""],
        ]
        return StatementView(
            locale: locale, isDraft: draft, sheetID: "SUP-A-ENT1-CNY-20261101", supplierID: "SUP-A",
            supplierName: "Acme <b>Trading</b> & Sons", entity: "ENT1", currency: "CNY",
            periodStart: "2026-11-01", periodEnd: "2026-11-30", status: draft ? "open" : "closed",
            closedAt: draft ? nil : "2026-12-01",
            totals: [
                StatementTotal(feeCode: "GOODS", lines: 2, amount: "92.50"),
                StatementTotal(feeCode: "PLATFORM_SUBSIDY", lines: 2, amount: "5.00"),
                StatementTotal(feeCode: "FREIGHT", lines: 1, amount: "8.00"),
                StatementTotal(feeCode: "COMMISSION", lines: 2, amount: "-7.80"),
                StatementTotal(feeCode: "PAYMENT_FEE", lines: 1, amount: "-1.04"),
                StatementTotal(feeCode: "REFUND_ADMIN_FEE", lines: 1, amount: "-1.56"),
            ],
            net: "95.10", payable: draft ? nil : "95.10",
            lineColumns: columns, lines: draft ? [] : lines, amountColumnIndexes: [8],
            linesSHA256: draft ? nil : Self.sha, generatedAt: "run 2026-12-01T02:00:00+08:00")
    }

    func testHostileValuesComeOutLiterally() {
        for locale in [StatementView.Locale.en, .zhCN] {
            let html = StatementHTML.render(view(locale, draft: false))
            XCTAssertTrue(html.contains("<td>&quot;&gt;&lt;img src=x onerror=alert(1)&gt;</td>"))
            XCTAssertTrue(html.contains("<td>&lt;script&gt;alert(2)&lt;/script&gt;</td>"))
            XCTAssertTrue(html.contains("<td>SKU&amp;1</td>"))
            XCTAssertTrue(html.contains("Acme &lt;b&gt;Trading&lt;/b&gt; &amp; Sons"))
            XCTAssertFalse(html.contains("<script"))
            XCTAssertFalse(html.contains("<img"))
            XCTAssertFalse(html.contains("<b>"))
        }
    }

    func testSelfContained() {
        for draft in [false, true] {
            let html = StatementHTML.render(view(.en, draft: draft))
            XCTAssertFalse(html.contains("http://"))
            XCTAssertFalse(html.contains("https://"))
            XCTAssertFalse(html.contains("<link"))
            XCTAssertFalse(html.contains("@import"))
            XCTAssertFalse(html.contains("url("))
            XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"en\">"))
        }
    }

    func testEnglishLabels() {
        let html = StatementHTML.render(view(.en, draft: false))
        for label in ["Supplier statement", "Settlement sheet", "Fee lines", "Period", "2026-11-01 – 2026-11-30",
                      "Payable", "Net", "Closed", "Goods payment", "Platform subsidy", "Freight", "Commission",
                      "Payment fee", "Refund admin fee", "SUP-A", "ENT1", "CNY", "2026-12-01"] {
            XCTAssertTrue(html.contains(label), "missing \(label)")
        }
        XCTAssertTrue(html.contains("<td>Commission</td><td class=\"code\">COMMISSION</td><td class=\"num\">2</td><td class=\"num neg\">-7.80</td>"))
        XCTAssertTrue(html.contains("<td class=\"num\">95.10</td>"))
        XCTAssertTrue(html.contains("<td class=\"num neg\">-15.60</td>"))
        XCTAssertTrue(html.contains("<td class=\"num\">185.00</td>"))
        XCTAssertFalse(html.contains("货款"))
    }

    func testChineseLabels() {
        let html = StatementHTML.render(view(.zhCN, draft: false))
        XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"zh-CN\">"))
        for label in ["结算单", "对账单", "计费明细", "结算周期", "2026-11-01 至 2026-11-30", "应付金额", "净额", "已关账",
                      "货款", "平台补贴", "运费", "佣金", "支付手续费", "退款手续费"] {
            XCTAssertTrue(html.contains(label), "missing \(label)")
        }
        XCTAssertTrue(html.contains("<td>佣金</td><td class=\"code\">COMMISSION</td>"))
        XCTAssertFalse(html.contains("Goods payment"))
    }

    func testFeeLabels() {
        let expected: [(String, String, String)] = [
            ("GOODS", "Goods payment", "货款"), ("PLATFORM_SUBSIDY", "Platform subsidy", "平台补贴"),
            ("FREIGHT", "Freight", "运费"), ("COMMISSION", "Commission", "佣金"),
            ("PAYMENT_FEE", "Payment fee", "支付手续费"), ("DELIVERY_FEE", "Delivery fee", "配送费"),
            ("WAREHOUSING_FEE", "Warehousing fee", "仓储费"), ("COST", "Purchase cost", "采购货款(销转采)"),
            ("REFUND_ADMIN_FEE", "Refund admin fee", "退款手续费"),
            ("RETURN_SERVICE_FEE", "Return service fee", "退货服务费"), ("ADJUSTMENT", "Adjustment", "调整"),
            ("REBATE_FUNDING", "Rebate funding", "返利分摊"), ("CARRY_FORWARD", "Carry-forward", "结转"),
            ("SOMETHING_NEW", "SOMETHING_NEW", "SOMETHING_NEW"),
        ]
        for (code, english, chinese) in expected {
            XCTAssertEqual(StatementHTML.feeLabel(code, locale: .en), english)
            XCTAssertEqual(StatementHTML.feeLabel(code, locale: .zhCN), chinese)
        }
    }

    func testDraftMarkerOnlyOnDrafts() {
        let finalEN = StatementHTML.render(view(.en, draft: false))
        let finalZH = StatementHTML.render(view(.zhCN, draft: false))
        let draftEN = StatementHTML.render(view(.en, draft: true))
        let draftZH = StatementHTML.render(view(.zhCN, draft: true))
        XCTAssertTrue(draftEN.contains("<div class=\"draft-banner\" role=\"note\"><strong>DRAFT</strong>"))
        XCTAssertTrue(draftEN.contains("<div class=\"watermark\" aria-hidden=\"true\">DRAFT</div>"))
        XCTAssertTrue(draftEN.contains("The fee lines come with the closing statement."))
        XCTAssertTrue(draftEN.contains("Open"))
        XCTAssertTrue(draftEN.contains("set when the period closes"))
        XCTAssertTrue(draftZH.contains("<div class=\"draft-banner\" role=\"note\"><strong>草稿</strong>"))
        XCTAssertTrue(draftZH.contains("计费明细将随关账对账单提供"))
        XCTAssertTrue(draftZH.contains("未关账"))
        XCTAssertFalse(finalEN.contains("DRAFT"))
        XCTAssertFalse(finalEN.contains("<div class=\"draft-banner\""))
        XCTAssertFalse(finalEN.contains("<div class=\"watermark\""))
        XCTAssertFalse(finalZH.contains("草稿"))
        // Drafts carry no lines table.
        XCTAssertFalse(draftEN.contains("<table class=\"lines-table\">"))
        XCTAssertTrue(finalEN.contains("<table class=\"lines-table\">"))
    }

    func testHashShown() {
        let html = StatementHTML.render(view(.en, draft: false))
        XCTAssertTrue(html.contains("<span class=\"hash\">\(Self.sha)</span>"))
        XCTAssertTrue(html.contains("<footer>\n<div>SHA-256 of lines.csv: <span class=\"hash\">\(Self.sha)</span></div>"))
        let zh = StatementHTML.render(view(.zhCN, draft: false))
        XCTAssertTrue(zh.contains("lines.csv 的 SHA-256: <span class=\"hash\">\(Self.sha)</span>"))
    }

    /// Writes the four sample statements (English and Chinese, final and draft) and reads them
    /// back: each file holds exactly what `render` makes, a long final statement repeats its
    /// lines, and only drafts say so. They go to WRITERS_SAMPLE_DIR when set (for a look by
    /// eye), else to a fresh temporary folder.
    func testWritesSamplesWhenAsked() throws {
        let directory = ProcessInfo.processInfo.environment["WRITERS_SAMPLE_DIR"]
            ?? NSTemporaryDirectory() + "writers-html-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer {
            if ProcessInfo.processInfo.environment["WRITERS_SAMPLE_DIR"] == nil { try? FileManager.default.removeItem(atPath: directory) }
        }
        var written: [String: String] = [:]
        for locale in [StatementView.Locale.en, .zhCN] {
            for draft in [false, true] {
                var sample = view(locale, draft: draft)
                if !draft { sample.lines = Array(repeating: sample.lines, count: 30).flatMap { $0 } }
                let name = "statement-\(locale.rawValue)\(draft ? "-draft" : "").html"
                let rendered = StatementHTML.render(sample)
                try AtomicFile.write(rendered, to: directory + "/" + name)
                let read = try String(contentsOfFile: directory + "/" + name, encoding: .utf8)
                XCTAssertEqual(read, rendered, name)
                XCTAssertTrue(read.hasPrefix("<!DOCTYPE html>"), name)
                written[name] = read
            }
        }
        XCTAssertEqual(written.keys.sorted(), ["statement-en-draft.html", "statement-en.html",
                                               "statement-zh-CN-draft.html", "statement-zh-CN.html"])
        let finalLines = try XCTUnwrap(written["statement-en.html"]).components(separatedBy: "<tr").count
        let draftLines = try XCTUnwrap(written["statement-en-draft.html"]).components(separatedBy: "<tr").count
        XCTAssertGreaterThan(finalLines, draftLines, "the final sample repeats its lines 30 times")
        XCTAssertTrue(try XCTUnwrap(written["statement-en-draft.html"]).contains("DRAFT"))
        XCTAssertFalse(try XCTUnwrap(written["statement-en.html"]).contains("DRAFT"))
    }

    // MARK: Issue 15, item 6

    func testAmountsAreGroupedByThousands() {
        XCTAssertEqual(StatementHTML.groupedAmount("239945.38"), "239,945.38")
        XCTAssertEqual(StatementHTML.groupedAmount("-1234.00"), "-1,234.00")
        XCTAssertEqual(StatementHTML.groupedAmount("-123.00"), "-123.00")
        XCTAssertEqual(StatementHTML.groupedAmount("1234567890123.45"), "1,234,567,890,123.45")
        XCTAssertEqual(StatementHTML.groupedAmount("1000"), "1,000")
        XCTAssertEqual(StatementHTML.groupedAmount("0.00"), "0.00")
        XCTAssertEqual(StatementHTML.groupedAmount("12a45.00"), "12a45.00", "not a plain decimal: as given")
        var sample = view(.en, draft: false)
        sample.totals = [StatementTotal(feeCode: "GOODS", lines: 3_153_120, amount: "239945.38"),
                         StatementTotal(feeCode: "COMMISSION", lines: 1_200, amount: "-1234.00")]
        sample.net = "238711.38"
        sample.payable = "238711.38"
        sample.lines = [["2026-11-10", "order", "O-1", "O-1", "1", "SKU-1", "GOODS", "forward", "1234567.80", "0", ""]]
        sample.linesTotal = 3_153_120
        let html = StatementHTML.render(sample)
        XCTAssertTrue(html.contains("<tr><td>Goods payment</td><td class=\"code\">GOODS</td><td class=\"num\">3,153,120</td>"
                                    + "<td class=\"num\">239,945.38</td></tr>\n"))
        XCTAssertTrue(html.contains("<tr><td>Commission</td><td class=\"code\">COMMISSION</td><td class=\"num\">1,200</td>"
                                    + "<td class=\"num neg\">-1,234.00</td></tr>\n"))
        XCTAssertTrue(html.contains("<tr class=\"net\"><th>Net</th><td class=\"code\">NET</td><td class=\"num\">3,154,320</td>"
                                    + "<td class=\"num\">238,711.38</td></tr>\n"))
        XCTAssertTrue(html.contains("<tr class=\"payable\"><th>Payable</th><td class=\"code\">PAYABLE</td><td></td>"
                                    + "<td class=\"num\">238,711.38</td></tr>\n"))
        XCTAssertTrue(html.contains("<h2>Fee lines <span class=\"count\">(3,153,120)</span></h2>"))
        XCTAssertTrue(html.contains("<td class=\"num\">1,234,567.80</td>"))
    }

    func testSKUsWrapOnlyAfterTheirSeparators() {
        var sample = view(.en, draft: false)
        sample.skuColumnIndexes = [5]
        sample.lines = [["2026-11-10", "order", "O-1", "O-1", "1", "SKU-0001-001_BLUE/XL.v2", "GOODS", "forward", "1.00", "0", ""],
                        ["2026-11-10", "order", "O-1", "O-1", "2", "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", "GOODS", "forward", "1.00", "0", ""],
                        ["2026-11-10", "order", "O-1", "O-1", "3", "SKU-0002-011", "GOODS", "forward", "1.00", "0", ""]]
        let html = StatementHTML.render(sample)
        XCTAssertTrue(html.contains("<td>1</td><td class=\"sku long\">SKU-<wbr>0001-<wbr>001_<wbr>BLUE/<wbr>XL.<wbr>v2</td>"))
        XCTAssertTrue(html.contains("<td>2</td><td class=\"sku long\">ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789</td>"),
                      "no separator: never broken, the column grows")
        XCTAssertTrue(html.contains("<td>3</td><td class=\"sku\">SKU-0002-011</td>"), "a short SKU stays on one line")
        // Lines-table cells do not wrap (white-space: nowrap) but a long SKU's, and no rule
        // lets one break anywhere.
        XCTAssertTrue(html.contains(".lines-table th, .lines-table td { padding: .8mm 1.2mm; white-space: nowrap; }"))
        XCTAssertTrue(html.contains(".lines-table td.sku.long { white-space: normal; overflow-wrap: normal; word-break: keep-all; min-width: 16ch; }"))
        XCTAssertFalse(html.contains("nth-child(6)"))
        let linesRules = html.components(separatedBy: "\n").filter { $0.contains(".lines-table") }
        XCTAssertFalse(linesRules.contains { $0.contains("anywhere") || $0.contains("break-all") }, "\(linesRules)")
    }

    func testLineExplanationsAndLabelsInBothLanguages() {
        var rows = StatementLineRows()
        rows.beginRow()
        rows.text("2026-11-10")
        rows.note([(StatementHTML.noteLabel(.reason, locale: .zhCN), "<破损>"),
                   (StatementHTML.noteLabel(.approvedBy, locale: .zhCN), "王 & 李")], columns: 3)
        rows.endRow()
        XCTAssertEqual(String(decoding: rows.bytes, as: UTF8.self),
                       "<tr><td>2026-11-10</td><td colspan=\"3\" class=\"why\"><span class=\"label\">调整原因：</span><span class=\"token\">&lt;破损&gt;</span> · "
                       + "<span class=\"label\">审批人：</span>王 &amp; 李</td></tr>\n")
        let expected: [(String, String, String)] = [("order", "order", "订单"), ("refund", "refund", "退款"),
                                                    ("adjustment", "adjustment", "调整"), ("carry", "carry-forward", "结转"),
                                                    ("rebate", "rebate", "返利")]
        for (name, english, chinese) in expected {
            XCTAssertEqual(StatementHTML.sourceLabel(name, locale: .en), english)
            XCTAssertEqual(StatementHTML.sourceLabel(name, locale: .zhCN), chinese)
        }
        XCTAssertEqual(StatementHTML.directionLabel("forward", locale: .zhCN), "正向")
        XCTAssertEqual(StatementHTML.directionLabel("reverse", locale: .zhCN), "逆向")
        XCTAssertEqual(StatementHTML.lateLabel(1, locale: .zhCN), "是")
        XCTAssertEqual(StatementHTML.lateLabel(1, locale: .en), "yes")
        XCTAssertEqual(StatementHTML.lateLabel(0, locale: .zhCN), "")
        XCTAssertEqual(StatementHTML.noteLabel(.carriedFrom, locale: .zhCN), "结转自结算单 ")
        XCTAssertEqual(StatementHTML.noteLabel(.carriedTo, locale: .en), "Carried to sheet ")
    }
}
