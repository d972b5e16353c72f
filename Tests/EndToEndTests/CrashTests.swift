// A nightly killed with SIGKILL at random instants and run again ends byte-identical to an
// uninterrupted one (SPEC §12 item 2): exports, statements and the analytics reports.

import Foundation
import XCTest

final class CrashTests: XCTestCase {
    static let config = """
    {"timezone": "Asia/Shanghai", "currency": "CNY",
     "suppliers": [
       {"id": "SUP-A", "name": "Acme", "mode": "commission", "ships": "supplier", "cycle": "monthly", "cycle_day": 1, "settle_on": "paid", "entity": "ENT-BJ"},
       {"id": "SUP-B", "name": "Bamboo", "mode": "commission", "ships": "platform", "cycle": "weekly", "cycle_day": 1, "settle_on": "completed", "entity": "ENT-SH"},
       {"id": "SUP-C", "name": "Cedar", "mode": "purchase", "ships": "platform", "cycle": "daily", "settle_on": "paid", "entity": "ENT-SH"}],
     "fee_rules": [
       {"fee": "commission", "rate_ppm": 80000, "category": "digital"},
       {"fee": "commission", "rate_ppm": 50000},
       {"fee": "payment_fee", "rate_ppm": 6000, "channel": "wechat"},
       {"fee": "payment_fee", "rate_ppm": 5500, "channel": "alipay", "reversible": true},
       {"fee": "refund_admin", "rate_ppm": 200000},
       {"fee": "delivery_fee", "per_unit": "6.00"},
       {"fee": "warehousing_fee", "per_unit": "1.20"},
       {"fee": "return_service_fee", "per_unit": "3.00"}],
     "credit_accounts": [
       {"buyer_id": "DLR-0", "limit": "200000.00", "bill_day": 15, "repay_day": 25, "late_fee_ppm_per_day": 500,
        "freeze_after_days": 2, "on_time_discounts": [{"min_bill": "100.00", "discount": "10.00"}]},
       {"buyer_id": "DLR-1", "limit": "50000.00", "bill_day": 10, "repay_day": 20, "late_fee_ppm_per_day": 1000,
        "freeze_after_days": 3}],
     "rebates": [
       {"id": "OT", "kind": "order_total", "rate_ppm": 10000, "funded_by": "supplier"},
       {"id": "CAT-D", "kind": "category", "category": "digital", "buyer_id": "DLR-0", "rate_ppm": 20000, "funded_by": "platform"},
       {"id": "SKU-7", "kind": "special_sku", "sku": "SKU-7", "rate_ppm": 30000, "funded_by": "supplier"},
       {"id": "T", "kind": "tiered", "cycle": "monthly", "mode": "marginal", "funded_by": "supplier",
        "tiers": [{"threshold": "100.00", "rate_ppm": 5000}, {"threshold": "10000.00", "rate_ppm": 15000}]}]}
    """

    /// Orders over October in several files, refunds of a tenth of them, one bad row per file;
    /// every fifth line paid on credit by a dealer (DLR-2 has no credit account), and
    /// repayments; and the channels' payments of the cash lines (some missing, some of another
    /// amount, some twice, one of an unknown order).
    static func feeds(lines: Int) -> [(String, String)] {
        var state: UInt64 = 7
        func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
        let suppliers = ["SUP-A", "SUP-B", "SUP-C"]
        let categories = ["digital/phone", "office/paper", "food/tea"]
        var files: [(String, String)] = []
        let perFile = lines / 4
        var refunds = ["refund_id,order_id,line_no,refund_type,quantity,refund_goods,refund_freight,refund_points,refund_credit,refund_cash,refunded_at"]
        var payments = ["channel,txn_id,kind,reference,amount,fee,occurred_at"]
        for file in 0..<4 {
            var rows = ["order_id,line_no,supplier_id,sku,category,quantity,unit_price,cost_price,paid_cash,payment_channel,ordered_at,paid_at,completed_at,buyer_id,paid_credit"]
            for index in 0..<perFile {
                let id = "O\(file)-\(index)"
                let quantity = next(5) + 1
                let price = next(50_000) + 1
                let day = next(28) + 1
                let stamp = "2026-10-\(day < 10 ? "0" : "")\(day)T\(10 + next(10)):00:00+08:00"
                let completed = next(5) == 0 ? "" : stamp
                let goods = quantity * price
                let money = "\(goods / 100).\(goods % 100 < 10 ? "0" : "")\(goods % 100)"
                let unit = "\(price / 100).\(price % 100 < 10 ? "0" : "")\(price % 100)"
                let sku = next(300), category = categories[next(3)], channel = next(2) == 0 ? "wechat" : "alipay"
                let onCredit = index % 5 == 0
                let (cash, credit) = onCredit ? ("0", money) : (money, "0")
                rows.append("\(id),1,\(suppliers[index % 3]),SKU-\(sku),\(category),\(quantity),\(unit),\(unit),\(cash),\(onCredit ? "" : channel),\(stamp),\(stamp),\(completed),\(onCredit ? "DLR-\(index % 3)" : ""),\(credit)")
                if !onCredit && index % 17 != 0 {
                    let paid = index % 23 == 0 ? "\(goods / 100 + 1).\(goods % 100 < 10 ? "0" : "")\(goods % 100)" : money
                    payments.append("\(channel),T\(id),pay,\(id),\(paid),0.10,\(stamp)")
                    if index % 29 == 0 { payments.append("\(channel),U\(id),pay,\(id),\(paid),0.10,\(stamp)") }
                }
                if next(10) == 0 {
                    let type = ["cancel", "refund_only", "return"][next(3)]
                    refunds.append("R\(file)-\(index),\(id),1,\(type),\(quantity),\(money),0,0,\(credit),\(cash),2026-10-29T12:00:00+08:00")
                }
            }
            rows.append("BAD\(file),1,SUP-A,SKU,digital,1,1e3,,1000.00,wechat,\(rows.count),x,,,")
            files.append(("orders-\(file).csv", rows.joined(separator: "\n") + "\n"))
        }
        files.append(("refunds-0.csv", refunds.joined(separator: "\n") + "\n"))
        files.append(("repayments-0.csv", """
            repayment_id,buyer_id,amount,paid_at
            RP-1,DLR-0,1000.00,2026-10-20T10:00:00+08:00
            RP-2,DLR-1,1000.00,2026-10-24T10:00:00+08:00
            RP-3,DLR-2,5.00,2026-10-24T10:00:00+08:00
            RP-4,DLR-0,900000.00,2026-10-29T10:00:00+08:00

            """))
        payments.append("wechat,TX-UNKNOWN,pay,NO-SUCH-ORDER,1.00,0.01,2026-10-02T10:00:00+08:00")
        files.append(("payments-0.csv", payments.joined(separator: "\n") + "\n"))
        return files
    }

    func prepare(_ scratch: Scratch, files: [(String, String)]) throws {
        try scratch.write("mall.json", Self.config)
        for (name, text) in files { try scratch.write("inbox/" + name, text) }
        XCTAssertEqual(try Binary.run(["init", "--db", "s.db"], in: scratch.root).status, 0)
    }

    var runArguments: [String] {
        ["run", "--config", "mall.json", "--inbox", "inbox", "--db", "s.db", "--date", "2026-10-31", "--reports", "out"]
    }

    /// Finishes the night (re-running until it completes), closes October, and returns what a
    /// finance user can see: the exports, the statements, the reconciliation files and the
    /// analytics reports of the night (compared only where the night itself was killed).
    func finish(_ scratch: Scratch) throws -> [String: Data] {
        var outcome = try Binary.run(runArguments, in: scratch.root)
        if outcome.status != 0 && outcome.status != 3 { outcome = try Binary.run(runArguments, in: scratch.root) }
        XCTAssertTrue([0, 3].contains(outcome.status), outcome.stderr)
        let close = try Binary.run(["close", "--config", "mall.json", "--db", "s.db", "--through", "2026-10-31", "--reports", "out"],
                                   in: scratch.root)
        XCTAssertEqual(close.status, 0, close.stderr)
        var seen = try scratch.tree("out/statements").reduce(into: [String: Data]()) { $0["statements/" + $1.key] = $1.value }
        for (name, bytes) in try scratch.tree("out/reconciliation") { seen["reconciliation/" + name] = bytes }
        for (name, bytes) in try scratch.tree("out/buyers") { seen["buyers/" + name] = bytes }
        for (name, bytes) in try scratch.tree("out/analytics") { seen["analytics/" + name] = bytes }
        for kind in ["fee-lines", "sheets", "rebates", "bills", "credit", "freezes", "breaks"] {
            let export = try Binary.run(["export", kind, "--db", "s.db"], in: scratch.root)
            seen[kind] = Data(export.stdout.utf8)
        }
        let verify = try Binary.run(["verify", "--db", "s.db"], in: scratch.root)
        XCTAssertEqual(verify.status, 0, verify.stdout)
        return seen
    }

    func testKilledRunsEndIdenticalToAnUninterruptedRun() throws {
        let files = Self.feeds(lines: 4_000)
        let reference = try Scratch()
        try prepare(reference, files: files)
        let started = Date()
        XCTAssertEqual(try Binary.run(runArguments, in: reference.root).status, 3)
        var runSeconds = Date().timeIntervalSince(started)
        let expected = try finish(reference)
        XCTAssertGreaterThan(expected.count, 10)
        XCTAssertGreaterThan(expected["fee-lines"]?.count ?? 0, 50_000)

        let trials = Self.randomTrials
        let killed = try killAtRandomInstants(trials: trials, spread: runSeconds, command: runArguments, files: files,
                                              expected: expected, what: "run")
        // How many kills land before a run ends depends on the machine's load; the stage
        // boundary test kills at exact points whatever the timing.
        XCTAssertGreaterThanOrEqual(killed * 3, trials, "at least a third of the runs were really killed mid-way")
        Self.report("random instants during run: \(killed) of \(trials) runs killed, every re-run identical")
    }

    /// Starts `command` (after `after`, run to completion, when given) on a fresh store
    /// `trials` times, kills it after a delay spread over `spread` seconds, finishes the night
    /// and compares with `expected`. Returns how many were really killed mid-way.
    func killAtRandomInstants(trials: Int, spread: Double, command: [String], files: [(String, String)],
                              expected: [String: Data], what: String, after: [String]? = nil) throws -> Int {
        var generator = SystemRandomNumberGenerator()
        var killed = 0
        var spread = spread
        for trial in 0..<trials {
            // A command that ends before its kill is tried again, with the kills timed from then
            // on by that shorter run: on a busy machine one run can take twice as long as the next.
            for _ in 0..<3 {
                let scratch = try Scratch()
                try prepare(scratch, files: files)
                if let after { XCTAssertEqual(try Binary.run(after, in: scratch.root).status, 3) }
                let started = Date()
                let process = try Binary.start(command, in: scratch.root)
                // Trial t kills at a random instant of the t-th part of the command's time.
                let delay = (Double(trial) + Double.random(in: 0..<1, using: &generator)) / Double(trials) * spread
                Thread.sleep(forTimeInterval: delay)
                let running = process.isRunning
                if running {
                    kill(process.processIdentifier, SIGKILL)
                    killed += 1
                }
                process.waitUntilExit()
                // A killed close leaves the night after it to run on a half-closed store: its
                // reports show that store, as they should; what must match is the rest.
                let analytics = what == "run"
                try assertSame(try finish(scratch).filter { analytics || !$0.key.hasPrefix("analytics/") },
                               expected.filter { analytics || !$0.key.hasPrefix("analytics/") }, "\(what) killed after \(delay) s")
                if running { break }
                spread = min(spread, Date().timeIntervalSince(started))
            }
        }
        return killed
    }

    /// Trials of the random-instant tests: 24 in `make test`, more with
    /// `MALLSETTLE_CRASH_TRIALS` (`make reliability` uses 120).
    static var randomTrials: Int {
        Int(ProcessInfo.processInfo.environment["MALLSETTLE_CRASH_TRIALS"] ?? "") ?? 24
    }

    /// Prints a figure for docs/reliability.md.
    static func report(_ line: String) {
        FileHandle.standardError.write(Data(("reliability: " + line + "\n").utf8))
    }

    func assertSame(_ seen: [String: Data], _ expected: [String: Data], _ what: String,
                    file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(Set(seen.keys).subtracting(expected.keys).sorted(), [], "\(what): files an uninterrupted run does not leave",
                       file: file, line: line)
        XCTAssertEqual(Set(expected.keys).subtracting(seen.keys).sorted(), [], "\(what): files missing", file: file, line: line)
        for (name, bytes) in expected where seen[name] != bytes {
            XCTFail("\(what): \(name) differs from the uninterrupted run", file: file, line: line)
        }
    }

    static let runPoints = ["begin", "ingest.before", "ingest.after", "post.before", "post.after", "rebates.before", "rebates.after",
                            "credit.before", "credit.after", "reconcile.before", "reconcile.after", "breaks.before", "breaks.after",
                            "statements.before", "buyer_statements.written", "statements.after", "reports.before",
                            "reports.after", "finish.recorded", "finish.manifest"]
    static let closePoints = ["begin", "close.before", "settle.before", "settle.after", "close.after",
                              "statements.before", "buyer_statements.written", "statements.after",
                              "finish.recorded", "finish.manifest"]

    func testKilledAtEveryStageBoundaryEndsIdentical() throws {
        let files = Self.feeds(lines: 1_000)
        let reference = try Scratch()
        try prepare(reference, files: files)
        XCTAssertEqual(try Binary.run(runArguments, in: reference.root).status, 3)
        let expected = try finish(reference)
        // The night settles credit: bills, a freeze and credit breaks are among what must match.
        let text = { (kind: String) in String(decoding: expected[kind] ?? Data(), as: UTF8.self) }
        XCTAssertGreaterThan(text("bills").split(separator: "\n").count, 2, text("bills"))
        XCTAssertGreaterThan(text("freezes").split(separator: "\n").count, 1, text("freezes") + text("bills"))
        XCTAssertTrue(text("breaks").contains("no_credit_account"), text("breaks"))
        let breaks = String(decoding: expected["breaks"] ?? Data(), as: UTF8.self)
        for kind in ["amount_mismatch", "duplicate_in_channel", "missing_in_channel", "unexpected_in_channel"] {
            XCTAssertTrue(breaks.contains(",\(kind),"), "the reconcile stage has \(kind) breaks to keep")
        }
        // The close settles October's rebates, with REBATE_FUNDING lines.
        XCTAssertGreaterThan(text("rebates").split(separator: "\n").count, 3, text("rebates"))
        XCTAssertTrue(text("fee-lines").contains(",REBATE_FUNDING,"))
        // Buyer statements: the bills' (written by the run) and October's rebates' (by the close).
        XCTAssertNotNil(expected["buyers/DLR-0/bills/2026-10-15/lines.csv"], expected.keys.filter { $0.hasPrefix("buyers/") }.sorted().description)
        XCTAssertNotNil(expected["buyers/DLR-1/bills/2026-10-10/statement.xlsx"])
        XCTAssertNotNil(expected["buyers/DLR-0/rebates/monthly/2026-10-01/statement.zh-CN.html"])

        for point in Self.runPoints {
            let scratch = try Scratch()
            try prepare(scratch, files: files)
            let killed = try Binary.run(runArguments, in: scratch.root, environment: ["MALLSETTLE_KILL_AT": point])
            XCTAssertTrue(killed.signalled && killed.status == SIGKILL, "run reached \(point) and was killed")
            try assertSame(try finish(scratch), expected, "run killed at \(point)")
        }
        let close = ["close", "--config", "mall.json", "--db", "s.db", "--through", "2026-10-31", "--reports", "out"]
        for point in Self.closePoints {
            let scratch = try Scratch()
            try prepare(scratch, files: files)
            XCTAssertEqual(try Binary.run(runArguments, in: scratch.root).status, 3)
            let killed = try Binary.run(close, in: scratch.root, environment: ["MALLSETTLE_KILL_AT": point])
            XCTAssertTrue(killed.signalled && killed.status == SIGKILL, "close reached \(point) and was killed")
            // The night `finish` runs after a killed close reports on the half-closed store.
            try assertSame(try finish(scratch).filter { !$0.key.hasPrefix("analytics/") },
                           expected.filter { !$0.key.hasPrefix("analytics/") }, "close killed at \(point)")
        }
        Self.report("stage boundaries: run killed at \(Self.runPoints.count) points, close at \(Self.closePoints.count), every re-run identical")
    }

    func testKilledClosesEndIdentical() throws {
        let files = Self.feeds(lines: 4_000)
        let reference = try Scratch()
        try prepare(reference, files: files)
        XCTAssertEqual(try Binary.run(runArguments, in: reference.root).status, 3)
        let close = ["close", "--config", "mall.json", "--db", "s.db", "--through", "2026-10-31", "--reports", "out"]
        let started = Date()
        XCTAssertEqual(try Binary.run(close, in: reference.root).status, 0)
        let closeSeconds = Date().timeIntervalSince(started)
        let expected = try finish(reference)

        let trials = max(8, Self.randomTrials / 3)
        let killed = try killAtRandomInstants(trials: trials, spread: closeSeconds, command: close, files: files,
                                              expected: expected, what: "close", after: runArguments)
        XCTAssertGreaterThanOrEqual(killed * 4, trials, "at least a quarter of the closes were really killed mid-way")
        Self.report("random instants during close: \(killed) of \(trials) closes killed, every re-run identical")
    }

    /// The rebate and credit stages and the statements (supplier and buyer) killed at random
    /// instants inside them: `MALLSETTLE_KILL_AFTER=STAGE.before+µs` kills the command that
    /// long after the stage began, spread over the stage's own time; each re-run ends
    /// identical to an uninterrupted run and close.
    func testKilledInsideTheBuyerSideStagesEndsIdentical() throws {
        let files = Self.feeds(lines: 1_000)
        let reference = try Scratch()
        try prepare(reference, files: files)
        XCTAssertEqual(try Binary.run(runArguments, in: reference.root).status, 3)
        let expected = try finish(reference)
        let close = ["close", "--config", "mall.json", "--db", "s.db", "--through", "2026-10-31", "--reports", "out"]
        var generator = SystemRandomNumberGenerator()
        var killed = 0
        let trials = max(4, Self.randomTrials / 6)
        // (command, the point the delay starts from, the most microseconds to wait)
        let windows: [([String], String, UInt32)] = [
            (runArguments, "rebates.before", 20_000), (runArguments, "credit.before", 60_000),
            (runArguments, "statements.before", 200_000),
            (close, "settle.before", 60_000), (close, "statements.before", 300_000),
        ]
        for (command, point, spreadMicros) in windows {
            for trial in 0..<trials {
                let scratch = try Scratch()
                try prepare(scratch, files: files)
                if command == close { XCTAssertEqual(try Binary.run(runArguments, in: scratch.root).status, 3) }
                let micros = UInt32((Double(trial) + Double.random(in: 0..<1, using: &generator)) / Double(trials) * Double(spreadMicros))
                let outcome = try Binary.run(command, in: scratch.root, environment: ["MALLSETTLE_KILL_AFTER": "\(point)+\(micros)"])
                if outcome.signalled && outcome.status == SIGKILL { killed += 1 }
                // The analytics are compared only where the night was killed: after a killed
                // close, the night in `finish` reports on a half-closed store.
                let analytics = command != close
                try assertSame(try finish(scratch).filter { analytics || !$0.key.hasPrefix("analytics/") },
                               expected.filter { analytics || !$0.key.hasPrefix("analytics/") },
                               "\(command[0]) killed \(micros) µs after \(point)")
            }
        }
        XCTAssertGreaterThan(killed, 0, "some commands were really killed inside the stages")
        Self.report("random instants inside rebates, credit, settle and statements: \(killed) of \(windows.count * trials) commands killed, every re-run identical")
    }
}
