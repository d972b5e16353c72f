// RebateSettleTests: rebate periods settled by `close` (SPEC §7) — once, before the sheets
// close, with REBATE_FUNDING lines split over the funding suppliers, rows posted into a
// settled period counted in the as-of period, and late funding lines — with inline feeds.

import Foundation
import MallCore
import XCTest
@testable import Settlement

final class RebateSettleTests: XCTestCase {
    private static let policies = """
        {"id": "OT-S", "kind": "order_total", "rate_ppm": 10000, "funded_by": "supplier"},
        {"id": "T-P", "kind": "tiered", "cycle": "monthly", "mode": "whole", "funded_by": "platform",
         "tiers": [{"threshold": "100.00", "rate_ppm": 20000}]}
        """

    private func config() throws -> MallConfig {
        try Fixture.config(Fixture.configJSON.replacingOccurrences(of: #""rebates": []"#,
                                                                  with: #""rebates": [\#(Self.policies)]"#))
    }

    /// B-1 in November: the worked line of SUP-A (185.00, completed 11-10) less its return
    /// (92.50, 11-10), and 60.00 of tea from SUP-P (purchase mode, paid 11-03); a guest's pens.
    /// Base 152.50: OT-S 1.525 → 1.53, split 93 fen to SUP-A and 60 to SUP-P (remainders
    /// .803 and .197 of 152 fen); T-P 2% of 152.50 = 3.05, funded by the platform.
    private let tea = "O-P,P-P,1,SUP-P,B-1,,TEA,food/tea,3,20.00,13.33,0,0,0,0,0,60.00,alipay,2026-11-03T10:00:00+08:00,2026-11-03T10:00:00+08:00,,CNY"
    private let pens = "O-B,P-B,1,SUP-B,,,PEN,office/pens,10,1.00,,0,0,0,0,0,10.00,alipay,2026-11-03T10:00:00+08:00,2026-11-03T10:00:00+08:00,,CNY"

    private func november(_ ws: Workspace, _ config: MallConfig) throws {
        try ws.write("orders-1110.csv", Fixture.orders(Fixture.workedOrder, tea, pens))
        try ws.write("refunds-1110.csv", Fixture.refunds(Fixture.workedReturn))
        XCTAssertEqual(try ws.run("2026-11-30", config: config).1, .done)
    }

    private func funding(_ ws: Workspace) throws -> [String] {
        try ws.lines(where: "fee_code = 'REBATE_FUNDING'")
    }

    func testCloseSettlesTheMonthOnceBeforeTheSheetsClose() throws {
        let ws = try Workspace()
        let config = try config()
        try november(ws, config)
        XCTAssertEqual(try ws.export(.rebates), "buyer_id,policy_id,kind,period_id,base,amount,funded_by\n", "a run settles nothing")
        let (record, status, refusal) = try ws.close("2026-11-30", config: config)
        XCTAssertEqual(status, .done, refusal ?? "")
        XCTAssertNotNil(record)
        XCTAssertEqual(try ws.export(.rebates), """
            buyer_id,policy_id,kind,period_id,base,amount,funded_by
            B-1,OT-S,order_total,2026-11-01,152.50,1.53,supplier
            B-1,T-P,tiered,2026-11-01,152.50,3.05,platform

            """)
        XCTAssertEqual(try funding(ws), [
            "SUP-A-ENT-BJ-CNY-20261101|REBATE_FUNDING|OT-S/B-1/2026-11-01|-0.93|0|",
            "SUP-P-ENT-SH-CNY-20261116|REBATE_FUNDING|OT-S/B-1/2026-11-01|-0.60|0|",
        ])
        // The lines went in before the sheets closed: the closed sheet's net includes them.
        XCTAssertEqual(try ws.sheet("SUP-A-ENT-BJ-CNY-20261101")?.status, "closed")
        XCTAssertEqual(try ws.sheet("SUP-A-ENT-BJ-CNY-20261101")?.net, "94.17")
        let statement = try String(contentsOfFile: ws.reports + "/statements/2026-11-01/SUP-A-ENT-BJ-CNY-20261101/lines.csv",
                                   encoding: .utf8)
        XCTAssertTrue(statement.contains(",rebate,OT-S/B-1/2026-11-01,,,,REBATE_FUNDING,forward,-0.93,0,\n"), statement)
        try assertVerifies(ws)

        // Closing again, and closing a later date with nothing new, settles nothing twice.
        let before = try ws.export(.feeLines) + ws.export(.rebates)
        XCTAssertEqual(try ws.close("2026-11-30", config: config).1, .done)
        XCTAssertEqual(try ws.export(.feeLines) + ws.export(.rebates), before)

        XCTAssertEqual(try ws.export(.rebates, ExportFilter(period: "2026-12-01")), "buyer_id,policy_id,kind,period_id,base,amount,funded_by\n")
        XCTAssertEqual(try ws.export(.rebates, ExportFilter(buyer: "B-2")), "buyer_id,policy_id,kind,period_id,base,amount,funded_by\n")
        XCTAssertEqual(try ws.export(.rebates, ExportFilter(period: "2026-11-01", buyer: "B-1")).split(separator: "\n").count, 3)
        XCTAssertEqual(try ws.db.scalar("SELECT balance FROM rebate_accounts WHERE buyer_id = 'B-1'"), .int(458))
    }

    func testCloseForOneSupplierSettlesNoRebatesAndTheLaterFundingLineIsLate() throws {
        let ws = try Workspace()
        let config = try config()
        try november(ws, config)
        XCTAssertEqual(try ws.close("2026-11-30", config: config, supplier: "SUP-A").1, .done)
        XCTAssertEqual(try ws.export(.rebates), "buyer_id,policy_id,kind,period_id,base,amount,funded_by\n")
        XCTAssertEqual(try ws.close("2026-11-30", config: config).1, .done)
        // SUP-A's November sheet was closed by an earlier command: its part is late, in the
        // first open sheet from the as-of period on.
        XCTAssertEqual(try funding(ws), [
            "SUP-P-ENT-SH-CNY-20261116|REBATE_FUNDING|OT-S/B-1/2026-11-01|-0.60|0|",
            "SUP-A-ENT-BJ-CNY-20261201|REBATE_FUNDING|OT-S/B-1/2026-11-01|-0.93|1|2026-11-01",
        ])
        try assertVerifies(ws)
    }

    func testARowPostedIntoASettledPeriodCountsInTheAsOfPeriod() throws {
        let ws = try Workspace()
        let config = try config()
        try november(ws, config)
        XCTAssertEqual(try ws.close("2026-11-30", config: config).1, .done)
        // A refund of the tea, refunded on 11-28 but arriving on 12-02: posted on 11-28, in
        // the settled November, it counts in December. Base −20.00: OT-S claws back −0.20,
        // credited to SUP-P; T-P takes max(base, 0) and gives nothing.
        try ws.write("refunds-1202.csv", Fixture.refunds("R-T,O-P,1,return,1,20.00,0,0,0,20.00,2026-11-28T10:00:00+08:00"))
        XCTAssertEqual(try ws.run("2026-12-02", config: config).1, .done)
        XCTAssertEqual(try ws.db.scalar("SELECT period_start FROM rebate_late WHERE kind = 2"), .text("2026-12-01"))
        XCTAssertEqual(try ws.close("2026-11-30", config: config).1, .done)
        XCTAssertEqual(try ws.export(.rebates, ExportFilter(period: "2026-12-01")), "buyer_id,policy_id,kind,period_id,base,amount,funded_by\n",
                       "December is not due yet")
        // The next close comes after the year turned: the refund still counts in December,
        // the period of the run that posted it.
        XCTAssertEqual(try ws.run("2027-01-01", config: config).1, .done)
        XCTAssertEqual(try ws.close("2026-12-31", config: config).1, .done)
        XCTAssertEqual(try ws.export(.rebates), """
            buyer_id,policy_id,kind,period_id,base,amount,funded_by
            B-1,OT-S,order_total,2026-11-01,152.50,1.53,supplier
            B-1,OT-S,order_total,2026-12-01,-20.00,-0.20,supplier
            B-1,T-P,tiered,2026-11-01,152.50,3.05,platform

            """)
        XCTAssertEqual(try funding(ws).last, "SUP-P-ENT-SH-CNY-20261216|REBATE_FUNDING|OT-S/B-1/2026-12-01|0.20|0|")
        XCTAssertEqual(try ws.db.scalar("SELECT balance FROM rebate_accounts WHERE buyer_id = 'B-1'"), .int(438))
        try assertVerifies(ws)
    }

    /// The rebates stage looks only at the rows posted since it last ran: a night killed after
    /// posting and before that stage committed leaves its rows to the next run, and a night
    /// run without policies still places them, for the policies of a later close.
    func testRowsPostedIntoASettledPeriodArePlacedByTheNextRebatesStageWhateverHappenedBetween() throws {
        let ws = try Workspace()
        let config = try config()
        try november(ws, config)
        XCTAssertEqual(try ws.close("2026-11-30", config: config).1, .done)
        let marks = try ws.db.scalar("SELECT sheet_lines_through || '/' || run_through FROM rebate_progress")
        try ws.write("refunds-1202.csv", Fixture.refunds("R-T,O-P,1,return,1,20.00,0,0,0,20.00,2026-11-28T10:00:00+08:00"))
        let (record, _) = try ws.run("2026-12-02", config: Fixture.config())
        XCTAssertEqual(try ws.db.scalar("SELECT period_start FROM rebate_late WHERE kind = 2"), .text("2026-12-01"),
                       "placed by a night without policies")
        // As if the rebates stage of that night had not committed.
        try ws.db.execute("DELETE FROM rebate_late")
        guard case .text(let text)? = marks else { return XCTFail("no marks") }
        let old = text.split(separator: "/").map { Int64($0)! }
        try ws.db.run("UPDATE rebate_progress SET sheet_lines_through = ?, run_through = ?", [.int(old[0]), .int(old[1])])
        let placed = try RebateSettler(db: ws.db, config: config).placeLateRows(asOf: Day(parsing: "2026-12-02")!,
                                                                                 runSeq: record.runSeq)
        XCTAssertEqual(placed, 1)
        XCTAssertEqual(try ws.db.scalar("SELECT kind || ':' || period_start FROM rebate_late"), .text("2:2026-12-01"))
        XCTAssertEqual(try RebateSettler(db: ws.db, config: config).placeLateRows(asOf: Day(parsing: "2026-12-02")!,
                                                                                  runSeq: record.runSeq), 0,
                       "placed once")
        XCTAssertEqual(try ws.run("2027-01-01", config: config).1, .done)
        XCTAssertEqual(try ws.close("2026-12-31", config: config).1, .done)
        XCTAssertEqual(try ws.export(.rebates, ExportFilter(period: "2026-12-01")), """
            buyer_id,policy_id,kind,period_id,base,amount,funded_by
            B-1,OT-S,order_total,2026-12-01,-20.00,-0.20,supplier

            """)
        try assertVerifies(ws)
    }

    /// Policies that all name a level, buyer or SKU read only the rows those name: B-1's gold
    /// phone (185.00 less its 92.50 return) earns 1%, 0.925 → 0.93; the tea, bought without a
    /// level, is not read and earns nothing.
    func testPoliciesNamingLevelsReadOnlyTheRowsTheyCanTake() throws {
        XCTAssertEqual(RebateSettler.rowsAnyPolicyTakes([]), " AND 0")
        let gold = RebatePolicy(index: 0, id: "G", kind: .order_total, ratePPM: 10_000, memberLevel: "gold")
        let quoted = RebatePolicy(index: 1, id: "B", kind: .order_total, ratePPM: 10_000, buyerID: "O'Brien")
        let sku = RebatePolicy(index: 2, id: "S", kind: .special_sku, ratePPM: 10_000, sku: "TEA")
        XCTAssertEqual(RebateSettler.rowsAnyPolicyTakes([gold, quoted, sku]),
                       " AND (o.member_level IN ('gold') OR o.buyer_id IN ('O''Brien') OR o.sku IN ('TEA'))")
        let everyone = RebatePolicy(index: 3, id: "E", kind: .order_total, ratePPM: 10_000)
        XCTAssertEqual(RebateSettler.rowsAnyPolicyTakes([gold, everyone]), "")

        let ws = try Workspace()
        let config = try Fixture.config(Fixture.configJSON.replacingOccurrences(of: #""rebates": []"#, with: #"""
            "rebates": [{"id": "OT-GOLD", "kind": "order_total", "rate_ppm": 10000, "member_level": "gold", "funded_by": "platform"}]
            """#))
        try november(ws, config)
        XCTAssertEqual(try ws.close("2026-11-30", config: config).1, .done)
        XCTAssertEqual(try ws.export(.rebates), """
            buyer_id,policy_id,kind,period_id,base,amount,funded_by
            B-1,OT-GOLD,order_total,2026-11-01,92.50,0.93,platform

            """)
    }

    func testVerifyFindsAnAccountOrAFundingLineThatDoesNotAddUp() throws {
        let ws = try Workspace()
        let config = try config()
        try november(ws, config)
        XCTAssertEqual(try ws.close("2026-11-30", config: config).1, .done)
        try assertVerifies(ws)
        try ws.db.run("UPDATE rebate_accounts SET balance = balance + 1 WHERE buyer_id = 'B-1'")
        try ws.db.run("UPDATE other_fee_lines SET amount = amount - 1 WHERE source_type = 5 AND amount = -60")
        XCTAssertEqual(try Verifier.verify(ws.db).filter { $0.invariant == Verifier.rebateSection }.map(\.description), [
            "§7: rebate account B-1: balance 4.59 ≠ the sum of its movements 4.58",
            "§7: REBATE_FUNDING lines of OT-S/B-1/2026-11-01 sum to -1.54, but the supplier-funded amount is 1.53",
        ])
    }

    /// A yearly tiered policy settles at the close through the year's last day; a hostile
    /// buyer id comes out literally (neutralised and quoted) in the exports.
    func testAYearlyPolicySettlesWithTheYearAndHostileBuyerIDsComeOutLiterally() throws {
        let ws = try Workspace()
        let config = try Fixture.config(Fixture.configJSON.replacingOccurrences(of: #""rebates": []"#, with: #"""
            "rebates": [{"id": "T-Y", "kind": "tiered", "cycle": "yearly", "mode": "whole", "funded_by": "supplier",
                         "tiers": [{"threshold": "0", "rate_ppm": 10000}]}]
            """#))
        let hostile = tea.replacingOccurrences(of: ",B-1,", with: #","=B,1","#)
        try ws.write("orders-1110.csv", Fixture.orders(hostile))
        XCTAssertEqual(try ws.run("2026-11-30", config: config).1, .done)
        XCTAssertEqual(try ws.close("2026-11-30", config: config).1, .done)
        XCTAssertEqual(try ws.export(.rebates), "buyer_id,policy_id,kind,period_id,base,amount,funded_by\n", "the year is not over")
        XCTAssertEqual(try ws.run("2026-12-31", config: config).1, .done)
        XCTAssertEqual(try ws.close("2026-12-31", config: config).1, .done)
        XCTAssertEqual(try ws.export(.rebates), """
            buyer_id,policy_id,kind,period_id,base,amount,funded_by
            "'=B,1",T-Y,tiered,2026-01-01,60.00,0.60,supplier

            """)
        XCTAssertEqual(try ws.export(.rebates, ExportFilter(buyer: "=B,1")).split(separator: "\n").count, 2)
        XCTAssertEqual(try funding(ws), ["SUP-P-ENT-SH-CNY-20261216|REBATE_FUNDING|T-Y/=B,1/2026-01-01|-0.60|0|"])
        XCTAssertTrue(try ws.export(.feeLines).contains(#",rebate,"T-Y/=B,1/2026-01-01",,,,REBATE_FUNDING,forward,-0.60,0,"#))
        try assertVerifies(ws)
    }

    private func assertVerifies(_ ws: Workspace, file: StaticString = #filePath, line: UInt = #line) throws {
        let violations = try Verifier.verify(ws.db)
        XCTAssertTrue(violations.isEmpty, "\(violations)", file: file, line: line)
    }
}
