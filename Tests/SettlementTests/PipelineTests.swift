// The nightly end to end inside the library: ingest, posting, late lines, close and
// carry-forward, drafts and statements — with inline feeds and exact amounts.

import Foundation
import MallCore
import XCTest
@testable import Settlement

final class PipelineTests: XCTestCase {
    func testWorkedExampleThroughTheNightly() throws {
        let ws = try Workspace()
        let config = try Fixture.config()
        try ws.write("orders-1110.csv", Fixture.orders(Fixture.workedOrder))
        try ws.write("refunds-1110.csv", Fixture.refunds(Fixture.workedReturn))
        let (record, status) = try ws.run("2026-11-10", config: config)
        XCTAssertEqual(status, .done)
        XCTAssertEqual(record.posting.forwardLines, 1)
        XCTAssertEqual(record.posting.refundsPosted, 1)
        let sheet = "SUP-A-ENT-BJ-CNY-20261101"
        XCTAssertEqual(try ws.lines(), [
            "\(sheet)|GOODS|O-1|185.00|0|", "\(sheet)|PLATFORM_SUBSIDY|O-1|10.00|0|", "\(sheet)|FREIGHT|O-1|8.00|0|",
            "\(sheet)|COMMISSION|O-1|-15.60|0|", "\(sheet)|PAYMENT_FEE|O-1|-1.04|0|",
            "\(sheet)|GOODS|R-1|-92.50|0|", "\(sheet)|PLATFORM_SUBSIDY|R-1|-5.00|0|", "\(sheet)|COMMISSION|R-1|7.80|0|",
            "\(sheet)|REFUND_ADMIN_FEE|R-1|-1.56|0|",
        ])
        XCTAssertEqual(try ws.sheet(sheet)?.net, "95.10")
        XCTAssertEqual(try ws.sheet(sheet)?.status, "open")
        // Every configured supplier has a sheet for the as-of period.
        XCTAssertNotNil(try ws.sheet("SUP-B-ENT-SH-CNY-20261109"))
        XCTAssertNotNil(try ws.sheet("SUP-P-ENT-SH-CNY-20261101"))
        XCTAssertTrue(try Verifier.verify(ws.db).isEmpty)
        // The draft statement of the changed sheet is written, marked DRAFT.
        let summary = try String(contentsOfFile: ws.reports + "/statements/2026-11-01/\(sheet)/summary.csv", encoding: .utf8)
        XCTAssertEqual(summary, """
            fee_code,lines,amount
            GOODS,2,92.50
            PLATFORM_SUBSIDY,2,5.00
            FREIGHT,1,8.00
            COMMISSION,2,-7.80
            PAYMENT_FEE,1,-1.04
            REFUND_ADMIN_FEE,1,-1.56
            NET,9,95.10
            PAYABLE,,
            DRAFT,,

            """)
    }

    /// Forward lines are stored one row per order line; the fee_lines view must give back
    /// the lines, codes and rules worked by hand, for both modes and both shipping sides.
    func testForwardLinesReadBackAsPriced() throws {
        let ws = try Workspace()
        let config = try Fixture.config()
        let platformShipped = "O-B,P-B,1,SUP-B,,,PEN,office/pens,10,1.00,,0,0,0,0,0,10.00,alipay,2026-11-03T10:00:00+08:00,2026-11-03T10:00:00+08:00,,CNY"
        let purchased = "O-P,P-P,1,SUP-P,,,TEA,food/tea,3,20.00,13.33,0,0,0,0,0,60.00,alipay,2026-11-03T10:00:00+08:00,2026-11-03T10:00:00+08:00,,CNY"
        try ws.write("orders-1110.csv", Fixture.orders(Fixture.workedOrder, platformShipped, purchased))
        try ws.run("2026-11-10", config: config)
        var stored: [String] = []
        try ws.db.query("""
            SELECT o.order_id, f.fee_code, f.amount, f.rule FROM fee_lines f JOIN order_lines o ON o.id = f.line_key
            WHERE f.source_type = 1 ORDER BY o.order_id, f.fee_code
            """) { stored.append("\($0.string(0)) \($0.int(1)) \($0.int(2)) \($0.int(3))") }
        // Worked by hand from SPEC §5 (rows: order, fee code, amount in fen, rule; store codes
        // GOODS 1, PLATFORM_SUBSIDY 2, FREIGHT 3, COMMISSION 4, PAYMENT_FEE 5, DELIVERY_FEE 6,
        // WAREHOUSING_FEE 7, COST 8; rule ≥ 0 is fee_rules[i], -1 goods, -2 discount_platform,
        // -3 freight, -4 cost_price).
        let priced = [
            // The worked example: 2 × 100.00 − 10.00 − 5.00 = 185.00 of goods, 10.00 of platform
            // discount back, 8.00 of freight; commission 8% of (200.00 − 5.00) = 15.60
            // (fee_rules[0], digital); wechat 0.6% of 173.00 cash = 1.038 → 1.04 (fee_rules[2]).
            "O-1 1 18500 -1", "O-1 2 1000 -2", "O-1 3 800 -3", "O-1 4 -1560 0", "O-1 5 -104 2",
            // 10 pens at 1.00 shipped by the platform: commission 5% of 10.00 = 0.50
            // (fee_rules[1]); alipay 0.55% of 10.00 = 0.055 → 0.06, half away from zero
            // (fee_rules[3]); delivery 10 × 6.00 (fee_rules[5]); warehousing 10 × 1.20 (fee_rules[6]).
            "O-B 1 1000 -1", "O-B 4 -50 1", "O-B 5 -6 3", "O-B 6 -6000 5", "O-B 7 -1200 6",
            // Bought in: the cost, 3 × 13.33 = 39.99, and nothing else.
            "O-P 8 3999 -4",
        ]
        XCTAssertEqual(stored, priced)
        XCTAssertEqual(stored.count, 5 + 5 + 1)
    }

    func testCompletionArrivesLaterAndRefundWaitsForTrigger() throws {
        let ws = try Workspace()
        let config = try Fixture.config()
        let open = Fixture.workedOrder.replacingOccurrences(of: "2026-11-10T18:00:00+08:00", with: "")
        try ws.write("orders-1110.csv", Fixture.orders(open))
        try ws.write("refunds-1110.csv", Fixture.refunds(Fixture.workedReturn))
        try ws.run("2026-11-10", config: config)
        XCTAssertEqual(try ws.lines(), [], "SUP-A settles on completion: nothing posts yet")
        // The completed copy of the row arrives two days later: the one allowed update.
        try ws.write("orders-1112.csv", Fixture.orders(Fixture.workedOrder.replacingOccurrences(of: "2026-11-10T18:00:00+08:00", with: "2026-11-12T10:00:00+08:00")))
        let (record, status) = try ws.run("2026-11-12", config: config)
        XCTAssertEqual(status, .done)
        XCTAssertEqual(record.inputs.first { $0.path.hasSuffix("orders-1112.csv") }?.updated, 1)
        let lines = try ws.lines()
        XCTAssertEqual(lines.count, 9)
        // The reverse lines post at max(refunded_at, trigger): the completion day.
        var dates: Set<String> = []
        try ws.db.query("SELECT DISTINCT date(posting_day * 86400, 'unixepoch') FROM fee_lines") { dates.insert($0.string(0)) }
        XCTAssertEqual(dates, ["2026-11-12"])
        // A stale copy without completion afterwards is a duplicate, not a change.
        try ws.write("orders-1113.csv", Fixture.orders(open, Fixture.workedOrder.replacingOccurrences(of: "O-1,P-1,1", with: "O-2,P-2,1")))
        let (again, _) = try ws.run("2026-11-13", config: config)
        XCTAssertEqual(again.inputs.first { $0.path.hasSuffix("orders-1113.csv") }?.duplicate, 1)
    }

    func testOrphanRefundIsHeldThenPostedWhenItsLineArrives() throws {
        let ws = try Workspace()
        let config = try Fixture.config()
        try ws.write("refunds-1110.csv", Fixture.refunds(Fixture.workedReturn))
        let (first, _) = try ws.run("2026-11-10", config: config)
        XCTAssertEqual(first.posting.orphansHeld, 1)
        try ws.write("orders-1111.csv", Fixture.orders(Fixture.workedOrder))
        let (second, _) = try ws.run("2026-11-11", config: config)
        XCTAssertEqual(second.posting.refundsAccepted, 1)
        XCTAssertEqual(try ws.sheet("SUP-A-ENT-BJ-CNY-20261101")?.net, "95.10")
    }

    func testEachQuarantineReasonNamesFileLineAndColumn() throws {
        let ws = try Workspace()
        let config = try Fixture.config()
        let good = Fixture.workedOrder
        func variant(_ id: String, _ edit: (inout [String]) -> Void) -> String {
            var cells = good.components(separatedBy: ",")
            cells[0] = id
            edit(&cells)
            return cells.joined(separator: ",")
        }
        try ws.write("orders-a.csv", Fixture.orders(
            good,                                                            // line 2: accepted
            "O-X,P-X,1,SUP-A",                                               // line 3: malformed_row
            variant("O-3") { $0[6] = "" },                                   // line 4: missing_field sku (col 7)
            variant("O-4") { $0[8] = "2.5" },                                // line 5: bad_quantity (col 9)
            variant("O-5") { $0[9] = "1e3" },                                // line 6: bad_money (col 10)
            variant("O-6") { $0[19] = "2026-11-10T09:01:00" },               // line 7: bad_timestamp (col 20)
            variant("O-1") { $0[9] = "100.01" },                             // line 8: conflicting_redelivery (col 10)
            variant("O-8") { $0[3] = "SUP-ZETA" },                           // line 9: unknown_supplier (col 4)
            variant("O-9") { $0[16] = "173.01" },                            // line 10: tender_mismatch (col 17)
            variant("O-10") { $0[11] = "300.00"; $0[14] = "0"; $0[16] = "0"; $0[13] = "0" }, // 11: negative_goods
            variant("O-11") { $0[21] = "USD" },                              // line 12: bad_currency (col 22)
            variant("O-12") { $0[17] = "" },                                 // line 13: payment_channel needed for cash
            variant(String(repeating: "L", count: 65)) { _ in },             // line 14: too_long (col 1)
            good                                                             // line 15: duplicate
        ))
        try ws.write("refunds-a.csv", Fixture.refunds(
            "R-1,O-1,1,return,1,92.50,0,10.00,0,82.50,2026-11-10T20:00:00+08:00",
            "R-2,O-1,1,swap,1,1.00,0,0,0,1.00,2026-11-10T20:00:00+08:00",          // bad_refund_type (col 4)
            "R-3,O-1,1,return,1,92.50,0,0,0,92.50,2026-11-10T21:00:00+08:00",      // over_refund: cash (col 10)
            "R-4,O-1,1,return,0,1.00,0,0,0,2.00,2026-11-10T21:00:00+08:00"         // tender_mismatch (col 10)
        ))
        try ws.write("orders-b.csv", "order_id,line_no\nO-1,1\n")                 // missing_column: whole file
        let (record, status) = try ws.run("2026-11-10", config: config)
        XCTAssertEqual(status, .doneWithFindings)
        XCTAssertEqual(try ws.quarantine().sorted(), [
            "orders-a.csv:10:17:tender_mismatch",
            "orders-a.csv:11:10:negative_goods",
            "orders-a.csv:12:22:bad_currency",
            "orders-a.csv:13:18:missing_field",
            "orders-a.csv:14:1:too_long",
            "orders-a.csv:3:5:malformed_row",
            "orders-a.csv:4:7:missing_field",
            "orders-a.csv:5:9:bad_quantity",
            "orders-a.csv:6:10:bad_money",
            "orders-a.csv:7:20:bad_timestamp",
            "orders-a.csv:8:10:conflicting_redelivery",
            "orders-a.csv:9:4:unknown_supplier",
            "orders-b.csv:0:0:missing_column",
            "refunds-a.csv:3:4:bad_refund_type",
            "refunds-a.csv:4:10:over_refund",
            "refunds-a.csv:5:10:tender_mismatch",
        ].sorted())
        let ordersA = try XCTUnwrap(record.inputs.first { $0.path.hasSuffix("orders-a.csv") })
        XCTAssertEqual([ordersA.read, ordersA.accepted, ordersA.duplicate, ordersA.quarantined], [14, 1, 1, 12])
        XCTAssertTrue(try Verifier.verify(ws.db).isEmpty)
        // The quarantine file of the run lists them too, with the raw row.
        let csv = try String(contentsOfFile: ws.reports + "/quarantine/\(record.runID).csv", encoding: .utf8)
        XCTAssertTrue(csv.hasPrefix("file,line,column,reason,message,raw\n"))
        XCTAssertTrue(csv.contains("SUP-ZETA"))
    }

    func testSameFileTwiceUnderAnotherNameChangesNothing() throws {
        let ws = try Workspace()
        let config = try Fixture.config()
        try ws.write("orders-1110.csv", Fixture.orders(Fixture.workedOrder))
        try ws.run("2026-11-10", config: config)
        let before = try ws.export(.feeLines)
        try ws.write("orders-1110-resend.csv", Fixture.orders(Fixture.workedOrder))
        let (record, status) = try ws.run("2026-11-10", config: config)
        XCTAssertEqual(status, .done)
        XCTAssertEqual(record.inputs.map(\.status), [.known, .known])
        XCTAssertEqual(try ws.export(.feeLines), before)
    }

    func testCloseCarriesANegativeNetForwardAndLateLinesGoToTheOpenSheet() throws {
        let ws = try Workspace()
        let config = try Fixture.config()
        // SUP-B (weekly from Monday, settles on payment): an order on Tue 2026-11-03.
        let order = "O-B,P-B,1,SUP-B,,,PEN,office/pens,10,1.00,,0,0,0,0,0,10.00,alipay,2026-11-03T10:00:00+08:00,2026-11-03T10:00:00+08:00,,CNY"
        try ws.write("orders-1103.csv", Fixture.orders(order))
        try ws.run("2026-11-08", config: config)
        let week1 = "SUP-B-ENT-SH-CNY-20261102"
        // 10.00 goods − 0.50 commission − 0.06 payment fee − 60.00 delivery − 12.00 warehousing.
        XCTAssertEqual(try ws.sheet(week1)?.net, "-62.56")
        let (closeRecord, closeStatus, refusal) = try ws.close("2026-11-08", config: config, supplier: "SUP-B")
        XCTAssertNil(refusal)
        XCTAssertEqual(closeStatus, .done)
        XCTAssertEqual(closeRecord?.closed, [week1])
        XCTAssertEqual(try ws.sheet(week1)?.net, "0.00")
        XCTAssertEqual(try ws.sheet(week1)?.status, "closed")
        let week2 = "SUP-B-ENT-SH-CNY-20261109"
        XCTAssertEqual(try ws.sheet(week2)?.net, "-62.56")
        XCTAssertEqual(try ws.lines(where: "fee_code = 'CARRY_FORWARD'"),
                       ["\(week1)|CARRY_FORWARD|\(week1)|62.56|0|", "\(week2)|CARRY_FORWARD|\(week1)|-62.56|0|"])
        // A cancel dated in the closed week arrives later: it is late, in the as-of week's sheet.
        try ws.write("refunds-1110.csv", Fixture.refunds("C-1,O-B,1,cancel,10,10.00,0,0,0,10.00,2026-11-04T09:00:00+08:00"))
        try ws.run("2026-11-10", config: config)
        let late = try ws.lines(where: "source_id = 'C-1'")
        XCTAssertEqual(late, [
            "\(week2)|GOODS|C-1|-10.00|1|2026-11-02", "\(week2)|COMMISSION|C-1|0.50|1|2026-11-02",
            "\(week2)|REFUND_ADMIN_FEE|C-1|-0.10|1|2026-11-02", "\(week2)|PAYMENT_FEE|C-1|0.06|1|2026-11-02",
            "\(week2)|DELIVERY_FEE|C-1|60.00|1|2026-11-02", "\(week2)|WAREHOUSING_FEE|C-1|12.00|1|2026-11-02",
        ])
        XCTAssertEqual(try ws.sheet(week2)?.net, "-0.10")
        // The closed sheet never changed; its statement is on disk and verify agrees.
        XCTAssertEqual(try ws.sheet(week1)?.lines, 6)
        let folder = ws.reports + "/statements/2026-11-02/\(week1)"
        for file in ["lines.csv", "summary.csv", "statement.html", "statement.zh-CN.html", "statement.xlsx"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/" + file), file)
        }
        XCTAssertTrue(try Verifier.verify(ws.db).isEmpty)
    }

    func testCloseRefusesBeforeTheNightlyForThatDate() throws {
        let ws = try Workspace()
        let config = try Fixture.config()
        try ws.run("2026-11-07", config: config)
        let (record, status, refusal) = try ws.close("2026-11-08", config: config)
        XCTAssertEqual(status, .usage)
        XCTAssertEqual(refusal, "the nightly for 2026-11-08 has not completed (latest finished run is as of 2026-11-07); run `mallsettle run --date 2026-11-08` first")
        // The runs row and the manifest record the status the command returns.
        let runID = try XCTUnwrap(record).runID
        var recorded: Int64 = -1
        try ws.db.query("SELECT exit_status FROM runs WHERE run_id = ?", [.text(runID)]) { recorded = $0.int(0) }
        XCTAssertEqual(recorded, 2)
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: ws.reports + "/runs/\(runID).json")))
        XCTAssertEqual((manifest as? [String: Any])?["exit_status"] as? Int, 2)
        XCTAssertEqual((manifest as? [String: Any])?["failure"] as? String, refusal)
        var closed: Int64 = -1
        try ws.db.query("SELECT count(*) FROM sheets WHERE status != 'open'") { closed = $0.int(0) }
        XCTAssertEqual(closed, 0)
    }

    /// Line and column point at the bad value; a missing field points at the object it belongs in.
    func testConfigurationErrorsNameLineAndColumn() {
        func error(_ json: String) -> String {
            do { _ = try MallConfig.parse(json, file: "mall.json"); return "no error" } catch { return "\(error)" }
        }
        let supplier = #"{"id": "S", "mode": "commission", "ships": "supplier", "cycle": "daily", "settle_on": "paid", "entity": "E"}"#
        XCTAssertEqual(error("""
        {
          "suppliers": [
            \(supplier),
            {"id": "T", "mode": "commission", "ships": "supplier", "cycle": "monthly",
             "cycle_day": 40, "settle_on": "paid", "entity": "E"}
          ]
        }
        """), "mall.json:5:19: $.suppliers[1].cycle_day: 40 is not in 1..28")
        XCTAssertEqual(error("{\n  \"suppliers\": [\n    {\"id\": \"S\"}\n  ]\n}"),
                       "mall.json:3:5: $.suppliers[0].mode: is required")
        XCTAssertEqual(error("{\"currency\": 7}"), "mall.json:1:14: $.currency: must be a string")
        XCTAssertEqual(error("{\"orphan_window_days\": 2.5}"),
                       "mall.json:1:24: $.orphan_window_days: must be a whole number, not 2.5")
        XCTAssertEqual(error("{\n  \"timezone\": \"UTC\",\n  \"currency\" \"CNY\"\n}"),
                       "mall.json:3:14: $: not valid JSON: expected ':' after \"currency\"")
        XCTAssertEqual(error("{\"currency\": \"CNY\", \"currency\": \"USD\"}"),
                       "mall.json:1:37: $: not valid JSON: field \"currency\" appears twice")
    }

    func testConfigurationErrorsNameTheJSONPath() {
        func error(_ json: String) -> String {
            do { _ = try Fixture.config(json); return "no error" } catch { return "\(error)" }
        }
        let base = Fixture.configJSON
        XCTAssertEqual(error(base.replacingOccurrences(of: "\"cycle_day\": 1, \"settle_on\": \"completed\"", with: "\"cycle_day\": 31, \"settle_on\": \"completed\"")),
                       "test.json:6:39: $.suppliers[0].cycle_day: 31 is not in 1..28")
        XCTAssertEqual(error(base.replacingOccurrences(of: "\"rate_ppm\": 50000}", with: "\"rate_ppm\": 50000, \"colour\": 1}")),
                       "test.json:14:56: $.fee_rules[1].colour: unknown field (expected one of: category, channel, effective_from, effective_to, fee, per_unit, rate_ppm, reversible, sku, supplier_id)")
        XCTAssertEqual(error(base.replacingOccurrences(of: "{\"fee\": \"commission\", \"rate_ppm\": 50000}", with: "{\"fee\": \"commission\", \"rate_ppm\": 50000}, {\"fee\": \"commission\", \"rate_ppm\": 40000}")),
                       "test.json:14:47: $.fee_rules[2]: conflicts with fee_rules[1]: same fee and selectors, overlapping dates")
        XCTAssertEqual(error(base.replacingOccurrences(of: "\"per_unit\": \"6.00\"", with: "\"per_unit\": \"6.005\"")),
                       "test.json:18:41: $.fee_rules[5].per_unit: '6.005' has more than 2 fraction digits")
        XCTAssertEqual(error(base.replacingOccurrences(of: "Asia/Shanghai", with: "Mars/Olympus")),
                       "test.json:2:15: $.timezone: 'Mars/Olympus' is not a known IANA timezone")
    }

    func testRuleResolutionPrefersSkuThenSupplierThenDepthThenChannel() throws {
        let config = try Fixture.config("""
        {"suppliers": [{"id": "S", "mode": "commission", "ships": "supplier", "cycle": "daily", "settle_on": "paid", "entity": "E"}],
         "fee_rules": [
           {"fee": "commission", "rate_ppm": 1},
           {"fee": "commission", "rate_ppm": 2, "category": "a"},
           {"fee": "commission", "rate_ppm": 3, "category": "a/b"},
           {"fee": "commission", "rate_ppm": 4, "supplier_id": "S"},
           {"fee": "commission", "rate_ppm": 5, "sku": "K"},
           {"fee": "commission", "rate_ppm": 6, "category": "a/b/c", "effective_from": "2026-11-15", "effective_to": "2026-11-20"}
         ]}
        """)
        let book = FeeRuleBook(config.feeRules)
        let day = Day(parsing: "2026-11-10")!
        func rate(_ supplier: String, _ category: String, _ sku: String, _ date: Day = Day(parsing: "2026-11-10")!) -> Int64? {
            let subject = RuleSubject(supplierID: supplier, category: category, sku: sku, channel: nil)
            let rule = book.rule(.commission, for: subject, on: date), terms = book.terms(.commission, for: subject, on: date)
            // The terms pricing reads are the found rule's.
            XCTAssertEqual(terms?.index, rule?.index)
            XCTAssertEqual(terms?.ratePPM, rule?.ratePPM)
            return terms?.ratePPM
        }
        XCTAssertEqual(rate("T", "z", "Q"), 1)
        XCTAssertEqual(rate("T", "a/x", "Q"), 2)
        XCTAssertEqual(rate("T", "ab", "Q"), 1, "ab is not below a")
        XCTAssertEqual(rate("T", "a/b/c", "Q"), 3)
        XCTAssertEqual(rate("S", "a/b/c", "Q"), 4, "supplier beats category depth")
        XCTAssertEqual(rate("S", "a/b", "K"), 5, "sku beats everything")
        XCTAssertEqual(rate("T", "a/b/c", "Q", Day(parsing: "2026-11-15")!), 6, "in its window")
        XCTAssertEqual(rate("T", "a/b/c", "Q", Day(parsing: "2026-11-20")!), 3, "effective_to is exclusive")
        _ = day
    }
}

final class InboxTests: XCTestCase {
    func testInboxSkipsFilesStillBeingWrittenAndWaitsForDoneMarkers() throws {
        let ws = try Workspace()
        try ws.write("orders-1.csv", Fixture.orders(Fixture.workedOrder))
        try ws.write("orders-2.csv.part", Fixture.orders(Fixture.workedOrder))
        try ws.write("orders-3.tmp", Fixture.orders(Fixture.workedOrder))
        try ws.write("notes.txt", "not a feed")
        let plain = try Inbox.list(ws.inbox, requireDoneMarker: false)
        XCTAssertEqual(plain.taken.map(\.name), ["orders-1.csv"])
        XCTAssertEqual(plain.skipped.map(\.0).sorted(), ["notes.txt", "orders-2.csv.part", "orders-3.tmp"])
        let strict = try Inbox.list(ws.inbox, requireDoneMarker: true)
        XCTAssertEqual(strict.taken.map(\.name), [])
        try ws.write("orders-1.csv.done", "")
        XCTAssertEqual(try Inbox.list(ws.inbox, requireDoneMarker: true).taken.map(\.name), ["orders-1.csv"])
    }

    func testInboxOrderIsByKindThenName() throws {
        let ws = try Workspace()
        for name in ["refunds-a.csv", "orders-b.csv", "adjustments-a.csv", "orders-a.csv", "payouts-z.csv", "payments-a.csv"] {
            try ws.write(name, "x\n")
        }
        XCTAssertEqual(try Inbox.list(ws.inbox, requireDoneMarker: false).taken.map(\.name),
                       ["orders-a.csv", "orders-b.csv", "refunds-a.csv", "payments-a.csv", "adjustments-a.csv", "payouts-z.csv"])
    }

    func testCorruptGzipAndNonUTF8FilesAreRejectedWholeWithNothingKept() throws {
        let ws = try Workspace()
        let config = try Fixture.config()
        // A gzip file cut short, and a UTF-16 file.
        let csv = Fixture.orders(Fixture.workedOrder)
        let gzipPath = ws.inbox + "/orders-z.csv.gz"
        try ws.write("plain.csv", csv)
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/bin/sh")
        gzip.arguments = ["-c", "gzip -n -c '\(ws.inbox)/plain.csv' | head -c 60 > '\(gzipPath)'; rm '\(ws.inbox)/plain.csv'"]
        try gzip.run()
        gzip.waitUntilExit()
        var utf16 = Data([0xFF, 0xFE])
        utf16.append(csv.data(using: .utf16LittleEndian)!)
        try utf16.write(to: URL(fileURLWithPath: ws.inbox + "/orders-w.csv"))
        let (record, status) = try ws.run("2026-11-10", config: config)
        XCTAssertEqual(status, .doneWithFindings)
        XCTAssertEqual(try ws.quarantine().sorted(), ["orders-w.csv:0:0:not_utf8", "orders-z.csv.gz:0:0:corrupt_gzip"])
        XCTAssertEqual(record.inputs.map(\.status), [.rejected, .rejected])
        var stored: Int64 = -1
        try ws.db.query("SELECT count(*) FROM order_lines") { stored = $0.int(0) }
        XCTAssertEqual(stored, 0)
        // Delivered again, a rejected file is known and not reported twice.
        let (_, again) = try ws.run("2026-11-10", config: config)
        XCTAssertEqual(again, .done)
    }
}

final class OtherFeedsTests: XCTestCase {
    func testPaymentsRepaymentsAndPayoutsAreCheckedAndStoredIdempotently() throws {
        let ws = try Workspace()
        let config = try Fixture.config()
        try ws.write("payments-1.csv", """
            channel,txn_id,kind,reference,amount,fee,occurred_at
            wechat,T1,pay,P-1,173.00,1.04,2026-11-10T09:01:05+08:00
            wechat,T2,chargeback,P-1,173.00,0,2026-11-10T09:01:05+08:00
            alipay,T3,refund,R-1,-1.00,0,2026-11-10T09:01:05+08:00
            wechat,T1,pay,P-1,173.00,1.04,2026-11-10T01:01:05Z

            """)
        try ws.write("repayments-1.csv", """
            repayment_id,buyer_id,amount,paid_at
            RP-1,B-1,100.00,2026-11-10T10:00:00+08:00
            RP-2,B-1,0.00,2026-11-10T10:00:00+08:00
            RP-1,B-1,100.01,2026-11-10T10:00:00+08:00

            """)
        try ws.write("payouts-1.jsonl", """
            {"payout_id": "PO-1", "sheet_id": "SUP-A-ENT-BJ-CNY-20261101", "amount": "95.10", "paid_at": "2026-12-05T10:00:00+08:00", "bank_ref": "B-77"}
            {"payout_id": "PO-2", "sheet_id": "SUP-A-ENT-BJ-CNY-20261101", "amount": 95.10, "paid_at": "2026-12-05T10:00:00+08:00", "bank_ref": "B-78"}

            """)
        let (record, status) = try ws.run("2026-11-10", config: config)
        XCTAssertEqual(status, .doneWithFindings)
        XCTAssertEqual(try ws.quarantine().sorted(), [
            "payments-1.csv:3:3:bad_kind",
            "payments-1.csv:4:5:bad_money",
            "payouts-1.jsonl:2:74:bad_money",
            "repayments-1.csv:3:3:bad_money",
            "repayments-1.csv:4:3:conflicting_redelivery",
        ])
        let payments = try XCTUnwrap(record.inputs.first { $0.kind == .payments })
        XCTAssertEqual([payments.read, payments.accepted, payments.duplicate, payments.quarantined], [4, 1, 1, 2])
        var stored: [String] = []
        try ws.db.query("SELECT channel, txn_id, amount, fee FROM payments") { stored.append("\($0.string(0)) \($0.string(1)) \($0.int(2)) \($0.int(3))") }
        XCTAssertEqual(stored, ["wechat T1 17300 104"])
        XCTAssertTrue(try Verifier.verify(ws.db).isEmpty)
    }
}

final class OrphanBreakTests: XCTestCase {
    func testAnOrphanBecomesABreakAfterTheWindowAndIsResolvedWhenItsLineArrives() throws {
        let ws = try Workspace()
        let config = try Fixture.config()
        try ws.write("refunds-1110.csv", Fixture.refunds(Fixture.workedReturn))
        for day in ["2026-11-10", "2026-11-11", "2026-11-12", "2026-11-13"] {
            let (record, status) = try ws.run(day, config: config)
            XCTAssertEqual(status, .done, "\(day): within the window, the refund is only held")
            XCTAssertEqual(record.posting.orphansHeld, 1)
        }
        let (late, status) = try ws.run("2026-11-14", config: config)
        XCTAssertEqual(status, .doneWithFindings, "more than 3 business days: a new break")
        XCTAssertEqual(late.posting.newBreaks, ["orphan R-1/O-1/1"])
        XCTAssertEqual(try String(contentsOfFile: ws.reports + "/reconciliation/2026-11-14/breaks.csv", encoding: .utf8), """
            break_id,kind,channel,reference,expected,found,first_seen,resolved_at,detail
            1,orphan,,R-1/O-1/1,,92.50,2026-11-14,,"refund R-1 of order O-1 line 1, held since 2026-11-10: the order line has not arrived"

            """)
        XCTAssertEqual(try ws.run("2026-11-14", config: config).1, .done, "the same break is not new again")
        try ws.write("orders-1115.csv", Fixture.orders(Fixture.workedOrder))
        try ws.run("2026-11-15", config: config)
        XCTAssertEqual(try ws.export(.breaks), """
            break_id,kind,channel,reference,expected,found,first_seen,resolved_at,detail
            1,orphan,,R-1/O-1/1,,92.50,2026-11-14,2026-11-15,"refund R-1 of order O-1 line 1, held since 2026-11-10: the order line has not arrived"

            """)
        XCTAssertEqual(try ws.sheet("SUP-A-ENT-BJ-CNY-20261101")?.net, "95.10")
    }
}

final class RedeliveryInOneFileTests: XCTestCase {
    /// Re-delivered rows inside the same file, among rows handed over from the reading thread
    /// in batches, are settled exactly as if the rows were stored one by one in file order.
    func testDuplicatesConflictsAndCompletionsInsideOneBatch() throws {
        let ws = try Workspace()
        let config = try Fixture.config()
        func line(_ n: Int, price: String = "1.00", completed: String = "") -> String {
            "O-\(n),P-\(n),1,SUP-B,,,PEN,office/pens,1,\(price),,0,0,0,0,0,\(price),alipay,2026-11-03T10:00:00+08:00,2026-11-03T10:00:00+08:00,\(completed),CNY"
        }
        var rows = (1...30).map { line($0) }
        rows.insert(line(5), at: 20)                                              // line 22: duplicate of line 6
        rows.insert(line(7, price: "2.00"), at: 25)                              // line 27: conflicting re-delivery
        rows.insert(line(9, completed: "2026-11-04T10:00:00+08:00"), at: 28)      // line 30: completion update
        rows.append(contentsOf: (31...40).map { line($0) })
        try ws.write("orders-a.csv", Fixture.orders(rows[0], rows[1], rows[2]) + rows.dropFirst(3).joined(separator: "\n") + "\n")
        let (record, _) = try ws.run("2026-11-08", config: config)
        let file = try XCTUnwrap(record.inputs.first)
        XCTAssertEqual([file.read, file.accepted, file.duplicate, file.quarantined, file.updated], [43, 41, 1, 1, 1])
        XCTAssertEqual(try ws.quarantine(), ["orders-a.csv:27:10:conflicting_redelivery"])
        var completed: [String] = []
        try ws.db.query("SELECT order_id FROM order_lines WHERE completed_at IS NOT NULL") { completed.append($0.string(0)) }
        XCTAssertEqual(completed, ["O-9"])
        XCTAssertEqual(record.posting.forwardLines, 40, "every new line was posted once")
        XCTAssertTrue(try Verifier.verify(ws.db).isEmpty)
    }
}
