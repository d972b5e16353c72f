// ReportsTests: the analytics reports of SPEC §10 over a small store made from inline feeds,
// each figure worked by hand in the comments (SPEC §5's worked example among them) or
// checked against SQL written here over the store's own tables — never against the code
// that made the report. Also: the dashboard's safety (no network reference, escaped ids),
// thousands grouping, and byte-identical reruns.

import Foundation
import MallCore
import MallIO
import XCTest
@testable import Settlement

final class ReportsTests: XCTestCase {
    /// Two nights of SPEC §4's suppliers (Asia/Shanghai):
    /// - 11-10: O-1, SPEC §5's worked line (SUP-A, B-1, 2 × 100.00, discounts 10.00 + 5.00,
    ///   freight 8.00, points 20.00, wechat 173.00), returned 1 unit the same evening (R-1:
    ///   goods 92.50 = points 10.00 + cash 82.50);
    /// - 11-11: O-2 (SUP-B, B-2, 10 × 3.00, alipay 30.00) paid at 00:30 local, i.e. 11-10 in
    ///   UTC; O-3 (purchase-mode SUP-P, B-1, 4 × 50.00 at cost 40.00, points 200.00), one unit
    ///   cancelled (R-3: goods 50.00, points 50.00); O-4 (SUP-B, a guest, 5 × 3.00 less 1.00
    ///   supplier discount, wechat 14.00) and O-5 (SUP-A, a guest, same parent P-4, 1 × 20.00,
    ///   wechat 20.00, not completed so not posted).
    static let night1Orders = Fixture.orders(Fixture.workedOrder)
    static let night1Refunds = Fixture.refunds(Fixture.workedReturn)
    static let night2Orders = Fixture.orders(
        "O-2,,1,SUP-B,B-2,standard,SKU-PEN,office/pen,10,3.00,,0,0,0,0,0,30.00,alipay,2026-11-11T00:20:00+08:00,2026-11-11T00:30:00+08:00,,CNY",
        "O-3,,1,SUP-P,B-1,gold,SKU-RICE,food/rice,4,50.00,40.00,0,0,0,200.00,0,0,,2026-11-11T10:00:00+08:00,2026-11-11T10:00:00+08:00,,CNY",
        "O-4,P-4,1,SUP-B,,,SKU-PEN,office/pen,5,3.00,,0,1.00,0,0,0,14.00,wechat,2026-11-11T12:00:00+08:00,2026-11-11T12:00:00+08:00,,CNY",
        "O-5,P-4,1,SUP-A,,,SKU-CASE,digital/case,1,20.00,,0,0,0,0,0,20.00,wechat,2026-11-11T12:00:00+08:00,2026-11-11T12:00:00+08:00,,CNY")
    static let night2Refunds = Fixture.refunds("R-3,O-3,1,cancel,1,50.00,0,50.00,0,0,2026-11-11T15:00:00+08:00")
    static let window = ReportWindow(from: Day(parsing: "2026-11-10")!, to: Day(parsing: "2026-11-11")!)

    private func twoNights() throws -> (Workspace, MallConfig) {
        let ws = try Workspace()
        let config = try Fixture.config()
        try ws.write("orders-1110.csv", Self.night1Orders)
        try ws.write("refunds-1110.csv", Self.night1Refunds)
        try ws.write("payments-1110.csv", """
            channel,txn_id,kind,reference,amount,fee,occurred_at
            wechat,T-1,pay,P-1,173.00,1.04,2026-11-10T09:01:30+08:00

            """)
        try ws.run("2026-11-10", config: config)
        try ws.write("orders-1111.csv", Self.night2Orders)
        try ws.write("refunds-1111.csv", Self.night2Refunds)
        try ws.run("2026-11-11", config: config)
        return (ws, config)
    }

    private func report(_ name: ReportName, _ ws: Workspace, _ config: MallConfig,
                        window: ReportWindow = ReportsTests.window) throws -> [String] {
        let table = try Reports.table(name, db: ws.db, config: config, window: window)
        return String(decoding: table.csv(), as: UTF8.self).split(separator: "\n").map(String.init)
    }

    func testSalesDailyByBusinessDateWorkedByHand() throws {
        let (ws, config) = try twoNights()
        XCTAssertEqual(try report(.salesDaily, ws, config), [
            "date,orders,buyers,lines,units,gmv,discount_platform,discount_supplier,goods,freight,refunds,refunded_units,net_sales,refund_rate",
            // O-1: GMV 200.00, goods 185.00, R-1 refunded 92.50 of it: 50%.
            "2026-11-10,1,1,1,2,200.00,10.00,5.00,185.00,8.00,92.50,1,92.50,0.5000",
            // O-2..O-5: parents O-2, O-3, P-4; buyers B-2, B-1 (guests not counted);
            // GMV 30 + 200 + 15 + 20; goods 30 + 200 + 14 + 20 = 264; R-3 50.00: 50/264 = 0.18939…
            "2026-11-11,3,2,4,20,265.00,0.00,1.00,264.00,0.00,50.00,1,214.00,0.1894",
        ])
    }

    /// The same figures from SQL over order_lines and refunds (business date = UTC + 8 h in
    /// Asia/Shanghai), for every day of a longer window.
    func testSalesDailyAgreesWithSQLOverTheStore() throws {
        let (ws, config) = try twoNights()
        var expected: [String: String] = [:]
        try ws.db.query("""
            SELECT date(o.paid_at / 1000000000 + 28800, 'unixepoch') AS d, count(*),
                   count(DISTINCT coalesce(o.parent_order_id, o.order_id)), sum(o.quantity), sum(o.quantity * o.unit_price),
                   sum(o.goods),
                   (SELECT coalesce(sum(r.refund_goods), 0) FROM refunds r JOIN order_lines l
                        ON l.order_id = r.order_id AND l.line_no = r.line_no
                    WHERE r.state = 'accepted' AND date(l.paid_at / 1000000000 + 28800, 'unixepoch') =
                          date(o.paid_at / 1000000000 + 28800, 'unixepoch'))
            FROM order_lines o GROUP BY d
            """) { row in
            expected[row.string(0)] = [row.int(1), row.int(2), row.int(3)].map(String.init).joined(separator: ",")
                + "," + [row.int(4), row.int(5), row.int(6), row.int(5) - row.int(6)].map { Money(fen: $0).description }
                    .joined(separator: ",")
        }
        let window = ReportWindow(from: Day(parsing: "2026-11-01")!, to: Day(parsing: "2026-11-12")!)
        let table = try Reports.table(.salesDaily, db: ws.db, config: config, window: window)
        XCTAssertEqual(table.rows.count, 12, "one row per day, days without sales included")
        for row in table.rows {
            let seen = ["lines", "orders", "units", "gmv", "goods", "refunds", "net_sales"].map { table.value(row, $0) }
            let sql = expected[table.value(row, "date")] ?? "0,0,0,0.00,0.00,0.00,0.00"
            let parts = sql.split(separator: ",").map(String.init)
            XCTAssertEqual(seen, [parts[0], parts[1], parts[2], parts[3], parts[4], parts[5], parts[6]], table.value(row, "date"))
        }
    }

    func testSKURankingAndCategoryMix() throws {
        let (ws, config) = try twoNights()
        XCTAssertEqual(try report(.skuRanking, ws, config), [
            "rank,sku,supplier_id,category,lines,units,goods,refunds,refunded_units,net_sales,refund_rate",
            "1,SKU-RICE,SUP-P,food/rice,1,4,200.00,50.00,1,150.00,0.2500",
            "2,SKU-PHONE,SUP-A,digital/phone,1,2,185.00,92.50,1,92.50,0.5000",
            "3,SKU-PEN,SUP-B,office/pen,2,15,44.00,0.00,0,44.00,0.0000",
            "4,SKU-CASE,SUP-A,digital/case,1,1,20.00,0.00,0,20.00,0.0000",
        ])
        // Net sales 112.50 + 150.00 + 44.00 = 306.50: 112.5/306.5 = 0.36704…, 150/306.5 = 0.48939…,
        // 44/306.5 = 0.14355…
        XCTAssertEqual(try report(.categoryMix, ws, config), [
            "category,lines,units,gmv,goods,refunds,net_sales,share_of_net_sales,refund_rate",
            "digital,2,3,220.00,205.00,92.50,112.50,0.3670,0.4512",
            "food,1,4,200.00,200.00,50.00,150.00,0.4894,0.2500",
            "office,2,15,45.00,44.00,0.00,44.00,0.1436,0.0000",
        ])
    }

    func testTenderMixAndMarketingCost() throws {
        let (ws, config) = try twoNights()
        // Paid 220.00 + 30.00 + 207.00 = 457.00: 220/457 = 0.48140…, 30/457 = 0.06564…, 207/457 = 0.45295…
        XCTAssertEqual(try report(.tenderMix, ws, config), [
            "tender,channel,lines,paid,refunded,net,share_of_paid",
            "points,,2,220.00,60.00,160.00,0.4814",
            "cash,alipay,1,30.00,0.00,30.00,0.0656",
            "cash,wechat,3,207.00,82.50,124.50,0.4530",
        ])
        // Platform discounts 10.00 over goods 449.00: 0.02227…
        XCTAssertEqual(try report(.marketingCost, ws, config), [
            "month,goods,discount_platform,discount_supplier,points_used,rebates_platform,rebates_supplier,platform_cost,platform_cost_rate",
            "2026-11,449.00,10.00,6.00,220.00,0.00,0.00,10.00,0.0223",
        ])
    }

    /// SPEC §5's worked example: SUP-A's sheet nets +95.10 after the return; COMMISSION
    /// −15.60 + 7.80, PAYMENT_FEE −1.04, REFUND_ADMIN_FEE −1.56. SUP-P: COST 4 × 40.00 less the
    /// cancelled unit's 40.00. The sums by supplier are also taken here from the fee_lines view.
    func testSupplierSummaryWithTheWorkedExample() throws {
        let (ws, config) = try twoNights()
        let lines = try report(.supplierSummary, ws, config)
        XCTAssertEqual(lines[0], "supplier_id,mode,lines,units,gmv,goods,refunds,net_sales,refund_rate,commission,payment_fee,logistics_fees,refund_fees,cost,adjustments,rebate_funding,settled_net,payable_due")
        XCTAssertEqual(lines[1], "SUP-A,commission,2,3,220.00,205.00,92.50,112.50,0.4512,-7.80,-1.04,0.00,-1.56,0.00,0.00,0.00,95.10,0.00")
        XCTAssertEqual(lines[3], "SUP-P,purchase,1,4,200.00,200.00,50.00,150.00,0.2500,0.00,0.00,0.00,0.00,120.00,0.00,0.00,120.00,0.00")
        var settled: [String: String] = [:]
        try ws.db.query("""
            SELECT s.supplier_id, sum(f.amount) FROM fee_lines f JOIN sheets s ON s.sheet_key = f.sheet_key
            WHERE f.posting_day BETWEEN ? AND ? GROUP BY s.supplier_id
            """, [.int(Int64(Self.window.from.ordinal)), .int(Int64(Self.window.to.ordinal))]) {
            settled[$0.string(0)] = Money(fen: $0.int(1)).description
        }
        let table = try Reports.table(.supplierSummary, db: ws.db, config: config, window: Self.window)
        for row in table.rows {
            XCTAssertEqual(table.value(row, "settled_net"), settled[table.value(row, "supplier_id")] ?? "0.00")
        }
    }

    /// SUP-P's rice: net sales 200.00 − 50.00, net COST 160.00 − 40.00 (the cancel reverses
    /// COST by the quantity share 1/4): margin 30.00, 30/150 = 20%.
    func testGrossMarginOfPurchaseModeSKUs() throws {
        let (ws, config) = try twoNights()
        XCTAssertEqual(try report(.grossMargin, ws, config), [
            "level,category,sku,units,net_sales,net_cost,margin,margin_rate",
            "category,food/rice,,3,150.00,120.00,30.00,0.2000",
            "sku,food/rice,SKU-RICE,3,150.00,120.00,30.00,0.2000",
        ])
    }

    /// B-1 bought in two orders (P-1, O-3) in November, B-2 in one: a cohort of 2 with 1 repeat.
    func testBuyerRetentionCohorts() throws {
        let (ws, config) = try twoNights()
        XCTAssertEqual(try report(.buyerRetention, ws, config), [
            "cohort,buyers,repeat_buyers,repurchase_rate,month_1,month_2,month_3,month_4,month_5,month_6,month_1_rate,month_2_rate,month_3_rate,month_4_rate,month_5_rate,month_6_rate",
            "2026-11,2,1,0.5000,,,,,,,,,,,,",
        ])
        // A window ending in December follows November's cohort one month on: nobody came back.
        let december = ReportWindow(from: Day(parsing: "2026-12-01")!, to: Day(parsing: "2026-12-05")!)
        XCTAssertEqual(try report(.buyerRetention, ws, config, window: december)[1], "2026-11,2,1,0.5000,0,,,,,,0.0000,,,,,")
        // B-1 buys again on 12-02: 1 of the 2 came back in month 1; B-3 starts December's cohort.
        try ws.write("orders-1202.csv", Fixture.orders(
            "O-8,,1,SUP-B,B-1,,SKU-PEN,office/pen,1,3.00,,0,0,0,0,0,3.00,alipay,2026-12-02T10:00:00+08:00,2026-12-02T10:00:00+08:00,,CNY",
            "O-9,,1,SUP-B,B-3,,SKU-PEN,office/pen,1,3.00,,0,0,0,0,0,3.00,alipay,2026-12-02T11:00:00+08:00,2026-12-02T11:00:00+08:00,,CNY"))
        try ws.run("2026-12-02", config: config)
        XCTAssertEqual(try report(.buyerRetention, ws, config, window: december).dropFirst(), [
            "2026-11,2,1,0.5000,1,,,,,,0.5000,,,,,",
            "2026-12,1,0,0.0000,,,,,,,,,,,,",
        ])
    }

    /// Sheets by supplier and status against SQL over the sheets table; the wechat pay of P-1
    /// matched on 11-10, the refund R-1 still pending (inside the 2-day window), the channel fee
    /// 1.04 beside the PAYMENT_FEE 1.04 charged on O-1.
    func testSettlementStatusAndReconciliation() throws {
        let (ws, config) = try twoNights()
        var expected = ["supplier_id,status,sheets,first_period,last_period,lines,net,payable_due,late_lines"]
        try ws.db.query("""
            SELECT supplier_id, status, count(*), min(period_start), max(period_start), sum(lines), sum(net) FROM sheets
            WHERE period_start <= '2026-11-11' GROUP BY supplier_id, status ORDER BY supplier_id, status
            """) {
            expected.append("\($0.string(0)),\($0.string(1)),\($0.int(2)),\($0.string(3)),\($0.string(4)),\($0.int(5)),\(Money(fen: $0.int(6))),0.00,0")
        }
        XCTAssertEqual(try report(.settlementStatus, ws, config), expected)
        XCTAssertTrue(expected.contains { $0.hasPrefix("SUP-A,open,1,2026-11-01,2026-11-01,9,95.10,") }, "\(expected)")

        let reconciliation = try report(.reconciliation, ws, config)
        XCTAssertEqual(reconciliation[0], "date,channel,matched,pending,breaks,amount_mismatch,duplicate_in_channel,missing_in_channel,unexpected_in_channel,channel_fee,payment_fee_charged,fee_difference")
        XCTAssertEqual(reconciliation[1], "2026-11-10,wechat,1,1,0,0,0,0,0,1.04,1.04,0.00")
        XCTAssertTrue(reconciliation.dropFirst().allSatisfy { $0.contains(",wechat,") }, "alipay names no payments row: not reconciled")
    }

    /// A dealer on credit: 300.00 on 10-20, billed on 11-01 and due 11-05, unpaid; 50.00 more
    /// on 11-07. As of 11-08: late fees for 11-06, 11-07 and 11-08 at 0.1% of 300.00 a day =
    /// 3 × 0.30. October's 1% order-total rebate on a base of 300.00 is 3.00, settled by the
    /// close of October.
    func testBuyerSideReports() throws {
        let ws = try Workspace()
        let json = Fixture.configJSON
            .replacingOccurrences(of: #""credit_accounts": []"#, with: #"""
                "credit_accounts": [{"buyer_id": "D-1", "limit": "1000.00", "bill_day": 1, "repay_day": 5,
                                     "late_fee_ppm_per_day": 1000, "freeze_after_days": 3}]
                """#)
            .replacingOccurrences(of: #""rebates": []"#, with: #"""
                "rebates": [{"id": "RB-ALL", "kind": "order_total", "rate_ppm": 10000, "funded_by": "platform"}]
                """#)
        let config = try Fixture.config(json)
        try ws.write("orders-1020.csv", Fixture.orders(CreditTests.usage("C-1", "D-1", "300.00", "2026-10-20T10:00:00+08:00")))
        try ws.run("2026-10-20", config: config)
        try ws.run("2026-11-01", config: config)
        XCTAssertNil(try ws.close("2026-10-31", config: config).2)
        try ws.write("orders-1107.csv", Fixture.orders(CreditTests.usage("C-2", "D-1", "50.00", "2026-11-07T10:00:00+08:00")))
        try ws.run("2026-11-08", config: config)
        let window = ReportWindow(from: Day(parsing: "2026-10-10")!, to: Day(parsing: "2026-11-08")!)

        XCTAssertEqual(try report(.creditSummary, ws, config, window: window), [
            "buyer_id,limit,unbilled,unpaid_principal,used,available,utilization,prepaid,overdue_principal,late_fees_unpaid,frozen",
            "D-1,1000.00,50.00,300.00,350.00,650.00,0.3500,0.00,300.00,0.90,0",
        ])
        XCTAssertEqual(try report(.overdueBills, ws, config, window: window), [
            "buyer_id,bill_date,due_date,days_past_due,amount,principal_unpaid,late_fees_unpaid,unpaid,frozen",
            "D-1,2026-11-01,2026-11-05,3,300.00,300.00,0.90,300.90,0",
        ])
        XCTAssertEqual(try report(.arrears, ws, config, window: window), [
            "buyer_id,unbilled,billed_unpaid,late_fees_unpaid,prepaid,owed,overdue,oldest_due_date,frozen",
            "D-1,50.00,300.00,0.90,0.00,350.90,300.00,2026-11-05,0",
        ])
        XCTAssertEqual(try report(.rebates, ws, config, window: window), [
            "period_id,policy_id,kind,funded_by,buyers,base,amount,clawbacks,rebate_rate",
            "2026-10-01,RB-ALL,order_total,platform,1,300.00,3.00,0.00,0.0100",
        ])
        XCTAssertEqual(try report(.marketingCost, ws, config, window: window).dropFirst(), [
            "2026-10,300.00,0.00,0.00,0.00,3.00,0.00,3.00,0.0100",
            "2026-11,50.00,0.00,0.00,0.00,0.00,0.00,0.00,0.0000",
        ])
        // The same account as the credit export shows it (another reading of the store).
        XCTAssertEqual(try ws.export(.credit).split(separator: "\n").last, "D-1,1000.00,50.00,300.00,0.00,650.00,0")
    }

    func testRatesAreExactDecimalsRoundedHalfAwayFromZero() {
        XCTAssertEqual(Ratio.decimal(1, 8), "0.1250")
        XCTAssertEqual(Ratio.decimal(1, 3), "0.3333")
        XCTAssertEqual(Ratio.decimal(2, 3), "0.6667")
        XCTAssertEqual(Ratio.decimal(1, 20_000), "0.0001", "0.00005 rounds up")
        XCTAssertEqual(Ratio.decimal(-1, 20_000), "-0.0001", "and away from zero below it")
        XCTAssertEqual(Ratio.decimal(5, -4), "-1.2500")
        XCTAssertEqual(Ratio.decimal(Int64.max, 1), "9223372036854775807.0000")
        XCTAssertNil(Ratio.decimal(1, 0))
        // The bytes sku_ranking writes are the same decimals, in 64 bits or (beyond) in 128.
        for (n, d) in [(1, 8), (1, 3), (2, 3), (1, 20_000), (-1, 20_000), (5, -4), (-7, -9), (0, 5), (-1, 1_000_000),
                       (123_456_789, 1_000), (Int64.max / 20_000, 3), (Int64.max / 20_000 + 1, 3), (Int64.max, 1),
                       (3, Int64.min + 1), (Int64.min + 1, 7)] as [(Int64, Int64)] {
            var bytes: [UInt8] = []
            Ratio.append(n, d, to: &bytes)
            XCTAssertEqual(String(decoding: bytes, as: UTF8.self), Ratio.decimal(n, d), "\(n) / \(d)")
        }
        var none: [UInt8] = []
        Ratio.append(1, 0, to: &none)
        XCTAssertEqual(none, [])
        XCTAssertEqual(Dashboard.percent("0.1250"), "12.50%")
        XCTAssertEqual(Dashboard.percent("-0.0001"), "-0.01%")
        XCTAssertEqual(Dashboard.percent("12.3456"), "1,234.56%")
        XCTAssertEqual(["12.30", "-15.60", "0.05", "7", "-3", "", "1234567.8"].map(Dashboard.fen),
                       [1_230, -1_560, 5, 7, -3, 0, 123_456_780])
        XCTAssertEqual(SVGChart.groupedMoney(-123_456_789), "-1,234,567.89")
        XCTAssertEqual(SVGChart.groupedMoney(5), "0.05")
        XCTAssertEqual(SVGChart.groupedDecimal("1234567.80"), "1,234,567.80")
        XCTAssertEqual(SVGChart.groupedDecimal("-999"), "-999")
    }

    /// The nightly writes every report and both dashboards under analytics/{as-of}; a rerun of
    /// the night writes the same bytes; the pages fetch nothing, escape hostile ids and group
    /// thousands, and the CSV neutralises a formula.
    func testTheNightlyWritesReportsAndASafeDashboard() throws {
        let ws = try Workspace()
        let config = try Fixture.config()
        try ws.write("orders-1110.csv", Fixture.orders(
            Fixture.workedOrder,
            #"O-6,,1,SUP-B,"<script>alert('b')</script>",,"<img src=x onerror=alert(1)>",office/pen,1,12345.67,,0,0,0,0,0,12345.67,wechat,2026-11-10T10:00:00+08:00,2026-11-10T10:00:00+08:00,,CNY"#,
            #"O-7,,1,SUP-B,B-7,,"=cmd|' /C calc'!A0",office/pen,1,1.00,,0,0,0,0,0,1.00,wechat,2026-11-10T10:00:00+08:00,2026-11-10T10:00:00+08:00,,CNY"#))
        try ws.run("2026-11-10", config: config)
        let folder = ws.reports + "/analytics/2026-11-10"
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        XCTAssertEqual(names, (ReportName.allCases.map { $0.rawValue + ".csv" } + ["index.html", "index.zh-CN.html"]).sorted())
        func read(_ name: String) throws -> String { try String(contentsOfFile: folder + "/" + name, encoding: .utf8) }
        let first = try names.map(read)

        let sku = try read("sku_ranking.csv")
        XCTAssertTrue(sku.contains("\n1,<img src=x onerror=alert(1)>,SUP-B,office/pen,1,1,12345.67,0.00,0,12345.67,0.0000\n"), sku)
        XCTAssertTrue(sku.contains(#",'=cmd|' /C calc'!A0,SUP-B,"#), "a formula is neutralised: \(sku)")

        for page in ["index.html", "index.zh-CN.html"] {
            let html = try read(page)
            XCTAssertFalse(html.lowercased().contains("http://") || html.lowercased().contains("https://"), "\(page): no URL")
            for tag in ["<script", "<img", "<link", "<iframe", "<object", "<embed", "@import", "url("] {
                XCTAssertFalse(html.contains(tag), "\(page): nothing to fetch (\(tag))")
            }
            // Links go only to places on the page, the other language and the CSVs beside it.
            let hrefs = try NSRegularExpression(pattern: #"href="([^"]*)""#)
            for match in hrefs.matches(in: html, range: NSRange(html.startIndex..., in: html)) {
                let target = String(html[Range(match.range(at: 1), in: html)!])
                XCTAssertTrue(target.hasPrefix("#") || ["index.html", "index.zh-CN.html"].contains(target)
                              || (target.hasSuffix(".csv") && !target.contains("/") && !target.contains(":")), target)
            }
            XCTAssertTrue(html.contains(#"<meta http-equiv="Content-Security-Policy" content="default-src 'none';"#))
            XCTAssertTrue(html.contains("&lt;img src=x onerror=alert(1)&gt;"), "\(page): the hostile SKU escaped")
            XCTAssertTrue(html.contains("12,345.67"), "\(page): thousands grouped")
            XCTAssertTrue(html.contains("<svg"), "\(page): charts inline")
        }
        XCTAssertTrue(try read("index.zh-CN.html").contains("平台销售汇总"))

        // The same night again: same store, same bytes.
        try ws.run("2026-11-10", config: config)
        XCTAssertEqual(try names.map(read), first)
    }
}
