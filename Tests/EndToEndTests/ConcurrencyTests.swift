// Two schedulers starting at once (issue 5, concurrency): of several `run`s started together
// on one store exactly one proceeds, the others exit 4 at once naming the holder, and the
// store ends exactly as after one run. A `close` started during a `run` is turned away too.

import Foundation
import XCTest

final class ConcurrencyTests: XCTestCase {
    static let config = """
    {"timezone": "Asia/Shanghai", "currency": "CNY",
     "suppliers": [{"id": "SUP-A", "name": "Acme", "mode": "commission", "ships": "supplier",
                    "cycle": "monthly", "cycle_day": 1, "settle_on": "paid", "entity": "ENT-BJ"},
                   {"id": "SUP-B", "name": "Bamboo", "mode": "purchase", "ships": "platform",
                    "cycle": "weekly", "cycle_day": 1, "settle_on": "paid", "entity": "ENT-SH"}],
     "fee_rules": [{"fee": "commission", "rate_ppm": 80000},
                   {"fee": "payment_fee", "rate_ppm": 6000, "channel": "wechat", "reversible": false},
                   {"fee": "delivery_fee", "per_unit": "6.00"}]}
    """

    /// Enough lines that a run lasts long enough for the others to find the lock taken.
    static let orders: String = {
        var text = "order_id,line_no,supplier_id,sku,category,quantity,unit_price,cost_price,paid_cash,payment_channel,ordered_at,paid_at\n"
        for i in 1...3000 {
            let supplier = i % 3 == 0 ? "SUP-B" : "SUP-A"
            let quantity = 1 + i % 4
            let cents = 1000 + (i * 37) % 9000
            let total = quantity * cents
            let day = 1 + i % 9
            text += "O-\(i),1,\(supplier),SKU-\(i % 50),digital/phone,\(quantity),\(cents / 100).\(String(format: "%02d", cents % 100)),"
                + "5.00,\(total / 100).\(String(format: "%02d", total % 100)),wechat,"
                + "2026-11-0\(day)T09:00:00+08:00,2026-11-0\(day)T09:00:00+08:00\n"
        }
        return text
    }()

    func runArguments(_ store: String) -> [String] {
        ["run", "--config", "mall.json", "--inbox", "inbox", "--db", store, "--date", "2026-11-10", "--reports", "reports-\(store)", "--quiet"]
    }

    /// Starts `count` copies of `arguments` released together by a file, and waits for all.
    func startTogether(_ arguments: [[String]], in scratch: Scratch, round: Int) throws -> [(status: Int32, stderr: String, seconds: Double)] {
        let gate = "gate-\(round)"
        var processes: [(Process, Pipe, EndTime)] = []
        for args in arguments {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            let quoted = args.map { "'\($0)'" }.joined(separator: " ")
            process.arguments = ["-c", "while [ ! -e \(gate) ]; do sleep 0.005; done; exec '\(Binary.path)' \(quoted)"]
            process.currentDirectoryURL = URL(fileURLWithPath: scratch.root)
            let err = Pipe()
            process.standardError = err
            process.standardOutput = FileHandle.nullDevice
            let end = EndTime()
            process.terminationHandler = { _ in end.mark() }
            try process.run()
            processes.append((process, err, end))
        }
        Thread.sleep(forTimeInterval: 0.05)
        let released = Date()
        try scratch.write(gate, "")
        return processes.map { process, err, end in
            let data = err.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, String(decoding: data, as: UTF8.self), end.seconds(since: released))
        }
    }

    func exports(_ store: String, in scratch: Scratch) throws -> [String] {
        try ["fee-lines", "sheets"].map { try Binary.run(["export", $0, "--db", store], in: scratch.root).stdout }
    }

    func testOfManyRunsStartedTogetherExactlyOneProceeds() throws {
        let scratch = try Scratch()
        try scratch.write("mall.json", Self.config)
        try scratch.write("inbox/orders-20261110.csv", Self.orders)
        try Binary.initStore("single.db", in: scratch.root)
        XCTAssertEqual(try Binary.run(runArguments("single.db"), in: scratch.root).status, 0)
        let single = try exports("single.db", in: scratch)
        XCTAssertTrue(single[0].split(separator: "\n").count > 3000)

        var starts = 0
        for round in 0..<50 {
            let store = "r\(round).db"
            let count = 2 + round % 9
            try Binary.initStore(store, in: scratch.root)
            let outcomes = try startTogether(Array(repeating: runArguments(store), count: count), in: scratch, round: round)
            starts += count
            let proceeded = outcomes.filter { $0.status == 0 }
            let turnedAway = outcomes.filter { $0.status == 4 }
            XCTAssertEqual(proceeded.count, 1, "round \(round): \(outcomes.map(\.status))")
            XCTAssertEqual(turnedAway.count, count - 1, "round \(round): \(outcomes.map(\.status))")
            for other in turnedAway {
                XCTAssertTrue(other.stderr.contains("mallsettle run --date 2026-11-10 (pid "), other.stderr)
                XCTAssertLessThan(other.seconds, proceeded.first?.seconds ?? .infinity, "exit 4 comes before the run it waits on ends")
            }
            XCTAssertEqual(try exports(store, in: scratch), single, "round \(round) ends as one run")
            if round % 10 == 0 { XCTAssertEqual(try Binary.run(["verify", "--db", store], in: scratch.root).status, 0) }
        }
        XCTAssertEqual(starts, 50 * 2 + (0..<50).map { $0 % 9 }.reduce(0, +))
    }

    func testACloseStartedDuringARunIsTurnedAway() throws {
        let scratch = try Scratch()
        try scratch.write("mall.json", Self.config)
        try scratch.write("inbox/orders-20261110.csv", Self.orders)
        let close = ["close", "--config", "mall.json", "--db", "t.db", "--through", "2026-11-09", "--reports", "reports-t.db"]
        try Binary.initStore("t.db", in: scratch.root)
        // Now a run holds the store for a while; close must not wait for it.
        let run = try Binary.start(runArguments("t.db"), in: scratch.root)
        var held = false
        for _ in 0..<2000 where run.isRunning && !held {
            held = ((try? scratch.read("t.db.lock")) ?? "").contains("mallsettle run")
            if !held { Thread.sleep(forTimeInterval: 0.001) }
        }
        XCTAssertTrue(held, "the run took the lock")
        let started = Date()
        let refused = try Binary.run(close, in: scratch.root)
        let seconds = Date().timeIntervalSince(started)
        let runStillGoing = run.isRunning
        run.waitUntilExit()
        XCTAssertEqual(run.terminationStatus, 0)
        XCTAssertTrue(runStillGoing, "the run was still going when close was turned away")
        XCTAssertEqual(refused.status, 4, refused.stderr)
        XCTAssertLessThan(seconds, 5, "exit 4 comes at once")
        XCTAssertTrue(refused.stderr.contains("mallsettle run --date 2026-11-10 (pid "), refused.stderr)
        // Once the run is done, the close goes through.
        XCTAssertEqual(try Binary.run(close, in: scratch.root).status, 0)
    }
}

/// When a process ended, recorded by its termination handler (on another thread).
final class EndTime: @unchecked Sendable {
    private let lock = NSLock()
    private var at: Date?
    func mark() { lock.lock(); at = Date(); lock.unlock() }
    func seconds(since start: Date) -> Double {
        // The handler may run a moment after waitUntilExit returns.
        for _ in 0..<200 {
            lock.lock()
            let value = at
            lock.unlock()
            if let value { return value.timeIntervalSince(start) }
            Thread.sleep(forTimeInterval: 0.005)
        }
        return .infinity
    }
}
