// BuyerStatementTests: the buyers' statements (SPEC §7–8, §10) — a rebate statement per buyer
// and settled rebate period, a bill statement per buyer and bill — with their files checked
// byte for byte against figures worked by hand (docs/rebates.md, docs/credit.md), their
// lines' SHA-256 computed by `sha256sum`, the workbook's cells read with `unzip`, hostile ids
// in every CSV and page, and a statement never written twice.

import Foundation
import MallCore
import XCTest
@testable import Settlement

final class BuyerStatementTests: XCTestCase {
    // MARK: Helpers

    private func read(_ path: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        try String(contentsOfFile: path, encoding: .utf8)
    }

    /// The SHA-256 of a file, by the system's own tool.
    private func sha256sum(_ path: String) throws -> String {
        let output = try tool("/usr/bin/sha256sum", [path])
        return String(output.prefix(64))
    }

    /// One part of a workbook, by `unzip`.
    private func xlsxPart(_ path: String, _ part: String) throws -> String {
        try tool("/usr/bin/unzip", ["-p", path, part])
    }

    private func tool(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "\(executable) \(arguments)")
        return String(decoding: data, as: UTF8.self)
    }

    private func files(_ folder: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
    }

    private static let statementFiles = ["lines.csv", "statement.html", "statement.xlsx", "statement.zh-CN.html", "summary.csv"]

    // MARK: Rebate statements

    /// RebateSettleTests' November of B-1: base 152.50; OT-S 1% → 1.53 (supplier-funded),
    /// T-P 2% → 3.05 (platform). The statement lists both, sums them (4.58) and shows the
    /// account after the period (4.58).
    private static let policies = """
        {"id": "OT-S", "kind": "order_total", "rate_ppm": 10000, "funded_by": "supplier"},
        {"id": "T-P", "kind": "tiered", "cycle": "monthly", "mode": "whole", "funded_by": "platform",
         "tiers": [{"threshold": "100.00", "rate_ppm": 20000}]}
        """
    private let tea = "O-P,P-P,1,SUP-P,B-1,,TEA,food/tea,3,20.00,13.33,0,0,0,0,0,60.00,alipay,2026-11-03T10:00:00+08:00,2026-11-03T10:00:00+08:00,,CNY"

    func testARebateStatementPerBuyerAndSettledPeriod() throws {
        let ws = try Workspace()
        let config = try Fixture.config(Fixture.configJSON.replacingOccurrences(of: #""rebates": []"#,
                                                                               with: #""rebates": [\#(Self.policies)]"#))
        try ws.write("orders-1110.csv", Fixture.orders(Fixture.workedOrder, tea))
        try ws.write("refunds-1110.csv", Fixture.refunds(Fixture.workedReturn))
        XCTAssertEqual(try ws.run("2026-11-30", config: config).1, .done)
        XCTAssertFalse(FileManager.default.fileExists(atPath: ws.reports + "/buyers"), "a run settles no rebate period")
        let (record, status, _) = try ws.close("2026-11-30", config: config)
        XCTAssertEqual(status, .done)
        XCTAssertEqual(record?.buyerStatementsWritten, 1)

        let folder = ws.reports + "/buyers/B-1/rebates/monthly/2026-11-01"
        XCTAssertEqual(try files(folder), Self.statementFiles)
        let lines = """
            buyer_id,policy_id,kind,period_id,base,amount,funded_by
            B-1,OT-S,order_total,2026-11-01,152.50,1.53,supplier
            B-1,T-P,tiered,2026-11-01,152.50,3.05,platform

            """
        XCTAssertEqual(try read(folder + "/lines.csv"), lines)
        XCTAssertEqual(try read(folder + "/lines.csv"), try ws.export(.rebates, ExportFilter(period: "2026-11-01", buyer: "B-1")),
                       "the statement's lines are the buyer's movements of the period, as the export writes them")
        XCTAssertEqual(try read(folder + "/summary.csv"), """
            item,lines,amount
            REBATE,2,4.58
            CLAWBACK,0,0.00
            NET,2,4.58
            BALANCE,,4.58

            """)
        let sha = try sha256sum(folder + "/lines.csv")
        XCTAssertEqual(try ws.db.scalar("SELECT lines_sha256 FROM buyer_statements WHERE kind = 1 AND buyer_id = 'B-1'"), .text(sha))
        let english = try read(folder + "/statement.html")
        let chinese = try read(folder + "/statement.zh-CN.html")
        for page in [english, chinese] {
            XCTAssertTrue(page.contains("<code>\(sha)</code>"), "the page shows the lines' hash")
            XCTAssertTrue(page.contains("<td>OT-S</td><td>order_total</td><td>2026-11-01</td><td class=\"n\">152.50</td><td class=\"n\">1.53</td><td>supplier</td>"))
        }
        XCTAssertTrue(english.contains("<h1>Rebate statement</h1>") && english.contains("2026-11-01 – 2026-11-30"))
        XCTAssertTrue(chinese.contains("<h1>返利对账单</h1>") && chinese.contains("<td>本期后返利账户余额</td><td class=\"n\"></td><td class=\"n\">4.58</td>"))
        // The workbook: the hash on the Summary sheet, amounts and counts as numeric cells.
        let summarySheet = try xlsxPart(folder + "/statement.xlsx", "xl/worksheets/sheet1.xml")
        XCTAssertTrue(summarySheet.contains(sha))
        XCTAssertTrue(summarySheet.contains("<v>4.58</v>") && summarySheet.contains("<v>2</v>"), summarySheet)
        let lineSheet = try xlsxPart(folder + "/statement.xlsx", "xl/worksheets/sheet2.xml")
        XCTAssertTrue(lineSheet.contains("<v>152.50</v>") && lineSheet.contains("<v>3.05</v>"), lineSheet)
        XCTAssertFalse(lineSheet.contains("inlineStr\"><is><t>1.53"), "amounts are numbers, not text")

        // Final: a later close, and a run, write nothing there again.
        try Data("changed by hand\n".utf8).write(to: URL(fileURLWithPath: folder + "/summary.csv"))
        XCTAssertEqual(try ws.run("2026-11-30", config: config).0.buyerStatementsWritten, 0)
        XCTAssertEqual(try ws.close("2026-11-30", config: config).0?.buyerStatementsWritten, 0)
        XCTAssertEqual(try read(folder + "/summary.csv"), "changed by hand\n", "a written statement is never written again")
        XCTAssertEqual(try read(folder + "/lines.csv"), lines)
        XCTAssertEqual(try ws.db.scalar("SELECT count(*) FROM buyer_statements WHERE pending = 1"), .int(0))
        XCTAssertEqual(try Verifier.verify(ws.db).map(\.description), [])
    }

    /// A monthly and a yearly period can share their id (2026-01-01): each cycle's statement
    /// has a folder of its own and only its own policies' movements.
    func testMonthlyAndYearlyStatementsOfOneIDAreApart() throws {
        let ws = try Workspace()
        let config = try Fixture.config(Fixture.configJSON.replacingOccurrences(of: #""rebates": []"#, with: #"""
            "rebates": [{"id": "OT", "kind": "order_total", "rate_ppm": 10000, "funded_by": "platform"},
                        {"id": "T-Y", "kind": "tiered", "cycle": "yearly", "mode": "whole", "funded_by": "platform",
                         "tiers": [{"threshold": "0", "rate_ppm": 20000}]}]
            """#))
        // 60.00 of tea paid on 3 Jan 2027: OT 1% → 0.60 in January; T-Y 2% → 1.20 for 2027.
        try ws.write("orders.csv", Fixture.orders(tea.replacingOccurrences(of: "2026-11-03", with: "2027-01-03")))
        XCTAssertEqual(try ws.run("2027-12-31", config: config).1, .done)
        XCTAssertEqual(try ws.close("2027-12-31", config: config).1, .done)
        let monthly = ws.reports + "/buyers/B-1/rebates/monthly/2027-01-01"
        let yearly = ws.reports + "/buyers/B-1/rebates/yearly/2027-01-01"
        XCTAssertEqual(try read(monthly + "/lines.csv"), """
            buyer_id,policy_id,kind,period_id,base,amount,funded_by
            B-1,OT,order_total,2027-01-01,60.00,0.60,platform

            """)
        XCTAssertEqual(try read(yearly + "/lines.csv"), """
            buyer_id,policy_id,kind,period_id,base,amount,funded_by
            B-1,T-Y,tiered,2027-01-01,60.00,1.20,platform

            """)
        // Settled in that order (months, then the year): the account after each.
        XCTAssertTrue(try read(monthly + "/summary.csv").hasSuffix("BALANCE,,0.60\n"))
        XCTAssertTrue(try read(yearly + "/summary.csv").hasSuffix("BALANCE,,1.80\n"))
        XCTAssertTrue(try read(yearly + "/statement.html").contains("2027-01-01 – 2027-12-31"))
    }

    /// docs/rebates.md example 6: yearly tiers, whole and marginal, over a year's base built in
    /// several months and lowered by a refund, settled by the close of 31 December and shown
    /// on the buyer's yearly statement.
    func testExampleYearlyTiersWholeAndMarginalOverTheYear() throws {
        let tiers = #"[{"threshold": "1000.00", "rate_ppm": 10000}, {"threshold": "5000.00", "rate_ppm": 20000}, {"threshold": "10000.00", "rate_ppm": 30000}]"#
        let config = try Fixture.config(Fixture.configJSON.replacingOccurrences(of: #""rebates": []"#, with: """
            "rebates": [{"id": "T-YW", "kind": "tiered", "cycle": "yearly", "mode": "whole", "tiers": \(tiers), "funded_by": "platform"},
                        {"id": "T-YM", "kind": "tiered", "cycle": "yearly", "mode": "marginal", "tiers": \(tiers), "funded_by": "platform"}]
            """))
        // 6,000.00 of tea in March, 5,000.00 in October, 1,500.00 of October's refunded in
        // December: the year's base is 9,500.00.
        try ws(config) { ws in
            try ws.write("orders.csv", Fixture.orders(
                "O-Y1,P-Y1,1,SUP-P,B-1,,TEA,food/tea,300,20.00,13.33,0,0,0,0,0,6000.00,alipay,2026-03-10T10:00:00+08:00,2026-03-10T10:00:00+08:00,,CNY",
                "O-Y2,P-Y2,1,SUP-P,B-1,,TEA,food/tea,250,20.00,13.33,0,0,0,0,0,5000.00,alipay,2026-10-10T10:00:00+08:00,2026-10-10T10:00:00+08:00,,CNY"))
            try ws.write("refunds.csv", Fixture.refunds("R-Y2,O-Y2,1,refund_only,0,1500.00,0,0,0,1500.00,2026-12-05T10:00:00+08:00"))
            XCTAssertEqual(try ws.run("2026-12-31", config: config).1, .done)
            XCTAssertEqual(try ws.close("2026-12-31", config: config).1, .done)
            // whole: 9,500.00 reaches 5,000.00: 2% of the whole base = 190.00.
            // marginal: (5,000 − 1,000) × 1% + (9,500 − 5,000) × 2% = 40.00 + 90.00 = 130.00.
            let folder = ws.reports + "/buyers/B-1/rebates/yearly/2026-01-01"
            XCTAssertEqual(try self.read(folder + "/lines.csv"), """
                buyer_id,policy_id,kind,period_id,base,amount,funded_by
                B-1,T-YM,tiered,2026-01-01,9500.00,130.00,platform
                B-1,T-YW,tiered,2026-01-01,9500.00,190.00,platform

                """)
            XCTAssertEqual(try self.read(folder + "/summary.csv"), """
                item,lines,amount
                REBATE,2,320.00
                CLAWBACK,0,0.00
                NET,2,320.00
                BALANCE,,320.00

                """)
            XCTAssertFalse(FileManager.default.fileExists(atPath: ws.reports + "/buyers/B-1/rebates/monthly"), "no monthly policy")
        }
    }

    private func ws(_ config: MallConfig, _ body: (Workspace) throws -> Void) throws {
        let ws = try Workspace()
        try body(ws)
        XCTAssertEqual(try Verifier.verify(ws.db).map(\.description), [])
    }

    // MARK: Bill statements: the month of docs/credit.md

    /// docs/credit.md's dealer DLR-1: CreditTests' month, and December's usage billed on 1 Jan
    /// with December's on-time discount applied.
    func testTheDealersMonthAsDocsCreditShowsIt() throws {
        let ws = try Workspace()
        let config = try CreditTests.config(CreditTests.dealer)
        try ws.write("orders-10.csv", Fixture.orders(CreditTests.usage("O-1", "DLR-1", "600.00", "2026-10-05T10:00:00+08:00"),
                                                     CreditTests.usage("O-2", "DLR-1", "300.00", "2026-10-12T10:00:00+08:00")))
        try ws.write("refunds-10.csv", Fixture.refunds(CreditTests.giveBack("R-1", "O-2", "100.00", "2026-10-20T10:00:00+08:00")))
        XCTAssertEqual(try ws.run("2026-10-31", config: config).1, .done)
        XCTAssertFalse(FileManager.default.fileExists(atPath: ws.reports + "/buyers"), "no bill before the 1st")
        try ws.write("repayments-1113.csv", CreditTests.repayments("P-1,DLR-1,300.00,2026-11-13T15:00:00+08:00"))
        XCTAssertEqual(try ws.run("2026-11-13", config: config).1, .done)

        // The bill of 1 Nov, written by the run that reached it.
        let november = ws.reports + "/buyers/DLR-1/bills/2026-11-01"
        XCTAssertEqual(try files(november), Self.statementFiles)
        let novemberLines = """
            buyer_id,bill_date,date,kind,source_id,order_id,line_no,amount
            DLR-1,2026-11-01,2026-10-05,usage,O-1,O-1,1,600.00
            DLR-1,2026-11-01,2026-10-12,usage,O-2,O-2,1,300.00
            DLR-1,2026-11-01,2026-10-20,give_back,R-1,O-2,1,-100.00

            """
        let novemberSummary = """
            item,lines,amount
            USAGE,2,900.00
            GIVE_BACK,1,-100.00
            BILL,3,800.00
            PREPAID_APPLIED,,0.00
            DUE,,800.00

            """
        XCTAssertEqual(try read(november + "/lines.csv"), novemberLines)
        XCTAssertEqual(try read(november + "/summary.csv"), novemberSummary)
        let page = try read(november + "/statement.html")
        XCTAssertTrue(page.contains("<tr><th>Usage window</th><td>2026-10-05 – 2026-10-31</td></tr>"), page)
        XCTAssertTrue(page.contains("<tr><th>Due date</th><td>2026-11-10</td></tr>"))
        XCTAssertTrue(page.contains("<code>\(try sha256sum(november + "/lines.csv"))</code>"))
        XCTAssertTrue(try read(november + "/statement.zh-CN.html").contains("<tr><th>到期还款日</th><td>2026-11-10</td></tr>"))
        let workbookLines = try xlsxPart(november + "/statement.xlsx", "xl/worksheets/sheet2.xml")
        XCTAssertTrue(workbookLines.contains("<v>-100.00</v>") && workbookLines.contains("<v>600.00</v>"), workbookLines)

        // The rest of the month (CreditTests.testAMonthOfOneDealer): late fees, a freeze from
        // 14 Nov to 16 Nov, the bill of 1 Dec paid on time, its 5.00 discount credited on 10 Dec.
        try ws.write("orders-1115.csv", Fixture.orders(CreditTests.usage("O-3", "DLR-1", "50.00", "2026-11-15T11:00:00+08:00")))
        try ws.write("repayments-1116.csv", CreditTests.repayments("P-2,DLR-1,510.00,2026-11-16T09:00:00+08:00"))
        XCTAssertEqual(try ws.run("2026-11-16", config: config).1, .doneWithFindings)
        try ws.write("orders-1120.csv", Fixture.orders(CreditTests.usage("O-4", "DLR-1", "100.00", "2026-11-20T11:00:00+08:00")))
        try ws.write("repayments-1208.csv", CreditTests.repayments("P-3,DLR-1,143.90,2026-12-08T09:00:00+08:00"))
        XCTAssertEqual(try ws.run("2026-12-11", config: config).1, .done)
        // 15 Dec: 300.00 more; billed 1 Jan with the 5.00 of prepaid applied: 295.00 due.
        try ws.write("orders-1215.csv", Fixture.orders(CreditTests.usage("O-5", "DLR-1", "300.00", "2026-12-15T11:00:00+08:00")))
        XCTAssertEqual(try ws.run("2027-01-02", config: config).1, .done)

        XCTAssertEqual(try ws.export(.bills), """
            buyer_id,bill_date,due_date,amount,prepaid_applied,principal_paid,late_fees,late_fees_paid,on_time_discount,unpaid
            DLR-1,2026-11-01,2026-11-10,800.00,0.00,800.00,3.90,3.90,0.00,0.00
            DLR-1,2026-12-01,2026-12-10,150.00,6.10,150.00,0.00,0.00,5.00,0.00
            DLR-1,2027-01-01,2027-01-10,300.00,5.00,5.00,0.00,0.00,0.00,295.00

            """)
        XCTAssertEqual(try ws.export(.freezes), """
            buyer_id,frozen_from,unfrozen_on
            DLR-1,2026-11-14,2026-11-16

            """)
        // The November statement is as it was issued: later repayments and fees change the
        // bill, never its statement.
        XCTAssertEqual(try read(november + "/lines.csv"), novemberLines)
        XCTAssertEqual(try read(november + "/summary.csv"), novemberSummary)
        let december = ws.reports + "/buyers/DLR-1/bills/2026-12-01"
        XCTAssertEqual(try read(december + "/lines.csv"), """
            buyer_id,bill_date,date,kind,source_id,order_id,line_no,amount
            DLR-1,2026-12-01,2026-11-15,usage,O-3,O-3,1,50.00
            DLR-1,2026-12-01,2026-11-20,usage,O-4,O-4,1,100.00

            """)
        XCTAssertEqual(try read(december + "/summary.csv"), """
            item,lines,amount
            USAGE,2,150.00
            GIVE_BACK,0,0.00
            BILL,2,150.00
            PREPAID_APPLIED,,6.10
            DUE,,143.90

            """)
        XCTAssertTrue(try read(december + "/statement.html").contains("<td>2026-11-01 – 2026-11-30</td>"))
        let january = ws.reports + "/buyers/DLR-1/bills/2027-01-01"
        XCTAssertEqual(try read(january + "/summary.csv"), """
            item,lines,amount
            USAGE,1,300.00
            GIVE_BACK,0,0.00
            BILL,1,300.00
            PREPAID_APPLIED,,5.00
            DUE,,295.00

            """)
        // Every bill's lines sum to it (independent SQL over the movements billed).
        var sums: [String] = []
        try ws.db.query("""
            SELECT b.bill_date, b.amount, (SELECT sum(CASE m.kind WHEN 1 THEN m.amount ELSE -m.amount END)
                FROM credit_bill_lines l JOIN credit_movements m ON m.kind = l.kind AND m.source_key = l.source_key
                WHERE l.buyer_id = b.buyer_id AND l.bill_date = b.bill_date)
            FROM credit_bills b ORDER BY b.bill_date
            """) { sums.append("\($0.string(0)) \($0.int(1)) \($0.int(2))") }
        XCTAssertEqual(sums, ["2026-11-01 80000 80000", "2026-12-01 15000 15000", "2027-01-01 30000 30000"])
        XCTAssertEqual(try Verifier.verify(ws.db).map(\.description), [])

        // verify: a bill whose lines no longer sum to it (its give-back then on no bill, and
        // not waiting for one), a statement whose lines changed.
        let written = try sha256sum(november + "/lines.csv")
        try ws.db.run("DELETE FROM credit_bill_lines WHERE kind = 2")
        var without = Data(novemberLines.utf8)
        without = without.subdata(in: 0 ..< without.count - "DLR-1,2026-11-01,2026-10-20,give_back,R-1,O-2,1,-100.00\n\n".utf8.count + 1)
        let changed = ws.root + "/changed.csv"
        try without.write(to: URL(fileURLWithPath: changed))
        XCTAssertEqual(try Verifier.verify(ws.db).map(\.description), [
            "§8: bill of DLR-1 on 2026-11-01: its lines sum to 900.00, the bill is 800.00",
            "§8: credit give-back row 1 of DLR-1: on no bill, and not waiting for one",
            "§8: bill statement of DLR-1 for 2026-11-01: its lines hash \(try sha256sum(changed)) now, \(written) when written",
        ])
    }

    /// A give-back dated after its usage was billed lowers the next bill (SPEC §8), and so is a
    /// line of the next statement; a window netting ≤ 0 issues no bill and its rows join the
    /// next one's statement.
    func testGiveBacksAfterTheBillAndCarriedWindowsJoinTheNextStatement() throws {
        let ws = try Workspace()
        let config = try CreditTests.config(CreditTests.dealer)
        try ws.write("orders-10.csv", Fixture.orders(CreditTests.usage("O-1", "DLR-1", "200.00", "2026-10-05T10:00:00+08:00"),
                                                     CreditTests.usage("O-2", "DLR-1", "70.00", "2026-12-03T10:00:00+08:00")))
        // Billed 1 Nov: 200.00. 250.00 given back on 5 Nov... more than the 200.00 of O-1 cannot
        // be refunded, so 150.00: November nets −150.00, no bill on 1 Dec; December's 70.00
        // makes −80.00, no bill on 1 Jan either.
        try ws.write("refunds-11.csv", Fixture.refunds(CreditTests.giveBack("R-1", "O-1", "150.00", "2026-11-05T10:00:00+08:00")))
        try ws.write("repayments.csv", CreditTests.repayments("P-1,DLR-1,200.00,2026-11-09T10:00:00+08:00"))
        XCTAssertEqual(try ws.run("2027-01-02", config: config).1, .done)
        XCTAssertEqual(try files(ws.reports + "/buyers/DLR-1/bills"), ["2026-11-01"])
        // February: 100.00 on 10 Jan nets +20.00, billed 1 Feb with every row since 1 Nov.
        try ws.write("orders-01.csv", Fixture.orders(CreditTests.usage("O-3", "DLR-1", "100.00", "2027-01-10T10:00:00+08:00")))
        XCTAssertEqual(try ws.run("2027-02-01", config: config).1, .done)
        let february = ws.reports + "/buyers/DLR-1/bills/2027-02-01"
        XCTAssertEqual(try read(february + "/lines.csv"), """
            buyer_id,bill_date,date,kind,source_id,order_id,line_no,amount
            DLR-1,2027-02-01,2026-11-05,give_back,R-1,O-1,1,-150.00
            DLR-1,2027-02-01,2026-12-03,usage,O-2,O-2,1,70.00
            DLR-1,2027-02-01,2027-01-10,usage,O-3,O-3,1,100.00

            """)
        XCTAssertTrue(try read(february + "/summary.csv").contains("BILL,3,20.00\n"))
        // The prepaid 0.00: P-1 paid the November bill exactly; its 5.00 discount (200.00 ≥
        // 100.00) was credited on 10 Nov and applied now.
        XCTAssertTrue(try read(february + "/summary.csv").hasSuffix("PREPAID_APPLIED,,5.00\nDUE,,15.00\n"))
        XCTAssertTrue(try read(february + "/statement.html").contains("<td>2026-11-01 – 2027-01-31</td>"))
    }

    /// A store from before buyer statements (schema 8) gets migration 9: its bills take their
    /// lines by the on-time rule and no statement (none is written for them); the next bill
    /// is billed and stated as usual, with only its own rows.
    func testAnOlderStoreGetsItsBillLinesAndNoStatementsForOldBills() throws {
        let ws = try Workspace()
        let config = try CreditTests.config(CreditTests.dealer)
        try ws.write("orders-10.csv", Fixture.orders(CreditTests.usage("O-1", "DLR-1", "600.00", "2026-10-05T10:00:00+08:00"),
                                                     CreditTests.usage("O-2", "DLR-1", "300.00", "2026-10-12T10:00:00+08:00")))
        XCTAssertEqual(try ws.run("2026-11-02", config: config).1, .done)
        // Back to schema 8: no buyer statements, no bill lines, no cycle on rebate movements.
        try ws.db.execute("""
            DROP TABLE buyer_statements; DROP TABLE credit_bill_lines;
            ALTER TABLE rebate_movements DROP COLUMN cycle;
            DELETE FROM schema_migrations WHERE version = 9;
            """)
        try FileManager.default.removeItem(atPath: ws.reports + "/buyers")
        XCTAssertEqual(try ws.db.migrateForSettlement(), [9])
        XCTAssertEqual(try ws.db.scalar("SELECT count(*) FROM credit_bill_lines WHERE bill_date = '2026-11-01'"), .int(2))
        XCTAssertEqual(try ws.db.scalar("SELECT pending || '/' || coalesce(lines_sha256, 'none') FROM buyer_statements"),
                       .text("0/none"))
        try ws.write("orders-11.csv", Fixture.orders(CreditTests.usage("O-3", "DLR-1", "40.00", "2026-11-07T10:00:00+08:00")))
        XCTAssertEqual(try ws.run("2026-12-01", config: config).1, .done)
        XCTAssertEqual(try files(ws.reports + "/buyers/DLR-1/bills"), ["2026-12-01"], "no statement for the older bill")
        XCTAssertEqual(try read(ws.reports + "/buyers/DLR-1/bills/2026-12-01/lines.csv"), """
            buyer_id,bill_date,date,kind,source_id,order_id,line_no,amount
            DLR-1,2026-12-01,2026-11-07,usage,O-3,O-3,1,40.00

            """)
        XCTAssertEqual(try Verifier.verify(ws.db).map(\.description), [])
    }

    /// A store of schema 13 gets migration 14: the usage no bill has taken waits for its bill
    /// in credit_unbilled, the billed usage does not, and the next bill takes exactly the
    /// waiting usage, as on a store that was always at schema 14. `verify` finds a movement
    /// neither billed nor waiting, and one waiting though billed.
    func testMovementsWaitForTheirBillAcrossMigration14() throws {
        let config = try CreditTests.config(CreditTests.dealer)
        let (old, current) = (try Workspace(), try Workspace())
        for ws in [old, current] {
            try ws.write("orders-10.csv", Fixture.orders(CreditTests.usage("O-1", "DLR-1", "600.00", "2026-10-05T10:00:00+08:00"),
                                                         CreditTests.usage("O-2", "DLR-1", "300.00", "2026-11-03T10:00:00+08:00")))
            XCTAssertEqual(try ws.run("2026-11-04", config: config).1, .done)
        }
        func waiting(_ ws: Workspace) throws -> [String] {
            var rows: [String] = []
            try ws.db.query("SELECT kind, buyer_id, movement_date FROM credit_unbilled ORDER BY kind, source_key") {
                rows.append("\($0.int(0))|\($0.string(1))|\($0.string(2))")
            }
            return rows
        }
        XCTAssertEqual(try waiting(current), ["1|DLR-1|2026-11-03"], "October's usage is on the bill of 1 November")
        try old.db.execute("DROP TABLE credit_unbilled; DELETE FROM schema_migrations WHERE version = 14;")
        XCTAssertEqual(try old.db.migrateForSettlement(), [14])
        XCTAssertEqual(try waiting(old), try waiting(current))
        XCTAssertEqual(try Verifier.verify(old.db).map(\.description), [])
        for ws in [old, current] {
            try ws.write("orders-11.csv", Fixture.orders(CreditTests.usage("O-3", "DLR-1", "40.00", "2026-11-07T10:00:00+08:00")))
            XCTAssertEqual(try ws.run("2026-12-01", config: config).1, .done)
            XCTAssertEqual(try read(ws.reports + "/buyers/DLR-1/bills/2026-12-01/lines.csv"), """
                buyer_id,bill_date,date,kind,source_id,order_id,line_no,amount
                DLR-1,2026-12-01,2026-11-03,usage,O-2,O-2,1,300.00
                DLR-1,2026-12-01,2026-11-07,usage,O-3,O-3,1,40.00

                """)
            XCTAssertEqual(try waiting(ws), [])
            XCTAssertEqual(try Verifier.verify(ws.db).map(\.description), [])
        }
        try old.db.execute("""
            INSERT INTO credit_unbilled(kind, source_key, buyer_id, movement_date)
                SELECT kind, source_key, buyer_id, movement_date FROM credit_movements WHERE movement_date = '2026-10-05';
            DELETE FROM credit_bill_lines WHERE bill_date = '2026-12-01' AND kind = 1
                AND source_key = (SELECT source_key FROM credit_movements WHERE movement_date = '2026-11-07');
            """)
        let found = try Verifier.verify(old.db).map(\.description)
        XCTAssertTrue(found.contains { $0.contains("credit usage row ") && $0.contains(" of DLR-1: on no bill, and not waiting for one") }, "\(found)")
        XCTAssertTrue(found.contains { $0.contains(" of DLR-1: waits for a bill, but is on one already") }, "\(found)")
    }

    // MARK: Hostile ids

    /// Buyer and policy ids that are formulas, markup, separators and paths come out in every
    /// CSV exactly as the CSV rules write them (a leading `'`, quotes doubled), escaped in
    /// every page, and name one safe folder each.
    func testHostileBuyerAndPolicyIDsComeOutLiterallyAndEscaped() throws {
        let ws = try Workspace()
        let buyer = #"<script>alert(1)</script>,"x"/../.."#
        let policy = #"=HYPERLINK("x")<b>"#
        let policyJSON = #"=HYPERLINK(\"x\")<b>"#
        let buyerJSON = #"<script>alert(1)</script>,\"x\"/../.."#
        var json = Fixture.configJSON.replacingOccurrences(of: #""rebates": []"#, with: """
            "rebates": [{"id": "\(policyJSON)", "kind": "order_total", "rate_ppm": 10000, "funded_by": "supplier"}]
            """)
        json = json.replacingOccurrences(of: #""credit_accounts": []"#, with: """
            "credit_accounts": [{"buyer_id": "\(buyerJSON)", "limit": "1000.00", "bill_day": 1, "repay_day": 10,
                                 "late_fee_ppm_per_day": 0, "freeze_after_days": 30}]
            """)
        let config = try Fixture.config(json)
        let buyerCell = #""<script>alert(1)</script>,""x""/../..""#
        let usage = CreditTests.usage("O-1", "DLR-1", "100.00", "2026-11-05T10:00:00+08:00")
            .replacingOccurrences(of: ",DLR-1,", with: ",\(buyerCell),")
        try ws.write("orders.csv", Fixture.orders(usage))
        XCTAssertEqual(try ws.run("2026-12-01", config: config).1, .done)
        XCTAssertEqual(try ws.close("2026-11-30", config: config).1, .done)

        let policyCell = #""'=HYPERLINK(""x"")<b>""#
        XCTAssertEqual(try ws.export(.rebates), """
            buyer_id,policy_id,kind,period_id,base,amount,funded_by
            \(buyerCell),\(policyCell),order_total,2026-11-01,100.00,1.00,supplier

            """)
        XCTAssertEqual(try ws.export(.bills), """
            buyer_id,bill_date,due_date,amount,prepaid_applied,principal_paid,late_fees,late_fees_paid,on_time_discount,unpaid
            \(buyerCell),2026-12-01,2026-12-10,100.00,0.00,0.00,0.00,0.00,0.00,100.00

            """)
        XCTAssertTrue(try ws.export(.credit).contains("\n\(buyerCell),1000.00,0.00,100.00,0.00,900.00,0\n"))
        // The supplier's REBATE_FUNDING line names both in its source_id, in one CSV cell.
        let sourceCell = #""'=HYPERLINK(""x"")<b>/<script>alert(1)</script>,""x""/../../2026-11-01""#
        let feeLines = try ws.export(.feeLines)
        XCTAssertTrue(feeLines.contains(",rebate,\(sourceCell),,,,REBATE_FUNDING,forward,-1.00,0,"), feeLines)

        let folder = ws.reports + "/buyers/%3Cscript%3Ealert%281%29%3C%2Fscript%3E%2C%22x%22%2F..%2F.."
        XCTAssertEqual(try files(ws.reports + "/buyers"), [(folder as NSString).lastPathComponent], "one folder, inside buyers/")
        XCTAssertEqual(try read(folder + "/rebates/monthly/2026-11-01/lines.csv"), """
            buyer_id,policy_id,kind,period_id,base,amount,funded_by
            \(buyerCell),\(policyCell),order_total,2026-11-01,100.00,1.00,supplier

            """)
        XCTAssertEqual(try read(folder + "/bills/2026-12-01/lines.csv"), """
            buyer_id,bill_date,date,kind,source_id,order_id,line_no,amount
            \(buyerCell),2026-12-01,2026-11-05,usage,O-1,O-1,1,100.00

            """)
        for page in ["/rebates/monthly/2026-11-01/statement.html", "/rebates/monthly/2026-11-01/statement.zh-CN.html",
                     "/bills/2026-12-01/statement.html", "/bills/2026-12-01/statement.zh-CN.html"] {
            let html = try read(folder + page)
            XCTAssertFalse(html.contains("<script>") || html.contains("<b>"), page)
            XCTAssertTrue(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;,&quot;x&quot;/../.."), page)
        }
        XCTAssertTrue(try read(folder + "/rebates/monthly/2026-11-01/statement.html").contains("=HYPERLINK(&quot;x&quot;)&lt;b&gt;"))
        // In the workbook the ids are text cells, escaped for XML.
        let sheet = try xlsxPart(folder + "/rebates/monthly/2026-11-01/statement.xlsx", "xl/worksheets/sheet2.xml")
        XCTAssertTrue(sheet.contains("=HYPERLINK(&quot;x&quot;)&lt;b&gt;") || sheet.contains("=HYPERLINK(\"x\")&lt;b&gt;"), sheet)
        XCTAssertEqual(try ws.db.scalar("SELECT count(*) FROM buyer_statements WHERE buyer_id = ? AND pending = 0", [.text(buyer)]),
                       .int(2))
        XCTAssertEqual(try ws.db.scalar("SELECT count(*) FROM rebate_movements WHERE policy_id = ?", [.text(policy)]), .int(1))
        XCTAssertEqual(try Verifier.verify(ws.db).map(\.description), [])
    }

    func testFolderNamesAreSafeAndDistinct() {
        XCTAssertEqual(BuyerStatementFiles.folderName("B-1"), "B-1")
        XCTAssertEqual(BuyerStatementFiles.folderName("DLR.7_x"), "DLR.7_x")
        XCTAssertEqual(BuyerStatementFiles.folderName(""), "~empty")
        XCTAssertEqual(BuyerStatementFiles.folderName(".."), "%2E.")
        XCTAssertEqual(BuyerStatementFiles.folderName("a/b"), "a%2Fb")
        XCTAssertEqual(BuyerStatementFiles.folderName("a%2Fb"), "a%252Fb", "a % is escaped too: no two ids share a name")
        XCTAssertEqual(BuyerStatementFiles.folderName("买家"), "%E4%B9%B0%E5%AE%B6")
        let long = String(repeating: "/", count: 50)
        let name = BuyerStatementFiles.folderName(long)
        XCTAssertEqual(name.utf8.count, 78 + 1 + 16, "cut at 78 (not inside a %2F), then ~ and 16 hex digits")
        XCTAssertTrue(name.hasPrefix(String(repeating: "%2F", count: 26)))
        XCTAssertNotEqual(name, BuyerStatementFiles.folderName(long + "/"))
    }
}
