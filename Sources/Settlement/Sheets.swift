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
    /// Lines and amount added in this stage, written back by `flush`: for the sheet in slot
    /// `addedSlots[sheetKey]`, the totals of the fee code of store code c are at
    /// `added[slot * codeCount + c - 1]` (a flat array: millions of lines are added).
    private var addedSlots: [Int64: Int] = [:]
    private var added: [(lines: Int64, amount: Int64)] = []
    private static let codeCount = FeeCode.allCases.count

    /// `target` answers by (supplier, posting date) within one stage.
    private var targets: [TargetKey: (key: Int64, lateFrom: Period?)] = [:]

    private struct TargetKey: Hashable {
        let supplierID: String
        let postingDay: Int
        let asOfDay: Int
    }
    /// The same answers by the supplier's position in the configuration: forward posting asks
    /// once per order line, and hashing three integers is cheaper than hashing an id.
    private var targetsByPosition: [PositionKey: (key: Int64, lateFrom: Period?)] = [:]

    private struct PositionKey: Hashable {
        let supplierPosition: Int
        let postingDay: Int
        let asOfDay: Int
    }

    init(db: Database, config: MallConfig) throws {
        self.db = db
        self.config = config
        try db.query("SELECT sheet_key, sheet_id, supplier_id, period_start, period_end, status FROM sheets") { row in
            guard let start = Day(parsing: row.string("period_start")), let end = Day(parsing: row.string("period_end")) else { return }
            let state = SheetState(key: row.int("sheet_key"), sheetID: row.string("sheet_id"), supplierID: row.string("supplier_id"),
                                   period: Period(start: start, end: end), status: row.string("status"))
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
    func target(_ supplier: Supplier, postingDate: Day, asOf: Day) throws -> (key: Int64, lateFrom: Period?) {
        let key = TargetKey(supplierID: supplier.id, postingDay: postingDate.ordinal, asOfDay: asOf.ordinal)
        if let known = targets[key] { return known }
        let natural = supplier.cycle.period(containing: postingDate)
        let closedLater = latestClosedStart[supplier.id].map { $0 > natural.start } ?? false
        let naturalID = SheetBook.sheetID(supplier, currency: config.currency, periodStart: natural.start)
        let naturalOpen = sheets[naturalID].map { $0.status == "open" } ?? true
        var result: (key: Int64, lateFrom: Period?)
        if naturalOpen && !closedLater {
            result = (try sheet(supplier, periodStarting: natural.start).key, nil)
        } else {
            var start = supplier.cycle.periodStart(containing: max(asOf, postingDate))
            while true {
                let candidate = try sheet(supplier, periodStarting: start)
                let closedAfter = latestClosedStart[supplier.id].map { $0 > start } ?? false
                if candidate.status == "open" && !closedAfter { result = (candidate.key, natural); break }
                start = supplier.cycle.nextPeriodStart(after: start)
            }
        }
        targets[key] = result
        return result
    }

    /// `target` for the supplier at `supplierPosition` in `config.suppliers`.
    func target(supplierAt supplierPosition: Int, postingDate: Day, asOf: Day) throws -> (key: Int64, lateFrom: Period?) {
        let key = PositionKey(supplierPosition: supplierPosition, postingDay: postingDate.ordinal, asOfDay: asOf.ordinal)
        if let known = targetsByPosition[key] { return known }
        let result = try target(config.suppliers[supplierPosition], postingDate: postingDate, asOf: asOf)
        targetsByPosition[key] = result
        return result
    }

    /// Where the totals of `sheetKey` start in `added`.
    private func addedBase(_ sheetKey: Int64) -> Int {
        if let slot = addedSlots[sheetKey] { return slot * SheetBook.codeCount }
        addedSlots[sheetKey] = addedSlots.count
        added.append(contentsOf: repeatElement((lines: 0, amount: 0), count: SheetBook.codeCount))
        return added.count - SheetBook.codeCount
    }

    /// Counts a line into its sheet's totals (aggregated here, written by `flush`).
    func add(_ sheetKey: Int64, code: FeeCode, amount: Int64) {
        let index = addedBase(sheetKey) + Int(code.storeCode) - 1
        added[index].lines += 1
        added[index].amount += amount
    }

    /// Counts the forward lines of one order line into its sheet's totals; returns how many.
    func add(_ sheetKey: Int64, _ fees: ForwardFees) -> Int {
        let base = addedBase(sheetKey)
        var count = 0
        fees.forEachLine { code, amount in
            let index = base + Int(code.storeCode) - 1
            added[index].lines += 1
            added[index].amount += amount
            count += 1
        }
        return count
    }

    /// Marks a sheet closed in this book (the caller writes the store).
    func markClosed(_ sheetID: String) {
        guard var state = sheets[sheetID] else { return }
        state.status = "closed"
        sheets[sheetID] = state
        latestClosedStart[state.supplierID] = max(latestClosedStart[state.supplierID] ?? state.period.start, state.period.start)
        targets.removeAll()
        targetsByPosition.removeAll()
    }

    /// Writes the added lines and amounts into the sheets and their fee-code totals, marking
    /// their drafts due.
    func flush() throws {
        var bySheet: [(sheetKey: Int64, lines: Int64, net: Int64)] = []
        for (sheetKey, slot) in addedSlots.sorted(by: { $0.key < $1.key }) {
            var sheet: (lines: Int64, net: Int64) = (0, 0)
            for codeIndex in 0..<SheetBook.codeCount {
                let totals = added[slot * SheetBook.codeCount + codeIndex]
                guard totals.lines > 0 else { continue }
                try db.run("""
                    INSERT INTO sheet_totals(sheet_key, fee_code, lines, amount) VALUES (?, ?, ?, ?)
                    ON CONFLICT (sheet_key, fee_code) DO UPDATE SET lines = lines + excluded.lines,
                                                                   amount = amount + excluded.amount
                    """, [.int(sheetKey), .int(Int64(codeIndex + 1)), .int(totals.lines), .int(totals.amount)])
                sheet = (sheet.lines + totals.lines, sheet.net + totals.amount)
            }
            if sheet.lines > 0 { bySheet.append((sheetKey, sheet.lines, sheet.net)) }
        }
        for totals in bySheet {
            try db.run("UPDATE sheets SET lines = lines + ?, net = net + ?, draft_pending = 1 WHERE sheet_key = ?",
                       [.int(totals.lines), .int(totals.net), .int(totals.sheetKey)])
        }
        addedSlots.removeAll()
        added.removeAll()
    }
}
