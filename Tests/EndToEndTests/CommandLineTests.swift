// The command line as the scheduler and finance see it: help, exit codes, the lock.

import Foundation
import XCTest

final class CommandLineTests: XCTestCase {
    static let config = """
    {"timezone": "Asia/Shanghai", "currency": "CNY",
     "suppliers": [{"id": "SUP-A", "name": "Acme", "mode": "commission", "ships": "supplier",
                    "cycle": "monthly", "cycle_day": 1, "settle_on": "paid", "entity": "ENT-BJ"}],
     "fee_rules": [{"fee": "commission", "rate_ppm": 80000}]}
    """
    static let orders = """
    order_id,line_no,supplier_id,sku,category,quantity,unit_price,paid_cash,payment_channel,ordered_at,paid_at
    O-1,1,SUP-A,"=HYPERLINK(""http://x"")",digital/phone,2,100.00,200.00,wechat,2026-11-10T09:00:00+08:00,2026-11-10T09:00:00+08:00
    O-2,1,SUP-A,SKU-2,digital/phone,1,1e3,1000.00,wechat,2026-11-10T09:00:00+08:00,2026-11-10T09:00:00+08:00

    """

    func testEveryCommandHasHelp() throws {
        let scratch = try Scratch()
        for command in ["init", "ingest", "run", "close", "export", "status", "verify", "replay", "generate", "reconcile", "whatif"] {
            let outcome = try Binary.run([command, "--help"], in: scratch.root)
            XCTAssertEqual(outcome.status, 0, command)
            XCTAssertTrue(outcome.stdout.hasPrefix("usage: mallsettle \(command)"), outcome.stdout)
        }
        let overview = try Binary.run(["--help"], in: scratch.root)
        XCTAssertEqual(overview.status, 0)
        XCTAssertTrue(overview.stdout.contains("Exit status: 0 done; 3 done"))
    }

    func testUsageAndConfigurationErrorsExitTwo() throws {
        let scratch = try Scratch()
        XCTAssertEqual(try Binary.run(["frobnicate"], in: scratch.root).status, 2)
        XCTAssertEqual(try Binary.run(["run", "--bogus"], in: scratch.root).status, 2)
        try scratch.write("bad.json", #"{"suppliers": [{"id": "X", "mode": "barter"}]}"#)
        try scratch.write("inbox/.keep", "")
        let outcome = try Binary.run(["run", "--config", "bad.json", "--inbox", "inbox", "--db", "s.db"], in: scratch.root)
        XCTAssertEqual(outcome.status, 2)
        XCTAssertTrue(outcome.stderr.contains("configuration error: bad.json:1:36: $.suppliers[0].mode: 'barter' is not allowed here"),
                      outcome.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch.path("s.db")), "nothing is written on a bad configuration")
        try scratch.write("credit.json", #"""
            {"suppliers": [], "credit_accounts": [{"buyer_id": "D-1", "limit": "100.00", "bill_day": 31, "repay_day": 10,
                                                   "late_fee_ppm_per_day": 0, "freeze_after_days": 0}]}
            """#)
        let credit = try Binary.run(["run", "--config", "credit.json", "--inbox", "inbox", "--db", "s.db"], in: scratch.root)
        XCTAssertEqual(credit.status, 2)
        XCTAssertTrue(credit.stderr.contains("credit.json:1:90: $.credit_accounts[0].bill_day: 31 is not in 1..28"), credit.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch.path("s.db")), "nothing is written on a bad credit account")
    }

    /// The binary: channel breaks make `run` exit 3 once, `export breaks` lists them, a
    /// payout of a closed sheet's payable shows `paid` in `export sheets`.
    func testChannelBreaksExitThreeAndPayoutsShowPaid() throws {
        let scratch = try Scratch()
        try scratch.write("mall.json", Self.config)
        try scratch.write("inbox/orders-1110.csv", """
            order_id,line_no,supplier_id,sku,category,quantity,unit_price,paid_cash,payment_channel,ordered_at,paid_at
            O-1,1,SUP-A,SKU-1,digital/phone,1,100.00,100.00,wechat,2026-10-30T09:00:00+08:00,2026-10-30T09:00:00+08:00

            """)
        try scratch.write("inbox/payments-1030.csv", """
            channel,txn_id,kind,reference,amount,occurred_at
            wechat,WX1,pay,O-1,100.00,2026-10-30T09:00:05+08:00
            wechat,WX2,pay,O-1,100.00,2026-10-30T09:00:09+08:00

            """)
        XCTAssertEqual(try Binary.run(["init", "--db", "s.db"], in: scratch.root).status, 0)
        var said = ""
        func run(_ date: String) throws -> Int32 {
            let outcome = try Binary.run(["run", "--config", "mall.json", "--inbox", "inbox", "--db", "s.db", "--date", date,
                                          "--reports", "out"], in: scratch.root)
            said = outcome.stdout + outcome.stderr
            return outcome.status
        }
        XCTAssertEqual(try run("2026-10-31"), 0, "the duplicate is pending until 11-01")
        XCTAssertEqual(try run("2026-11-01"), 3)
        XCTAssertTrue(said.contains("; 1 new break(s) (see reconciliation/2026-11-01/breaks.csv)"), said)
        XCTAssertEqual(try run("2026-11-01"), 0, "run again: the break is not new")
        XCTAssertFalse(said.contains("new break"), said)
        XCTAssertEqual(try run("2026-11-02"), 0)
        let breaks = try Binary.run(["export", "breaks", "--db", "s.db"], in: scratch.root)
        XCTAssertEqual(breaks.stdout, """
            break_id,kind,channel,reference,expected,found,first_seen,resolved_at,detail
            1,duplicate_in_channel,wechat,O-1,100.00,100.00,2026-11-01,,pay; txn_id WX2 repeats txn_id WX1

            """)
        XCTAssertEqual(try Binary.run(["close", "--config", "mall.json", "--db", "s.db", "--through", "2026-10-31", "--reports", "out"],
                                      in: scratch.root).status, 0)
        try scratch.write("inbox/payouts-1103.csv", """
            payout_id,sheet_id,amount,paid_at,bank_ref
            PO-1,SUP-A-ENT-BJ-CNY-20261001,92.00,2026-11-03T10:00:00+08:00,CMB-0001

            """)
        XCTAssertEqual(try run("2026-11-03"), 0)
        let sheets = try Binary.run(["export", "sheets", "--db", "s.db"], in: scratch.root)
        XCTAssertTrue(sheets.stdout.contains("SUP-A-ENT-BJ-CNY-20261001,SUP-A,ENT-BJ,CNY,commission,2026-10-01,2026-10-31,paid,2,92.00,92.00,2026-10-31,"),
                      sheets.stdout)
        XCTAssertEqual(try Binary.run(["verify", "--db", "s.db"], in: scratch.root).status, 0)
    }

    func testRunQuarantinesThenExportsAndVerifies() throws {
        let scratch = try Scratch()
        try scratch.write("mall.json", Self.config)
        try scratch.write("inbox/orders-1110.csv", Self.orders)
        XCTAssertEqual(try Binary.run(["init", "--db", "s.db"], in: scratch.root).status, 0)
        let run = try Binary.run(["run", "--config", "mall.json", "--inbox", "inbox", "--db", "s.db", "--date", "2026-11-10",
                                  "--reports", "out"], in: scratch.root)
        XCTAssertEqual(run.status, 3, run.stderr)
        let again = try Binary.run(["run", "--config", "mall.json", "--inbox", "inbox", "--db", "s.db", "--date", "2026-11-10",
                                    "--reports", "out"], in: scratch.root)
        XCTAssertEqual(again.status, 0, "a re-run with the same inputs finds nothing new")
        let lines = try Binary.run(["export", "fee-lines", "--db", "s.db"], in: scratch.root)
        XCTAssertEqual(lines.status, 0)
        XCTAssertEqual(lines.stdout, """
            sheet_id,supplier_id,posting_date,source_type,source_id,order_id,line_no,sku,fee_code,direction,amount,late,original_period
            SUP-A-ENT-BJ-CNY-20261101,SUP-A,2026-11-10,order,O-1,O-1,1,"'=HYPERLINK(""http://x"")",COMMISSION,forward,-16.00,0,
            SUP-A-ENT-BJ-CNY-20261101,SUP-A,2026-11-10,order,O-1,O-1,1,"'=HYPERLINK(""http://x"")",GOODS,forward,200.00,0,

            """)
        let sheets = try Binary.run(["export", "sheets", "--db", "s.db"], in: scratch.root)
        XCTAssertEqual(sheets.stdout, """
            sheet_id,supplier_id,entity,currency,mode,period_start,period_end,status,lines,net,payable,closed_at,statement_sha256
            SUP-A-ENT-BJ-CNY-20261101,SUP-A,ENT-BJ,CNY,commission,2026-11-01,2026-11-30,open,2,184.00,,,

            """)
        // Only the run that quarantined rows wrote a quarantine file.
        let quarantine = try FileManager.default.contentsOfDirectory(atPath: scratch.path("out/quarantine")).sorted()
        XCTAssertEqual(quarantine, ["20261110-r000001.csv"])
        XCTAssertTrue(try scratch.read("out/quarantine/" + quarantine[0]).contains("inbox/orders-1110.csv,3,7,bad_money"))
        // Manifests: when, which version, new files in full (paths as written), known files counted.
        let first = try scratch.read("out/runs/20261110-r000001.json")
        XCTAssertTrue(first.contains(#""file" : "inbox/orders-1110.csv""#), first)
        XCTAssertFalse(first.contains(#"\/"#), "no escaped slashes")
        XCTAssertTrue(first.contains(#""files_already_known" : 0"#), first)
        XCTAssertTrue(first.contains(#""mallsettle_version" : "0.7.0""#), first)
        let second = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(scratch.read("out/runs/20261110-r000002.json").utf8))
                                   as? [String: Any])
        XCTAssertEqual((second["inputs"] as? [Any])?.count, 0)
        XCTAssertEqual(second["files_already_known"] as? Int, 1)
        XCTAssertEqual(second["exit_status"] as? Int, 0)
        for key in ["started_at", "finished_at"] {
            let stamp = try XCTUnwrap(second[key] as? String, key)
            XCTAssertTrue(stamp.hasPrefix("20") && stamp.hasSuffix("Z"), "\(key): \(stamp)")
        }
        // Impossible values get exact messages (exit 2).
        for (arguments, message) in [
            (["run", "--config", "mall.json", "--inbox", "inbox", "--db", "s.db", "--date", "2026-02-30"],
             "mallsettle: --date '2026-02-30': there is no such date"),
            (["run", "--config", "mall.json", "--inbox", "inbox", "--db", "s.db", "--date", "2026-2-3"],
             "mallsettle: --date '2026-2-3' is not a date: write it as YYYY-MM-DD"),
            (["ingest", "widgets", "x.csv", "--db", "s.db"],
             "mallsettle: 'widgets' is not a kind of feed; KIND is one of orders, refunds, payments, repayments, adjustments, payouts"),
            (["export", "sheets", "--period", "2026-10-32", "--db", "s.db"], "mallsettle: --period '2026-10-32': there is no such date"),
            (["close", "--through", "2026-13-01", "--config", "mall.json", "--db", "s.db"],
             "mallsettle: --through '2026-13-01': there is no such date"),
        ] {
            let refused = try Binary.run(arguments, in: scratch.root)
            XCTAssertEqual(refused.status, 2, arguments.joined(separator: " "))
            XCTAssertEqual(refused.stderr.split(separator: "\n").first.map(String.init), message)
        }
        let version = try Binary.run(["--version"], in: scratch.root)
        XCTAssertEqual(version.status, 0)
        XCTAssertEqual(version.stdout, "mallsettle 0.7.0\n")
        XCTAssertEqual(try Binary.run(["verify", "--db", "s.db"], in: scratch.root).status, 0)
        let status = try Binary.run(["status", "--db", "s.db", "--json"], in: scratch.root)
        XCTAssertEqual(status.status, 0)
        XCTAssertTrue(status.stdout.contains("\"latest_finished_as_of\" : \"2026-11-10\""), status.stdout)
        // close refuses a date the nightly has not reached, then closes November's sheet.
        XCTAssertEqual(try Binary.run(["close", "--config", "mall.json", "--db", "s.db", "--through", "2026-11-30",
                                       "--reports", "out"], in: scratch.root).status, 2)
    }

    func testASecondRunGetsExitFourNamingTheHolder() throws {
        let scratch = try Scratch()
        try scratch.write("mall.json", Self.config)
        try scratch.write("inbox/orders-1110.csv", Self.orders)
        try Binary.initStore(in: scratch.root)
        // Hold the lock the way a running command does, from another process.
        try scratch.write("hold.sh", "exec 9>s.db.lock; flock -n 9; echo 'mallsettle run (pid 4242)' >&9; exec sleep 30\n")
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/bin/bash")
        holder.arguments = ["hold.sh"]
        holder.currentDirectoryURL = URL(fileURLWithPath: scratch.root)
        try holder.run()
        defer { holder.terminate(); holder.waitUntilExit() }
        Thread.sleep(forTimeInterval: 0.5)
        let started = Date()
        let outcome = try Binary.run(["run", "--config", "mall.json", "--inbox", "inbox", "--db", "s.db",
                                      "--date", "2026-11-10"], in: scratch.root)
        XCTAssertEqual(outcome.status, 4)
        XCTAssertLessThan(Date().timeIntervalSince(started), 5, "exit 4 comes at once")
        XCTAssertTrue(outcome.stderr.contains("mallsettle run (pid 4242)"), outcome.stderr)
    }
}
