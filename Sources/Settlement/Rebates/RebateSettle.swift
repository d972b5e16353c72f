// RebateSettle: settles the rebate periods at close (SPEC §7). `close --through DATE` without
// `--supplier` calls it before any sheet closes: every rebate period of every cycle in use
// whose last day is on or before DATE and that is not settled yet is settled once — its
// movements stored on the buyers' rebate accounts and its supplier-funded amounts charged as
// REBATE_FUNDING fee lines — in one transaction. Re-running finds nothing to do.

import MallCore
import MallStore

/// What settling did.
public struct RebateSettleSummary: Sendable {
    /// The periods settled, as `cycle:period id`.
    public var periods: [String] = []
    public var movements = 0
    public var fundingLines = 0
}

/// A row of the base not counted in a settled period yet, with the date it posted on.
struct PostedRebateRow {
    /// 1 a forward line (order_lines.id), 2 a refund (refunds.id), as `rebate_counted.kind`.
    let kind: Int64
    let key: Int64
    let postingDate: Day
    /// Posted into a settled period: the start of the period it counts in (`rebate_late`).
    let latePeriod: Day?
    let row: RebateRow
}

public struct RebateSettler {
    let db: Database
    let config: MallConfig

    public init(db: Database, config: MallConfig) {
        self.db = db
        self.config = config
    }

    /// Settles every rebate period whose last day is on or before `through`, exactly once.
    /// `asOf` is the as-of date of the latest finished run: a row posted into a period already
    /// settled counts in the period containing it, and a late REBATE_FUNDING line goes to
    /// the sheet of the period containing it.
    public func settle(through: Day, asOf: Day) throws -> RebateSettleSummary {
        var summary = RebateSettleSummary()
        let policies = config.rebatePolicies
        guard !policies.isEmpty else { return summary }
        let cycles = RebateCycle.allCases.filter { cycle in policies.contains { $0.cycle == cycle } }
        try db.transaction {
            let sheets = try SheetBook(db: db, config: config)
            let writer = try FeeLineWriter(db: db, sheets: sheets)
            for cycle in cycles {
                try settle(cycle, through: through, asOf: asOf, writer: writer, sheets: sheets, into: &summary)
            }
            try writer.finish()
            try sheets.flush()
        }
        return summary
    }

    private func settle(_ cycle: RebateCycle, through: Day, asOf: Day, writer: FeeLineWriter, sheets: SheetBook,
                        into summary: inout RebateSettleSummary) throws {
        let settledThrough = try settledThrough(cycle)
        // The last period of the cycle whose last day is on or before `through`.
        let lastDue = cycle.period(containing: through.adding(days: 1)).start.adding(days: -1)
        guard settledThrough.map({ $0 < lastDue }) ?? true else { return }
        var byPeriod: [Day: [PostedRebateRow]] = [:]
        for posted in try uncountedRows(cycle) {
            var period = posted.latePeriod.map(cycle.period(startingOn:)) ?? cycle.period(containing: posted.postingDate)
            if let settledThrough, period.end <= settledThrough {
                // Posted into a settled period and not placed by the run that posted it (the
                // policies came later): counted in the period of the latest as-of date.
                period = cycle.period(containing: max(asOf, posted.postingDate))
                while period.end <= settledThrough { period = cycle.period(startingOn: period.end.adding(days: 1)) }
            }
            guard period.end <= lastDue else { continue }
            byPeriod[period.start, default: []].append(posted)
        }
        let counted = try db.prepare("INSERT INTO rebate_counted(cycle, kind, source_key, period_start) VALUES (?, ?, ?, ?)")
        for start in byPeriod.keys.sorted() {
            let period = cycle.period(startingOn: start)
            let rows = byPeriod[start]!
            let movements = RebateCalculator.movements(policies: config.rebatePolicies, cycle: cycle, period: period,
                                                       rows: rows.map(\.row))
            for movement in movements {
                try store(movement, settledOn: through, asOf: asOf, writer: writer, sheets: sheets, into: &summary)
            }
            // The buyers' rebate statements of the period are due (BuyerStatements/).
            try BuyerStatementStore.settled(db, cycle: cycle, period: period, movements: movements)
            for posted in rows.sorted(by: { ($0.kind, $0.key) < ($1.kind, $1.key) }) {
                try counted.bind(1, cycle.storeCode)
                try counted.bind(2, posted.kind)
                try counted.bind(3, posted.key)
                try counted.bind(4, period.id)
                try counted.run()
            }
            summary.periods.append("\(cycle.rawValue):\(period.id)")
        }
        try db.run("""
            INSERT INTO rebate_cycles(cycle, settled_through) VALUES (?, ?)
            ON CONFLICT (cycle) DO UPDATE SET settled_through = excluded.settled_through
            """, [.int(cycle.storeCode), .text(lastDue.description)])
    }

    /// One movement: on the buyer's account, and its supplier parts as REBATE_FUNDING lines of
    /// −part posted on the period's last day.
    private func store(_ movement: RebateMovement, settledOn: Day, asOf: Day, writer: FeeLineWriter, sheets: SheetBook,
                       into summary: inout RebateSettleSummary) throws {
        try db.run("""
            INSERT INTO rebate_movements(buyer_id, policy_id, kind, period_start, base, amount, funded_by, settled_on)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, [.text(movement.buyerID), .text(movement.policyID), .text(movement.kind.rawValue),
                  .text(movement.period.id), .int(movement.base), .int(movement.amount),
                  .text(movement.fundedBy.rawValue), .text(settledOn.description)])
        let movementKey = db.lastInsertRowID
        try db.run("""
            INSERT INTO rebate_accounts(buyer_id, balance) VALUES (?, ?)
            ON CONFLICT (buyer_id) DO UPDATE SET balance = balance + excluded.balance
            """, [.text(movement.buyerID), .int(movement.amount)])
        summary.movements += 1
        for part in movement.parts {
            guard let supplier = config.supplierByID[part.supplierID] else {
                throw RebateSettleError(message: "rebate \(movement.sourceID) is funded by supplier '\(part.supplierID)', which is not configured")
            }
            let (sheetKey, lateFrom) = try sheets.target(supplier, postingDate: movement.period.end, asOf: asOf)
            try writer.write(FeeLine(sheetKey: sheetKey, postingDate: movement.period.end, sourceType: .rebate,
                                     sourceKey: movementKey, lineKey: nil, code: .rebateFunding, amount: -part.amount,
                                     lateFrom: lateFrom, rule: .rebateFunding))
            summary.fundingLines += 1
        }
    }

    private func settledThrough(_ cycle: RebateCycle) throws -> Day? {
        guard case .text(let text)? = try db.scalar("SELECT settled_through FROM rebate_cycles WHERE cycle = ?",
                                                    [.int(cycle.storeCode)]) else { return nil }
        return Day(parsing: text)
    }

    /// Run by the nightly's rebates stage after posting: each row just posted into a rebate
    /// period already settled counts in the period of the same cycle containing `asOf`
    /// (SPEC §7), recorded once in `rebate_late`. Without policies it writes nothing.
    public func placeLateRows(asOf: Day) throws -> Int {
        guard !config.rebatePolicies.isEmpty else { return 0 }
        var placed = 0
        try db.transaction {
            let insert = try db.prepare("INSERT INTO rebate_late(cycle, kind, source_key, period_start) VALUES (?, ?, ?, ?)")
            for cycle in RebateCycle.allCases where config.rebatePolicies.contains(where: { $0.cycle == cycle }) {
                guard let settledThrough = try settledThrough(cycle) else { continue }
                var period = cycle.period(containing: asOf)
                while period.end <= settledThrough { period = cycle.period(startingOn: period.end.adding(days: 1)) }
                for posted in try uncountedRows(cycle, postedThrough: settledThrough) where posted.latePeriod == nil {
                    try insert.bind(1, cycle.storeCode)
                    try insert.bind(2, posted.kind)
                    try insert.bind(3, posted.key)
                    try insert.bind(4, period.id)
                    try insert.run()
                    placed += 1
                }
            }
        }
        return placed
    }

    /// The posted forward lines and refunds of buyers (guests earn nothing) not counted in a
    /// period of `cycle` yet, in store order; with `postedThrough`, only those posted on or
    /// before that date.
    func uncountedRows(_ cycle: RebateCycle, postedThrough: Day? = nil) throws -> [PostedRebateRow] {
        var rows: [PostedRebateRow] = []
        func row(_ statement: Statement, amount: Int64) -> RebateRow {
            let level = statement.text(2).flatMap { $0.isEmpty ? nil : $0 }
            return RebateRow(buyerID: statement.string(1), memberLevel: level, category: statement.string(3),
                             sku: statement.string(4), supplierID: statement.string(5), amount: amount)
        }
        try db.query("""
            SELECT o.id, o.buyer_id, o.member_level, o.category, o.sku, o.supplier_id, o.goods, f.posting_day, l.period_start
            FROM forward_fees f JOIN order_lines o ON o.id = f.line_id
            LEFT JOIN rebate_late l ON l.cycle = ?1 AND l.kind = 1 AND l.source_key = f.line_id
            WHERE coalesce(o.buyer_id, '') != '' AND f.posting_day <= ?2
              AND NOT EXISTS (SELECT 1 FROM rebate_counted c WHERE c.cycle = ?1 AND c.kind = 1 AND c.source_key = f.line_id)
            ORDER BY o.id
            """, [.int(cycle.storeCode), .int(Int64(postedThrough?.ordinal ?? Int.max))]) { statement in
            rows.append(PostedRebateRow(kind: 1, key: statement.int(0), postingDate: Day(ordinal: Int(statement.int(7))),
                                        latePeriod: statement.text(8).flatMap(Day.init(parsing:)),
                                        row: row(statement, amount: statement.int(6))))
        }
        try db.query("""
            SELECT r.id, o.buyer_id, o.member_level, o.category, o.sku, o.supplier_id, r.refund_goods, r.posting_at,
                   l.period_start
            FROM refunds r JOIN order_lines o ON o.order_id = r.order_id AND o.line_no = r.line_no
            LEFT JOIN rebate_late l ON l.cycle = ?1 AND l.kind = 2 AND l.source_key = r.id
            WHERE r.posted = 1 AND coalesce(o.buyer_id, '') != ''
              AND NOT EXISTS (SELECT 1 FROM rebate_counted c WHERE c.cycle = ?1 AND c.kind = 2 AND c.source_key = r.id)
            ORDER BY r.id
            """, [.int(cycle.storeCode)]) { statement in
            let day = config.calendar.businessDate(of: Instant(nanos: statement.int(7)))
            if let postedThrough, day > postedThrough { return }
            rows.append(PostedRebateRow(kind: 2, key: statement.int(0), postingDate: day,
                                        latePeriod: statement.text(8).flatMap(Day.init(parsing:)),
                                        row: row(statement, amount: -statement.int(6))))
        }
        return rows
    }
}

/// Settling rebates cannot go on (a funding supplier no longer configured).
public struct RebateSettleError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
