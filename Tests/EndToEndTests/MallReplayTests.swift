// The mall core through the command line: replay writes the exact feeds a journal implies,
// those feeds settle without a quarantined row, replay reconciliation finds exactly the
// rows altered by hand, and what-if prices a commission change.

import Foundation
import XCTest

final class MallReplayTests: XCTestCase {
    static let catalog = """
    {
      "currency": "CNY", "timezone": "Asia/Shanghai", "points_cap_ppm": 500000,
      "level_ratios": {"gold": 950000},
      "channels": [{"channel": "wechat", "fee_ppm": 6000}],
      "suppliers": [
        {"id": "SUP-ACME", "pricing": "fixed", "freight": "8.00", "free_freight_over": "99.00"},
        {"id": "SUP-GINKGO", "pricing": "fixed", "freight": "6.00"}
      ],
      "skus": [
        {"sku": "SKU-PHONE-X1", "spu": "SPU-PHONE-X", "supplier_id": "SUP-ACME", "category": "digital/phone/android",
         "market_price": "2999.00", "cost_price": "2400.00", "sale_price": "2799.00", "stock": 500,
         "level_prices": {"gold": "2699.00"}},
        {"sku": "SKU-TEA-1", "spu": "SPU-TEA", "supplier_id": "SUP-GINKGO", "category": "food/tea",
         "market_price": "60.00", "cost_price": "30.00", "sale_price": "49.90", "stock": 100}
      ],
      "coupons": [
        {"id": "C-NATIONAL-DAY", "kind": "amount_off", "amount": "20.00", "threshold": "199.00", "category": "digital",
         "valid_from": "2026-10-01T00:00:00+08:00", "valid_to": "2026-10-08T00:00:00+08:00", "funded_by": "platform"}
      ],
      "buyers": [{"id": "B-ANNA", "level": "gold"}, {"id": "B-DEALER-3", "level": "enterprise", "pays_on_credit": true, "credit_limit": "9000.00"}]
    }
    """
    static let journal = """
    {"event":"grant_points","at":"2026-10-01T08:00:00+08:00","grant_id":"G-1","buyer_id":"B-ANNA","amount":"300.00","expires_at":"2027-01-01T00:00:00+08:00"}
    {"event":"place_order","at":"2026-10-01T12:03:10+08:00","order_id":"O-1001","buyer_id":"B-ANNA","lines":[{"sku":"SKU-TEA-1","quantity":2},{"sku":"SKU-PHONE-X1","quantity":1}],"coupons":["C-NATIONAL-DAY"],"points_limit":"100.00"}
    {"event":"pay","at":"2026-10-01T12:04:00+08:00","order_id":"O-1001","channel":"wechat","txn_id":"WX-88231"}
    {"event":"ship","at":"2026-10-02T09:30:00+08:00","order_id":"O-1001-1"}
    {"event":"complete","at":"2026-10-05T18:00:00+08:00","order_id":"O-1001-1"}
    {"event":"refund","at":"2026-10-06T10:00:00+08:00","refund_id":"R-77","order_id":"O-1001-1","type":"return","lines":[{"line_no":1,"quantity":1}]}
    {"event":"refund","at":"2026-10-06T11:00:00+08:00","refund_id":"R-78","order_id":"O-1001-2","type":"refund_only","lines":[{"line_no":1,"amount":"15.00"}]}
    {"event":"repay","at":"2026-10-31T16:00:00+08:00","repayment_id":"P-9","buyer_id":"B-DEALER-3","amount":"5000.00"}

    """
    static func config(commissionPPM: Int) -> String {
        """
        {"timezone": "Asia/Shanghai", "currency": "CNY",
         "suppliers": [
          {"id": "SUP-ACME", "name": "Acme", "mode": "commission", "ships": "supplier", "cycle": "monthly", "cycle_day": 1, "settle_on": "completed", "entity": "ENT-BJ"},
          {"id": "SUP-GINKGO", "name": "Ginkgo", "mode": "commission", "ships": "supplier", "cycle": "semimonthly", "settle_on": "paid", "entity": "ENT-SH"}],
         "fee_rules": [{"fee": "commission", "rate_ppm": \(commissionPPM)},
                       {"fee": "payment_fee", "rate_ppm": 6000, "channel": "wechat", "reversible": false}],
         "credit_accounts": [{"buyer_id": "B-DEALER-3", "limit": "9000.00", "bill_day": 1, "repay_day": 20,
                              "late_fee_ppm_per_day": 500, "freeze_after_days": 30}]}
        """
    }

    func makeScratch() throws -> Scratch {
        let scratch = try Scratch()
        try scratch.write("catalog.json", Self.catalog)
        try scratch.write("journal.jsonl", Self.journal)
        try scratch.write("a.json", Self.config(commissionPPM: 50000))
        try scratch.write("b.json", Self.config(commissionPPM: 80000))
        try Binary.initStore(in: scratch.root)
        return scratch
    }

    func testReplayWritesTheFeedsTheJournalImpliesToTheFen() throws {
        let scratch = try makeScratch()
        let outcome = try Binary.run(["replay", "--journal", "journal.jsonl", "--catalog", "catalog.json", "--out", "feeds"], in: scratch.root)
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        let header = "order_id,parent_order_id,line_no,supplier_id,buyer_id,member_level,sku,category,quantity,unit_price,cost_price,discount_platform,discount_supplier,freight,paid_points,paid_credit,paid_cash,payment_channel,ordered_at,paid_at,completed_at,currency\n"
        // The phone: gold price 2699.00, coupon 20.00 (platform), free freight (2679.00 ≥ 99.00).
        // The tea: 49.90 × 95% = 47.405 → 47.41 each, freight 6.00. Points 100.00 over 2679.00 and
        // 100.82 by largest remainder: 96.37 and 3.63; the rest in cash.
        let phone = "O-1001-1,O-1001,1,SUP-ACME,B-ANNA,gold,SKU-PHONE-X1,digital/phone/android,1,2699.00,2400.00,20.00,0.00,0.00,96.37,0.00,2582.63,wechat,2026-10-01T12:03:10+08:00,2026-10-01T12:04:00+08:00,"
        XCTAssertEqual(try scratch.read("feeds/2026-10-01/orders-20261001.csv"), header
            + phone + ",CNY\n"
            + "O-1001-2,O-1001,1,SUP-GINKGO,B-ANNA,gold,SKU-TEA-1,food/tea,2,47.41,30.00,0.00,0.00,6.00,3.63,0.00,97.19,wechat,2026-10-01T12:03:10+08:00,2026-10-01T12:04:00+08:00,,CNY\n")
        XCTAssertEqual(try scratch.read("feeds/2026-10-05/orders-20261005.csv"), header + phone + "2026-10-05T18:00:00+08:00,CNY\n")
        // The channel fee: 2679.82 × 0.6% = 16.07892 → 16.08.
        XCTAssertEqual(try scratch.read("feeds/2026-10-01/payments-20261001.csv"),
                       "channel,txn_id,kind,reference,amount,fee,occurred_at\nwechat,WX-88231,pay,O-1001,2679.82,16.08,2026-10-01T12:04:00+08:00\n")
        // The refund only: points back round(3.63 × 15.00 / 100.82) = 0.54, the rest in cash.
        XCTAssertEqual(try scratch.read("feeds/2026-10-06/refunds-20261006.csv"),
                       "refund_id,order_id,line_no,refund_type,quantity,refund_goods,refund_freight,refund_points,refund_credit,refund_cash,refunded_at\n"
                       + "R-77,O-1001-1,1,return,1,2679.00,0.00,96.37,0.00,2582.63,2026-10-06T10:00:00+08:00\n"
                       + "R-78,O-1001-2,1,refund_only,0,15.00,0.00,0.54,0.00,14.46,2026-10-06T11:00:00+08:00\n")
        XCTAssertEqual(try scratch.read("feeds/2026-10-31/repayments-20261031.csv"),
                       "repayment_id,buyer_id,amount,paid_at\nP-9,B-DEALER-3,5000.00,2026-10-31T16:00:00+08:00\n")
        XCTAssertEqual(try scratch.read("feeds/rejected.csv"), "line,event,reason,message\n")

        // Same journal, same bytes.
        XCTAssertEqual(try Binary.run(["replay", "--journal", "journal.jsonl", "--catalog", "catalog.json", "--out", "again"], in: scratch.root).status, 0)
        XCTAssertEqual(try scratch.tree("feeds"), try scratch.tree("again"))

        // The feeds settle night by night with nothing quarantined, and the store verifies.
        for day in ["2026-10-01", "2026-10-05", "2026-10-06", "2026-10-31"] {
            let night = try Binary.run(["run", "--db", "s.db", "--config", "a.json", "--inbox", "feeds/\(day)", "--date", day, "--quiet"], in: scratch.root)
            XCTAssertEqual(night.status, 0, "\(day): \(night.stdout) \(night.stderr)")
        }
        XCTAssertEqual(try Binary.run(["verify", "--db", "s.db"], in: scratch.root).status, 0)
    }

    func testBrokenEventsAreExactlyTheRejectedOnes() throws {
        let scratch = try makeScratch()
        let broken = Self.journal
            .replacingOccurrences(of: #""quantity":2}"#, with: #""quantity":2,"colour":"red"}"#)      // line 2: unreadable
            + #"{"event":"pay","at":"2026-11-01T09:00:00+08:00","order_id":"O-NOPE","channel":"wechat"}"# + "\n"      // line 9
            + #"{"event":"refund","at":"2026-11-01T09:01:00+08:00","refund_id":"R-79","order_id":"O-1001-2","type":"refund_only","lines":[{"line_no":1,"amount":"90.00"}]}"# + "\n"
            + #"{"event":"ship","at":"2026-10-01T09:00:00+08:00","order_id":"O-1001-2"}"# + "\n"
        try scratch.write("broken.jsonl", broken)
        let outcome = try Binary.run(["replay", "--journal", "broken.jsonl", "--catalog", "catalog.json", "--out", "feeds"], in: scratch.root)
        XCTAssertEqual(outcome.status, 3)
        // Line 2 unreadable makes lines 3–7 refer to an order that was never placed.
        XCTAssertEqual(try scratch.read("feeds/rejected.csv"), """
            line,event,reason,message
            2,,malformed_event,"column 147, field lines[0].colour: is not a known field"
            3,pay,unknown_order,order O-1001 was never placed
            4,ship,unknown_order,order O-1001-1 was never placed
            5,complete,unknown_order,order O-1001-1 was never placed
            6,refund,unknown_order,order O-1001-1 was never placed
            7,refund,unknown_order,order O-1001-2 was never placed
            9,pay,unknown_order,order O-NOPE was never placed
            10,refund,unknown_order,order O-1001-2 was never placed
            11,ship,out_of_order,the event is earlier than the event before it

            """)
    }

    func testReconciliationFindsExactlyTheRowsChangedByHand() throws {
        let scratch = try makeScratch()
        XCTAssertEqual(try Binary.run(["replay", "--journal", "journal.jsonl", "--catalog", "catalog.json", "--out", "feeds"], in: scratch.root).status, 0)
        // An amount changed (points and cash of R-78), a row dropped (P-9), a row added (P-10).
        let refunds = scratch.path("feeds/2026-10-06/refunds-20261006.csv")
        let text = try String(contentsOfFile: refunds, encoding: .utf8)
        try Data(text.replacingOccurrences(of: "0.54,0.00,14.46", with: "1.54,0.00,13.46").utf8).write(to: URL(fileURLWithPath: refunds))
        try scratch.write("feeds/2026-10-31/repayments-20261031.csv",
                          "repayment_id,buyer_id,amount,paid_at\nP-10,B-DEALER-3,1.00,2026-10-31T17:00:00+08:00\n")
        // The changed refund cash no longer matches what the channel refunded: the nightly's
        // channel reconciliation finds it too, once its window has passed (exit 3).
        for (day, status) in [("2026-10-01", 0), ("2026-10-05", 0), ("2026-10-06", 0), ("2026-10-31", 3)] as [(String, Int32)] {
            XCTAssertEqual(try Binary.run(["run", "--db", "s.db", "--config", "a.json", "--inbox", "feeds/\(day)", "--date", day, "--quiet"],
                                          in: scratch.root).status, status, day)
        }
        XCTAssertEqual(try Binary.run(["export", "breaks", "--db", "s.db"], in: scratch.root).stdout, """
            break_id,kind,channel,reference,expected,found,first_seen,resolved_at,detail
            1,amount_mismatch,wechat,R-78,13.46,14.46,2026-10-31,,refund; txn_id REF-R-78

            """)
        let outcome = try Binary.run(["reconcile", "--replay", "journal.jsonl", "--catalog", "catalog.json", "--db", "s.db", "--reports", "R"],
                                     in: scratch.root)
        XCTAssertEqual(outcome.status, 3, outcome.stderr)
        XCTAssertEqual(try scratch.read("R/reconciliation/2026-10-31/replay_breaks.csv"), """
            kind,feed,key,field,expected,found
            replay_mismatch,refunds,R-78/O-1001-2/1,refund_cash,14.46,13.46
            replay_mismatch,refunds,R-78/O-1001-2/1,refund_points,0.54,1.54
            replay_unexpected,repayments,P-10,(row),absent,present
            replay_missing,repayments,P-9,(row),present,absent

            """)
        XCTAssertEqual(try scratch.read("R/reconciliation/2026-10-31/replay_summary.csv"), """
            feed,expected,found,matched,mismatched,missing,unexpected
            orders,2,2,2,0,0,0
            refunds,2,2,1,1,0,0
            payments,3,3,3,0,0,0
            repayments,1,1,0,0,1,1

            """)
    }

    func testWhatIfPricesACommissionChange() throws {
        let scratch = try makeScratch()
        let outcome = try Binary.run(["whatif", "--journal", "journal.jsonl", "--catalog", "catalog.json",
                                      "--config", "a.json", "--config", "b.json", "--out", "W"], in: scratch.root)
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        // GINKGO's tea: goods 94.82, commission 5% = -4.74 then 8% = -7.59; the 15.00 refund
        // gives back 0.75 and 1.20. ACME's phone is returned in full: its commission nets to 0.
        let csv = try scratch.read("W/whatif.csv")
        XCTAssertTrue(csv.contains("SUP-GINKGO,2026-10-01,COMMISSION,2,-3.99,2,-6.39,-2.40\n"), csv)
        XCTAssertTrue(csv.contains("SUP-ACME,2026-10-01,COMMISSION,2,0.00,2,0.00,0.00\n"), csv)
        XCTAssertEqual(csv.split(separator: "\n").filter { !$0.hasSuffix(",0.00") }.count, 2, "the header and the one changed total")
        let html = try scratch.read("W/whatif.html")
        XCTAssertTrue(html.contains("<td>SUP-GINKGO</td><td>2026-10-01</td><td>COMMISSION</td>"), html)
        XCTAssertTrue(html.contains("-2.40</th></tr>"), "the all-suppliers row")
        XCTAssertTrue(outcome.stdout.contains("net changes by -2.40"), outcome.stdout)
    }

    func testAGeneratedMallSettlesCleanlyAndReconcilesWithoutBreaks() throws {
        let scratch = try Scratch()
        let options = ["generate", "--days", "12", "--orders-per-day", "80", "--suppliers", "8", "--buyers", "150", "--seed", "5"]
        let outcome = try Binary.run(options + ["--out", "mall"], in: scratch.root)
        XCTAssertTrue([0, 3].contains(outcome.status), outcome.stderr)
        XCTAssertEqual(try Binary.run(options + ["--out", "again"], in: scratch.root).status, outcome.status)
        XCTAssertEqual(try scratch.tree("mall"), try scratch.tree("again"), "same seed, same bytes")

        // Nearly every generated event is accepted by the core (the few refusals are the
        // generator's deliberate frozen-dealer and sold-out attempts).
        let rejected = try scratch.read("mall/days/rejected.csv").split(separator: "\n").dropFirst()
        let events = try scratch.read("mall/journal.jsonl").split(separator: "\n").count
        XCTAssertGreaterThan(events, 12 * 80 * 3)
        XCTAssertLessThanOrEqual(rejected.count * 100, events, "at most 1% refused")
        for line in rejected {
            XCTAssertTrue(line.contains(",credit_frozen,") || line.contains(",out_of_stock,"), String(line))
        }

        // Its feeds pass ingest with nothing quarantined, night by night, and the store verifies.
        let days = try FileManager.default.contentsOfDirectory(atPath: scratch.path("mall/days")).filter { !$0.hasSuffix(".csv") }.sorted()
        XCTAssertEqual(days.count, 12)
        try Binary.initStore(in: scratch.root)
        for day in days {
            let night = try Binary.run(["run", "--db", "s.db", "--config", "mall/mall.json", "--inbox", "mall/days/\(day)",
                                        "--date", day, "--reports", "R", "--quiet"], in: scratch.root)
            XCTAssertEqual(night.status, 0, "\(day): \(night.stdout) \(night.stderr)")
        }
        XCTAssertEqual(try Binary.run(["verify", "--db", "s.db"], in: scratch.root).status, 0)
        let reconcile = try Binary.run(["reconcile", "--replay", "mall/journal.jsonl", "--catalog", "mall/catalog.json",
                                        "--db", "s.db", "--reports", "R"], in: scratch.root)
        XCTAssertEqual(reconcile.status, 0, reconcile.stdout)
        XCTAssertTrue(reconcile.stdout.contains("reconcile: 0 break(s)"), reconcile.stdout)
    }
}
