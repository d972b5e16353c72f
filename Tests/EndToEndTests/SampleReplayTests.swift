// The sample month replayed night by night, as `make run` does: once as delivered, and once
// with every file delivered twice under another name. Both must end byte-identical, and replay
// reconciliation against the journal the sample was generated from must find exactly the rows
// SampleData/add_oddities.py broke (SampleData/README.md lists them).

import Foundation
import XCTest

final class SampleReplayTests: XCTestCase {
    var days: [String] {
        let root = Binary.packageRoot + "/SampleData/days"
        return ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).sorted()
    }

    /// Replays every sample day into `scratch`; with `twice`, each file lands a second time
    /// renamed (`orders-20261001.csv` and `orders-20261001-again.csv`).
    func replay(into scratch: Scratch, twice: Bool) throws -> [String: Data] {
        let config = Binary.packageRoot + "/Pipelines/mall.json"
        XCTAssertEqual(try Binary.run(["init", "--db", "s.db"], in: scratch.root).status, 0)
        try FileManager.default.createDirectory(atPath: scratch.path("inbox"), withIntermediateDirectories: true)
        var exitStatuses: [String: Int32] = [:]
        for day in days {
            let folder = Binary.packageRoot + "/SampleData/days/" + day
            for name in try FileManager.default.contentsOfDirectory(atPath: folder) {
                try FileManager.default.copyItem(atPath: folder + "/" + name, toPath: scratch.path("inbox/" + name))
                if twice {
                    let dot = name.firstIndex(of: ".") ?? name.endIndex
                    let renamed = name[..<dot] + "-again" + name[dot...]
                    try FileManager.default.copyItem(atPath: folder + "/" + name, toPath: scratch.path("inbox/" + renamed))
                }
            }
            let run = try Binary.run(["run", "--config", config, "--inbox", "inbox", "--db", "s.db", "--date", day,
                                      "--reports", "out"], in: scratch.root)
            XCTAssertTrue([0, 3].contains(run.status), "\(day): \(run.stderr)")
            exitStatuses[day] = run.status
            let closeThrough = ["2026-10-16": "2026-10-15", "2026-11-02": "2026-10-31"][day]
            if let through = closeThrough {
                let close = try Binary.run(["close", "--config", config, "--db", "s.db", "--through", through,
                                            "--reports", "out"], in: scratch.root)
                XCTAssertEqual(close.status, 0, close.stderr)
            }
        }
        // The seven deliberate bad rows are quarantined on their own nights, and no others.
        XCTAssertEqual(exitStatuses.filter { $0.value == 3 }.keys.sorted(),
                       ["2026-10-04", "2026-10-08", "2026-10-16", "2026-10-21", "2026-10-23", "2026-10-27", "2026-10-29"])
        var seen = try scratch.tree("out/statements").reduce(into: [String: Data]()) { $0["statements/" + $1.key] = $1.value }
        for (name, bytes) in try scratch.tree("out/buyers") { seen["buyers/" + name] = bytes }
        for kind in ["fee-lines", "sheets", "bills", "freezes", "rebates"] {
            seen[kind] = Data(try Binary.run(["export", kind, "--db", "s.db"], in: scratch.root).stdout.utf8)
        }
        XCTAssertEqual(try Binary.run(["verify", "--db", "s.db"], in: scratch.root).status, 0)
        let reconcile = try Binary.run(["reconcile", "--replay", Binary.packageRoot + "/SampleData/journal.jsonl",
                                        "--catalog", Binary.packageRoot + "/SampleData/catalog.json", "--db", "s.db",
                                        "--reports", "out"], in: scratch.root)
        XCTAssertEqual(reconcile.status, 3, "the injected oddities are breaks: \(reconcile.stderr)")
        seen["replay_breaks"] = FileManager.default.contents(atPath: scratch.path("out/reconciliation/2026-11-05/replay_breaks.csv"))
        return seen
    }

    func testEveryFileDeliveredTwiceEndsByteIdentical() throws {
        try XCTSkipIf(days.isEmpty, "SampleData/days is missing")
        let once = try replay(into: try Scratch(), twice: false)
        let twice = try replay(into: try Scratch(), twice: true)
        XCTAssertEqual(Set(once.keys), Set(twice.keys))
        for (name, bytes) in once where twice[name] != bytes {
            XCTFail("\(name) differs when every file is delivered twice")
        }
        // October closed with statements for every supplier that had lines, late lines in November.
        let sheets = String(decoding: once["sheets"] ?? Data(), as: UTF8.self)
        XCTAssertTrue(sheets.contains("SUP-0001-ENT-BJ-CNY-20261001,SUP-0001,ENT-BJ,CNY,commission,2026-10-01,2026-10-31,closed"))
        let lines = String(decoding: once["fee-lines"] ?? Data(), as: UTF8.self).split(separator: "\n")
        XCTAssertTrue(lines.contains { $0.hasPrefix("SUP-0001-ENT-BJ-CNY-20261101,SUP-0001,2026-10-22,refund,R2026102200002,")
                                       && $0.hasSuffix(",1,2026-10-01") },
                      "the late October return of SUP-0001 lands in November's sheet")
        XCTAssertTrue(lines.contains { $0.hasPrefix("SUP-0008-ENT-BJ-CNY-20261101,SUP-0008,2026-10-24,refund,R2026102400003,")
                                       && $0.contains(",COST,reverse,") && $0.hasSuffix(",1,2026-10-01") },
                      "the late October return of SUP-0008 reverses its cost in November's sheet")
        // The sample dealer's month (SampleData/README.md, "The buyer side"): two bills, late
        // fees, a freeze and its lifting, an on-time discount; October's rebates, settled by
        // the close, on its statement.
        let text = { (name: String) in String(decoding: once[name] ?? Data(), as: UTF8.self) }
        XCTAssertTrue(text("bills").contains("""
            DLR-9001,2026-10-03,2026-10-04,1800.00,0.00,1800.00,6.00,6.00,0.00,0.00
            DLR-9001,2026-11-03,2026-11-04,600.00,94.00,600.00,0.00,0.00,20.00,0.00

            """), text("bills"))
        XCTAssertTrue(text("freezes").contains("\nDLR-9001,2026-10-07,2026-10-09\n"), text("freezes"))
        XCTAssertEqual(text("buyers/DLR-9001/rebates/monthly/2026-10-01/lines.csv"), """
            buyer_id,policy_id,kind,period_id,base,amount,funded_by
            DLR-9001,CAT-HOME-DLR9001,category,2026-10-01,2400.00,48.00,supplier
            DLR-9001,T-MONTH-MARGINAL-DLR9001,tiered,2026-10-01,2400.00,18.00,platform
            DLR-9001,T-MONTH-WHOLE,tiered,2026-10-01,2400.00,12.00,platform

            """)
        XCTAssertTrue(text("buyers/DLR-9001/bills/2026-11-03/summary.csv").hasSuffix("PREPAID_APPLIED,,94.00\nDUE,,506.00\n"))
        for kind in ["order_total", "category", "special_sku", "tiered"] {
            XCTAssertTrue(text("rebates").contains(",\(kind),2026-10-01,"), "a movement of every kind: \(kind)")
        }
        // Replay reconciliation: exactly the rows the oddities broke. The four bad order rows and
        // the bad refund were quarantined, so the journal's rows are missing from the store; the
        // conflicting completion was refused, so the stored line never completed.
        let breaks = String(decoding: once["replay_breaks"] ?? Data(), as: UTF8.self).split(separator: "\n")
            .dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).prefix(4).joined(separator: ",") }
        XCTAssertEqual(breaks, [
            "replay_missing,orders,O2026100400006-1/1,(row)",
            "replay_missing,orders,O2026100800018-1/1,(row)",
            "replay_missing,orders,O2026101600003-1/1,(row)",
            "replay_missing,orders,O2026102300015-1/1,(row)",
            "replay_mismatch,orders,O2026102400007-1/1,completed_at",
            "replay_missing,refunds,R2026102100002/O2026101200020-1/1,(row)",
        ])
    }
}
