// Replay/WhatIf.swift: "what if this rule had been different". One journal is replayed once;
// its feeds are settled night by night under two configurations in scratch stores, and the
// fee lines are compared per supplier, period and fee code. Nothing touches the real store.
import Foundation
import MallCore
import MallIO
import MallStore

public struct WhatIfRow: Sendable, Equatable {
    public var supplierID: String
    public var periodStart: String
    public var feeCode: String
    public var linesA = 0
    public var amountA = Money.zero
    public var linesB = 0
    public var amountB = Money.zero
    public var difference: Money { amountB - amountA }
}

public struct WhatIfResult: Sendable {
    public var rows: [WhatIfRow]
    public var replay: ReplaySummary
    public var nights: Int
    /// Rows quarantined while settling (the same feeds go to both sides).
    public var quarantinedA: Int
    public var quarantinedB: Int
}

public enum WhatIf {
    /// Settles the replayed feeds under `configA` and `configB`. `scratch` is an empty folder
    /// that receives the replayed feeds and both stores (kept for inspection).
    public static func compare(journal: String, catalog: Catalog, configA: MallConfig, configB: MallConfig,
                               scratch: String, progress: ProgressLog) throws -> WhatIfResult {
        let feeds = "\(scratch)/feeds"
        progress.note("replaying \(journal)")
        let replay = try Replay.run(journal: journal, catalog: catalog, out: feeds, progress: progress)
        let days = try FileManager.default.contentsOfDirectory(atPath: feeds)
            .filter { Day(parsing: $0) != nil }.sorted()
        var totals: [String: WhatIfRow] = [:]
        var quarantined: [Int] = []
        for (side, config) in [("a", configA), ("b", configB)] {
            let db = try Database(path: "\(scratch)/\(side).db")
            try db.migrateForSettlement()
            let nightly = Nightly(db: db, config: config, reportsDir: "\(scratch)/reports-\(side)", progress: ProgressLog(enabled: false))
            let stages = PipelineFile(inbox: nil, config: nil, reports: nil, db: nil, stages: [.ingest, .post], requireDoneMarker: false)
            var held = 0
            for day in days {
                progress.note("settling \(day) under configuration \(side.uppercased())")
                let (record, status) = nightly.run(asOf: Day(parsing: day)!, inbox: "\(feeds)/\(day)", pipeline: stages)
                if status == .failed { throw ReplayError(message: "settling \(day) under configuration \(side.uppercased()) failed: \(record?.failure ?? "")") }
                held += record?.quarantined.count ?? 0
            }
            quarantined.append(held)
            var periodOf: [String: String] = [:]
            try db.query("SELECT sheet_id, period_start FROM sheets") { periodOf[$0.string("sheet_id")] = $0.string("period_start") }
            try FeeLineExport.rows(db, filter: "", []) { _, texts in
                let (sheet, supplier, code, amount) = (texts[0], texts[1], texts[8], Money.parse(texts[10]))
                let period = periodOf[sheet] ?? ""
                let key = "\(supplier)\u{1F}\(period)\u{1F}\(code)"
                var row = totals[key] ?? WhatIfRow(supplierID: supplier, periodStart: period, feeCode: code)
                let fen = (try? amount.get()) ?? .zero
                if side == "a" { row.linesA += 1; row.amountA += fen } else { row.linesB += 1; row.amountB += fen }
                totals[key] = row
            }
        }
        let order = FeeCodeOrder()
        let rows = totals.values.sorted {
            ($0.supplierID, $0.periodStart, order.rank($0.feeCode), $0.feeCode)
                < ($1.supplierID, $1.periodStart, order.rank($1.feeCode), $1.feeCode)
        }
        return WhatIfResult(rows: rows, replay: replay, nights: days.count,
                            quarantinedA: quarantined[0], quarantinedB: quarantined[1])
    }

    public static let columns = ["supplier_id", "period_start", "fee_code", "lines_a", "amount_a", "lines_b", "amount_b", "difference"]

    /// Writes `whatif.csv` (every supplier, period and fee code) and `whatif.html` (the
    /// differences, with totals per supplier) into `folder`.
    public static func write(_ result: WhatIfResult, labelA: String, labelB: String, to folder: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let csvRows: [[CSVCell]] = result.rows.map {
            [.text($0.supplierID), .text($0.periodStart), .text($0.feeCode), .number(String($0.linesA)),
             .number($0.amountA.description), .number(String($0.linesB)), .number($0.amountB.description),
             .number($0.difference.description)]
        }
        try AtomicFile.write(CSVEncoder.document(header: columns, rows: csvRows), to: "\(folder)/whatif.csv")
        try AtomicFile.write(html(result, labelA: labelA, labelB: labelB), to: "\(folder)/whatif.html")
    }

    static func html(_ result: WhatIfResult, labelA: String, labelB: String) -> String {
        let e = HTML.escape
        var bySupplier: [String: (Money, Money)] = [:]
        for row in result.rows {
            let t = bySupplier[row.supplierID] ?? (.zero, .zero)
            bySupplier[row.supplierID] = (t.0 + row.amountA, t.1 + row.amountB)
        }
        let changed = result.rows.filter { $0.difference != .zero || $0.linesA != $0.linesB }
        var out = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>What if: \(e(labelB)) instead of \(e(labelA))</title>
            <style>
            body{font-family:system-ui,sans-serif;margin:2em;color:#222}
            table{border-collapse:collapse;margin:1em 0}
            th,td{border:1px solid #ccc;padding:.3em .6em}
            th{background:#f3f3f3;text-align:left}
            th.n{text-align:right}
            td.n{text-align:right;font-variant-numeric:tabular-nums}
            .neg{color:#a00}.pos{color:#060}
            </style></head><body>
            <h1>What if: settled under B instead of A</h1>
            <p>A: <code>\(e(labelA))</code><br>B: <code>\(e(labelB))</code></p>
            <p>\(result.replay.events) journal events replayed (\(result.replay.rejected) refused), \(result.nights) nights settled on each side.
            Amounts are what the supplier is owed (positive) or charged (negative); the difference is B − A.</p>
            <h2>Per supplier</h2>
            <table><tr><th>supplier</th><th>net under A</th><th>net under B</th><th>difference</th></tr>

            """
        for (supplier, t) in bySupplier.sorted(by: { $0.key < $1.key }) {
            let d = t.1 - t.0
            out += "<tr><td>\(e(supplier))</td><td class=n>\(t.0)</td><td class=n>\(t.1)</td><td class=\"n \(d.fen < 0 ? "neg" : d.fen > 0 ? "pos" : "")\">\(d)</td></tr>\n"
        }
        let all = bySupplier.values.reduce((Money.zero, Money.zero)) { ($0.0 + $1.0, $0.1 + $1.1) }
        let allDifference = all.1 - all.0
        out += "<tr><th>all suppliers</th><th class=n>\(all.0)</th><th class=n>\(all.1)</th><th class=\"n \(allDifference.fen < 0 ? "neg" : allDifference.fen > 0 ? "pos" : "")\">\(allDifference)</th></tr>\n"
        out += "</table>\n<h2>Changed fee codes per supplier and period</h2>\n"
        if changed.isEmpty {
            out += "<p>No fee line differs.</p>\n"
        } else {
            out += "<table><tr><th>supplier</th><th>period from</th><th>fee code</th><th>lines A</th><th>amount A</th><th>lines B</th><th>amount B</th><th>difference</th></tr>\n"
            for r in changed {
                let d = r.difference
                out += "<tr><td>\(e(r.supplierID))</td><td>\(e(r.periodStart))</td><td>\(e(r.feeCode))</td><td class=n>\(r.linesA)</td><td class=n>\(r.amountA)</td><td class=n>\(r.linesB)</td><td class=n>\(r.amountB)</td><td class=\"n \(d.fen < 0 ? "neg" : d.fen > 0 ? "pos" : "")\">\(d)</td></tr>\n"
            }
            out += "</table>\n"
        }
        return out + "</body></html>\n"
    }
}

/// Fee codes in the order of the SPEC section 5 tables, for sorting reports.
struct FeeCodeOrder {
    private let ranks: [String: Int]
    init() {
        var ranks: [String: Int] = [:]
        for (i, code) in FeeCode.allCases.enumerated() { ranks[code.rawValue] = i }
        self.ranks = ranks
    }
    func rank(_ code: String) -> Int { ranks[code] ?? Int.max }
}
