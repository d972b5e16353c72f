// ReportCommandTests: `mallsettle report NAME` as an analyst runs it — the CSV on stdout or in
// a file, --from/--to, the default window the nightly writes, usage errors with exit 2, and a
// store left as it was.

import Foundation
import XCTest

final class ReportCommandTests: XCTestCase {
    /// Two lines of SUP-A (commission 8%, settles on payment): 2 × 100.00 on 11-10, 1 × 50.00
    /// on 11-11 (23:59 local; 15:59 UTC), both paid in cash by guests.
    private func store() throws -> Scratch {
        let scratch = try Scratch()
        try scratch.write("mall.json", CommandLineTests.config)
        try scratch.write("inbox/orders-1111.csv", """
            order_id,line_no,supplier_id,sku,category,quantity,unit_price,paid_cash,payment_channel,ordered_at,paid_at
            O-1,1,SUP-A,SKU-1,digital/phone,2,100.00,200.00,wechat,2026-11-10T09:00:00+08:00,2026-11-10T09:00:00+08:00
            O-2,1,SUP-A,SKU-2,digital/phone,1,50.00,50.00,wechat,2026-11-11T23:59:00+08:00,2026-11-11T23:59:00+08:00

            """)
        try Binary.initStore("s.db", in: scratch.root)
        let run = try Binary.run(["run", "--config", "mall.json", "--inbox", "inbox", "--db", "s.db", "--reports", "out",
                                  "--date", "2026-11-11"], in: scratch.root)
        XCTAssertEqual(run.status, 0, run.stderr)
        return scratch
    }

    func testReportWritesTheCSVForAWindowAndChangesNothing() throws {
        let scratch = try store()
        let status = try Binary.run(["status", "--db", "s.db"], in: scratch.root).stdout
        let reportsBefore = try scratch.tree("out")

        let outcome = try Binary.run(["report", "sales_daily", "--db", "s.db", "--config", "mall.json",
                                      "--from", "2026-11-10", "--to", "2026-11-12"], in: scratch.root)
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        XCTAssertEqual(outcome.stdout, """
            date,orders,buyers,lines,units,gmv,discount_platform,discount_supplier,goods,freight,refunds,refunded_units,net_sales,refund_rate
            2026-11-10,1,0,1,2,200.00,0.00,0.00,200.00,0.00,0.00,0,200.00,0.0000
            2026-11-11,1,0,1,1,50.00,0.00,0.00,50.00,0.00,0.00,0,50.00,0.0000
            2026-11-12,0,0,0,0,0.00,0.00,0.00,0.00,0.00,0.00,0,0.00,

            """)

        // Without --from/--to: the 30 days through --date, exactly what the nightly wrote.
        let nightly = try Binary.run(["report", "supplier_summary", "--db", "s.db", "--config", "mall.json",
                                      "--date", "2026-11-11"], in: scratch.root)
        XCTAssertEqual(nightly.status, 0, nightly.stderr)
        XCTAssertEqual(nightly.stdout, try scratch.read("out/analytics/2026-11-11/supplier_summary.csv"))
        // Commission 8% of 250.00 = 20.00, charged; the sheet is open, nothing payable yet.
        XCTAssertTrue(nightly.stdout.hasSuffix("\nSUP-A,commission,2,3,250.00,250.00,0.00,250.00,0.0000,-20.00,0.00,0.00,0.00,0.00,0.00,0.00,230.00,0.00\n"),
                      nightly.stdout)

        let toFile = try Binary.run(["report", "sales_daily", "--db", "s.db", "--config", "mall.json", "--from", "2026-11-10",
                                     "--to", "2026-11-12", "--out", "r.csv"], in: scratch.root)
        XCTAssertEqual(toFile.status, 0, toFile.stderr)
        XCTAssertEqual(toFile.stdout, "")
        XCTAssertEqual(try scratch.read("r.csv"), outcome.stdout)

        XCTAssertEqual(try Binary.run(["status", "--db", "s.db"], in: scratch.root).stdout, status, "no run recorded")
        XCTAssertEqual(try scratch.tree("out"), reportsBefore, "nothing written to the reports folder")
    }

    func testUsageErrorsExitTwo() throws {
        let scratch = try store()
        let unknown = try Binary.run(["report", "sales_weekly", "--db", "s.db", "--config", "mall.json"], in: scratch.root)
        XCTAssertEqual(unknown.status, 2)
        XCTAssertTrue(unknown.stderr.contains("'sales_weekly' is not a report; NAME is one of sales_daily, sku_ranking, supplier_summary, category_mix, tender_mix, marketing_cost, buyer_retention, gross_margin, settlement_status, reconciliation, rebates, credit_summary, overdue_bills, arrears"),
                      unknown.stderr)
        XCTAssertEqual(unknown.stdout, "")
        XCTAssertEqual(try Binary.run(["report", "--db", "s.db"], in: scratch.root).status, 2)
        let backwards = try Binary.run(["report", "sales_daily", "--db", "s.db", "--config", "mall.json",
                                        "--from", "2026-11-12", "--to", "2026-11-10"], in: scratch.root)
        XCTAssertEqual(backwards.status, 2)
        XCTAssertTrue(backwards.stderr.contains("--from 2026-11-12 is after --to 2026-11-10"), backwards.stderr)
        XCTAssertEqual(try Binary.run(["report", "sales_daily", "--db", "s.db", "--config", "mall.json", "--from", "2026-11-31"],
                                      in: scratch.root).status, 2)
        let noStore = try Binary.run(["report", "arrears", "--db", "none.db", "--config", "mall.json"], in: scratch.root)
        XCTAssertEqual(noStore.status, 2)
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch.path("none.db")))
        let help = try Binary.run(["report", "--help"], in: scratch.root)
        XCTAssertEqual(help.status, 0)
        XCTAssertTrue(help.stdout.hasPrefix("usage: mallsettle report NAME"), help.stdout)
    }
}
