// Sheets: each supplier's settlement sheets, and which sheet a fee line goes to (SPEC §6).

import MallCore
import MallStore

/// A settlement sheet's identity and state as the posting stage needs it.
struct SheetState {
    let key: Int64
    let sheetID: String
    let supplierID: String
    let period: Period
    var status: String
}

/// The sheets of the store, loaded once per stage, creating sheets as lines need them.
final class SheetBook {
    let db: Database
    let config: MallConfig
    private var sheets: [String: SheetState] = [:]
    /// The start of each supplier's latest closed (or paid) period.
    private var latestClosedStart: [String: Day] = [:]
    /// Lines and amount added per sheet and fee code in this stage, written back by `flush`.
    private var added: [SheetCode: (lines: Int64, amount: Int64)] = [:]

    private struct SheetCode: Hashable, Comparable {
        let sheetKey: Int64
        let code: Int64
        static func < (a: SheetCode, b: SheetCode) -> Bool { (a.sheetKey, a.code) < (b.sheetKey, b.code) }
    }
    /// `target` answers by (supplier, posting date) within one stage.
    private var targets: [TargetKey: (SheetState, Period?)] = [:]

    private struct TargetKey: Hashable {
        let supplierID: String
        let postingDay: Int
        let asOfDay: Int
    }

    init(db: Database, config: MallConfig) throws {
        self.db = db
        self.config = config
        try db.query("SELECT sheet_key, sheet_id, supplier_id, period_start, period_end, status FROM sheets") { row in
            guard let start = Day(parsing: row.string(3)), let end = Day(parsing: row.string(4)) else { return }
            let state = SheetState(key: row.int(0), sheetID: row.string(1), supplierID: row.string(2),
                                   period: Period(start: start, end: end), status: row.string(5))
            sheets[state.sheetID] = state
            if state.status != "open" {
                latestClosedStart[state.supplierID] = max(latestClosedStart[state.supplierID] ?? start, start)
            }
        }
    }

    static func sheetID(_ supplier: Supplier, currency: String, periodStart: Day) -> String {
        "\(supplier.id)-\(supplier.entity)-\(currency)-\(periodStart.compact)"
    }

    /// The sheet of `supplier` for the period starting `start`, created open if missing.
    @discardableResult
    func sheet(_ supplier: Supplier, periodStarting start: Day) throws -> SheetState {
        let id = SheetBook.sheetID(supplier, currency: config.currency, periodStart: start)
        if let existing = sheets[id] { return existing }
        let period = supplier.cycle.period(startingOn: start)
        try db.run("""
            INSERT INTO sheets(sheet_id, supplier_id, entity, currency, mode, period_start, period_end, status, draft_pending)
            VALUES (?, ?, ?, ?, ?, ?, ?, 'open', 1)
            """, [.text(id), .text(supplier.id), .text(supplier.entity), .text(config.currency),
                  .text(supplier.mode.rawValue), .text(period.start.description), .text(period.end.description)])
        let state = SheetState(key: db.lastInsertRowID, sheetID: id, supplierID: supplier.id, period: period, status: "open")
        sheets[id] = state
        return state
    }

    /// Where a line posted on `postingDate` goes in a run as of `asOf`: its own period's sheet,
    /// or — when that sheet or a later one of the supplier is closed — the first open sheet
    /// from the as-of period on, marked late with the period it belonged to.
    func target(_ supplier: Supplier, postingDate: Day, asOf: Day) throws -> (sheet: SheetState, lateFrom: Period?) {
        let key = TargetKey(supplierID: supplier.id, postingDay: postingDate.ordinal, asOfDay: asOf.ordinal)
        if let known = targets[key] { return known }
        let natural = supplier.cycle.period(containing: postingDate)
        let closedLater = latestClosedStart[supplier.id].map { $0 > natural.start } ?? false
        let naturalID = SheetBook.sheetID(supplier, currency: config.currency, periodStart: natural.start)
        let naturalOpen = sheets[naturalID].map { $0.status == "open" } ?? true
        var result: (SheetState, Period?)
        if naturalOpen && !closedLater {
            result = (try sheet(supplier, periodStarting: natural.start), nil)
        } else {
            var start = supplier.cycle.periodStart(containing: max(asOf, postingDate))
            while true {
                let candidate = try sheet(supplier, periodStarting: start)
                let closedAfter = latestClosedStart[supplier.id].map { $0 > start } ?? false
                if candidate.status == "open" && !closedAfter { result = (candidate, natural); break }
                start = supplier.cycle.nextPeriodStart(after: start)
            }
        }
        targets[key] = result
        return result
    }

    /// Counts a line into its sheet's totals (aggregated here, written by `flush`).
    func add(_ sheetKey: Int64, code: FeeCode, amount: Int64) {
        let key = SheetCode(sheetKey: sheetKey, code: code.storeCode)
        let current = added[key] ?? (0, 0)
        added[key] = (current.lines + 1, current.amount + amount)
    }

    /// Marks a sheet closed in this book (the caller writes the store).
    func markClosed(_ sheetID: String) {
        guard var state = sheets[sheetID] else { return }
        state.status = "closed"
        sheets[sheetID] = state
        latestClosedStart[state.supplierID] = max(latestClosedStart[state.supplierID] ?? state.period.start, state.period.start)
        targets.removeAll()
    }

    /// Writes the added lines and amounts into the sheets and their fee-code totals, marking
    /// their drafts due.
    func flush() throws {
        var bySheet: [Int64: (lines: Int64, net: Int64)] = [:]
        for (key, totals) in added.sorted(by: { $0.key < $1.key }) {
            try db.run("""
                INSERT INTO sheet_totals(sheet_key, fee_code, lines, amount) VALUES (?, ?, ?, ?)
                ON CONFLICT (sheet_key, fee_code) DO UPDATE SET lines = lines + excluded.lines,
                                                               amount = amount + excluded.amount
                """, [.int(key.sheetKey), .int(key.code), .int(totals.lines), .int(totals.amount)])
            let sheet = bySheet[key.sheetKey] ?? (0, 0)
            bySheet[key.sheetKey] = (sheet.lines + totals.lines, sheet.net + totals.amount)
        }
        for (sheetKey, totals) in bySheet.sorted(by: { $0.key < $1.key }) {
            try db.run("UPDATE sheets SET lines = lines + ?, net = net + ?, draft_pending = 1 WHERE sheet_key = ?",
                       [.int(totals.lines), .int(totals.net), .int(sheetKey)])
        }
        added.removeAll()
    }
}
