// RebateSettle: settles the rebate periods at close (SPEC §7). `close --through DATE` without
// `--supplier` calls it before any sheet closes: every rebate period of every cycle in use
// whose last day is on or before DATE and that is not settled yet is settled once — its
// movements stored on the buyers' rebate accounts and its supplier-funded amounts charged as
// REBATE_FUNDING fee lines — in one transaction. Re-running finds nothing to do.
//
// A period's base is read by posting date: the forward lines and refunds that posted into it
// (a period not settled yet has counted nothing), and the rows placed in it by the nightly's
// rebates stage because they posted into a period already settled (`rebate_late`). That stage
// reads only the rows posted since it last ran (`rebate_progress`), so neither a night nor a
// close reads the history of settled periods.

import MallCore
import MallStore

/// What settling did.
public struct RebateSettleSummary: Sendable {
    /// The periods settled, as `cycle:period id`.
    public var periods: [String] = []
    public var movements = 0
    public var fundingLines = 0
}

/// A row of a buyer's base posted since the rebates stage last ran, with the date it posted on.
struct PostedRebateRow {
    /// 1 a forward line (order_lines.id), 2 a refund (refunds.id), as `rebate_late.kind`.
    let kind: Int64
    let key: Int64
    let postingDate: Day
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
            var balances: [String: Int64] = [:]
            for cycle in cycles {
                try settle(cycle, through: through, asOf: asOf, writer: writer, sheets: sheets, balances: &balances,
                           into: &summary)
            }
            // Each buyer's account moves once, by the sum of its movements.
            let account = try db.prepare("""
                INSERT INTO rebate_accounts(buyer_id, balance) VALUES (?, ?)
                ON CONFLICT (buyer_id) DO UPDATE SET balance = balance + excluded.balance
                """)
            for (buyer, change) in balances.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
                try account.bind(1, buyer)
                try account.bind(2, change)
                try account.run()
            }
            try writer.finish()
            try sheets.flush()
        }
        return summary
    }

    private func settle(_ cycle: RebateCycle, through: Day, asOf: Day, writer: FeeLineWriter, sheets: SheetBook,
                        balances: inout [String: Int64], into summary: inout RebateSettleSummary) throws {
        let settledThrough = try settledThrough(cycle)
        // The last period of the cycle whose last day is on or before `through`.
        let lastDue = cycle.period(containing: through.adding(days: 1)).start.adding(days: -1)
        guard settledThrough.map({ $0 < lastDue }) ?? true else { return }
        var byPeriod: [Day: [RebateRow]] = [:]
        try baseRows(cycle, after: settledThrough, through: lastDue) { postingDate, latePeriod, row in
            let period = latePeriod.map(cycle.period(startingOn:)) ?? cycle.period(containing: postingDate)
            byPeriod[period.start, default: []].append(row)
        }
        for start in byPeriod.keys.sorted() {
            let period = cycle.period(startingOn: start)
            let rows = byPeriod[start]!
            let movements = RebateCalculator.movements(policies: config.rebatePolicies, cycle: cycle, period: period,
                                                       rows: rows)
            for movement in movements {
                try store(movement, settledOn: through, asOf: asOf, writer: writer, sheets: sheets, into: &summary)
                balances[movement.buyerID, default: 0] += movement.amount
            }
            // The buyers' rebate statements of the period are due (BuyerStatements/).
            try BuyerStatementStore.settled(db, cycle: cycle, period: period, movements: movements)
            summary.periods.append("\(cycle.rawValue):\(period.id)")
        }
        try db.run("""
            INSERT INTO rebate_cycles(cycle, settled_through) VALUES (?, ?)
            ON CONFLICT (cycle) DO UPDATE SET settled_through = excluded.settled_through
            """, [.int(cycle.storeCode), .text(lastDue.description)])
    }

    /// One movement (its amount moves the buyer's account once all are stored), and its
    /// supplier parts as REBATE_FUNDING lines of −part posted on the period's last day.
    private func store(_ movement: RebateMovement, settledOn: Day, asOf: Day, writer: FeeLineWriter, sheets: SheetBook,
                       into summary: inout RebateSettleSummary) throws {
        let insert = try db.prepare("""
            INSERT INTO rebate_movements(buyer_id, policy_id, kind, period_start, base, amount, funded_by, settled_on)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """)
        try insert.bind(1, movement.buyerID)
        try insert.bind(2, movement.policyID)
        try insert.bind(3, movement.kind.rawValue)
        try insert.bind(4, movement.period.id)
        try insert.bind(5, movement.base)
        try insert.bind(6, movement.amount)
        try insert.bind(7, movement.fundedBy.rawValue)
        try insert.bind(8, settledOn.description)
        try insert.run()
        let movementKey = db.lastInsertRowID
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

    /// Run by the nightly's rebates stage after posting: each row posted since the stage last
    /// ran into a rebate period already settled counts in the period of the same cycle
    /// containing `asOf` (SPEC §7), recorded once in `rebate_late`. The rows posted since are
    /// the forward postings listed after `rebate_progress.sheet_lines_through` and the refunds
    /// posted by a run after `run_through`: a night reads only its own rows. Rows are placed
    /// whether or not policies are configured now, so that policies added later find them.
    public func placeLateRows(asOf: Day, runSeq: Int64) throws -> Int {
        var placed = 0
        try db.transaction {
            var marks = (sheetLines: Int64(0), run: Int64(0))
            try db.query("SELECT sheet_lines_through, run_through FROM rebate_progress") {
                marks = ($0.int("sheet_lines_through"), $0.int("run_through"))
            }
            let topSheetLines = try db.scalar("SELECT max(id) FROM forward_sheet_lines")
            let settled = try RebateCycle.allCases.compactMap { cycle in try settledThrough(cycle).map { (cycle, $0) } }
            if let latest = settled.map(\.1).max() {
                let insert = try db.prepare("INSERT OR IGNORE INTO rebate_late(cycle, kind, source_key, period_start) VALUES (?, ?, ?, ?)")
                for posted in try rowsPosted(afterSheetLines: marks.sheetLines, afterRun: marks.run, onOrBefore: latest) {
                    for (cycle, settledThrough) in settled where posted.postingDate <= settledThrough {
                        var period = cycle.period(containing: asOf)
                        while period.end <= settledThrough { period = cycle.period(startingOn: period.end.adding(days: 1)) }
                        try insert.bind(1, cycle.storeCode)
                        try insert.bind(2, posted.kind)
                        try insert.bind(3, posted.key)
                        try insert.bind(4, period.id)
                        try insert.run()
                        placed += 1
                    }
                }
            }
            if case .int(let top)? = topSheetLines { marks.sheetLines = max(marks.sheetLines, top) }
            try db.run("UPDATE rebate_progress SET sheet_lines_through = ?, run_through = ?",
                       [.int(marks.sheetLines), .int(max(marks.run, runSeq))])
        }
        return placed
    }

    /// The columns of a base row: the order line's buyer, level, category, SKU and supplier.
    private static let lineColumns = "o.buyer_id AS buyer_id, o.member_level AS member_level, o.category AS category, o.sku AS sku, o.supplier_id AS supplier_id"

    private func rebateRow(_ row: Statement, amount: Int64) -> RebateRow {
        let level = row.text("member_level").flatMap { $0.isEmpty ? nil : $0 }
        return RebateRow(buyerID: row.string("buyer_id"), memberLevel: level, category: row.string("category"),
                         sku: row.string("sku"), supplierID: row.string("supplier_id"), amount: amount)
    }

    /// Nanoseconds at 00:00 UTC of `day`: a business date's instants lie within a day of it.
    private static func utcMidnight(_ day: Day) -> Int64 { Int64(day.ordinal) * 86_400 * Instant.nanosPerSecond }

    /// An SQL condition (` AND …`, over the order line `o`) keeping only the rows some of
    /// `policies` can take, or nothing when one of them takes every buyer's rows: rows of a
    /// level, buyer or SKU no policy names earn nothing, and need not be read (policies for
    /// a few thousand dealers among a hundred thousand buyers). Values are quoted for SQL.
    static func rowsAnyPolicyTakes(_ policies: [RebatePolicy]) -> String {
        var levels: Set<String> = [], buyers: Set<String> = [], skus: Set<String> = []
        for policy in policies {
            if policy.kind == .special_sku, let sku = policy.sku {
                skus.insert(sku)
            } else if let level = policy.memberLevel {
                levels.insert(level)
            } else if let buyer = policy.buyerID {
                buyers.insert(buyer)
            } else {
                return ""
            }
        }
        func list(_ texts: Set<String>) -> String {
            texts.sorted().map { "'" + $0.replacingOccurrences(of: "'", with: "''") + "'" }.joined(separator: ", ")
        }
        let terms = [("o.member_level", levels), ("o.buyer_id", buyers), ("o.sku", skus)]
            .filter { !$0.1.isEmpty }.map { "\($0.0) IN (\(list($0.1)))" }
        return terms.isEmpty ? " AND 0" : " AND (" + terms.joined(separator: " OR ") + ")"
    }

    /// The rows of buyers (guests earn nothing) that count in the periods of `cycle` after
    /// `settled` through `through`: the forward lines and posted refunds whose posting date
    /// lies in that span (none of them counted yet, as no period there is settled), and the
    /// rows the nightly placed there (`rebate_late`), in no particular order.
    func baseRows(_ cycle: RebateCycle, after settled: Day?, through: Day,
                  _ add: (_ postingDate: Day, _ latePeriod: Day?, RebateRow) -> Void) throws {
        let from = settled.map { $0.adding(days: 1) } ?? Day(ordinal: 0)
        let taken = Self.rowsAnyPolicyTakes(config.rebatePolicies.filter { $0.cycle == cycle })
        // A forward line lies in a sheet whose period ends on or after its posting date, so the
        // lowest line of the sheets ending on or after `from` bounds these from below; and every
        // posting date lies in the period of a sheet, so there are none before the first sheet
        // starts. forward_fees is then read in its own order from that line on, each order line
        // found in the same order: no sort, no random look-ups. (The calculator adds the rows up
        // by buyer, policy and supplier, so their order does not matter.)
        let firstSheet = try db.scalar("SELECT min(period_start) FROM sheets").flatMap { value -> Day? in
            if case .text(let text) = value { return Day(parsing: text) } else { return nil }
        }
        guard let firstSheet, firstSheet <= through else { return }
        if case .int(let lowest)? = try db.scalar("""
            SELECT min(j.value) FROM sheets s JOIN forward_sheet_lines l ON l.sheet_key = s.sheet_key, json_each(l.line_ids) j
            WHERE s.period_end >= ?
            """, [.text(from.description)]) {
            try db.query("""
                SELECT f.line_id AS id, f.posting_day AS posting_day, o.goods AS amount, \(Self.lineColumns)
                FROM forward_fees f JOIN order_lines o ON o.id = f.line_id
                WHERE f.line_id >= ?1 AND f.posting_day BETWEEN ?2 AND ?3 AND coalesce(o.buyer_id, '') != ''\(taken)
                """, [.int(lowest), .int(Int64(from.ordinal)), .int(Int64(through.ordinal))]) { row in
                add(Day(ordinal: Int(row.int("posting_day"))), nil, rebateRow(row, amount: row.int("amount")))
            }
        }
        try db.query("""
            SELECT r.id AS id, r.posting_at AS posting_at, r.refund_goods AS amount, \(Self.lineColumns)
            FROM refunds r JOIN order_lines o ON o.order_id = r.order_id AND o.line_no = r.line_no
            WHERE r.posted = 1 AND r.posting_at >= ?1 AND r.posting_at < ?2 AND coalesce(o.buyer_id, '') != ''\(taken)
            """, [.int(Self.utcMidnight(from.adding(days: -1))), .int(Self.utcMidnight(through.adding(days: 2)))]) { row in
            let day = config.calendar.businessDate(of: Instant(nanos: row.int("posting_at")))
            guard day >= from && day <= through else { return }
            add(day, nil, rebateRow(row, amount: -row.int("amount")))
        }
        // The rows the nightly placed in these periods.
        let late = [.int(cycle.storeCode), .text(from.description), .text(through.description)] as [SQLValue]
        try db.query("""
            SELECT l.source_key AS id, l.period_start AS period_start, f.posting_day AS posting_day, o.goods AS amount,
                   \(Self.lineColumns)
            FROM rebate_late l JOIN forward_fees f ON f.line_id = l.source_key JOIN order_lines o ON o.id = l.source_key
            WHERE l.cycle = ?1 AND l.kind = 1 AND l.period_start BETWEEN ?2 AND ?3 AND coalesce(o.buyer_id, '') != ''
            ORDER BY l.source_key
            """, late) { row in
            add(Day(ordinal: Int(row.int("posting_day"))), Day(parsing: row.string("period_start")),
                rebateRow(row, amount: row.int("amount")))
        }
        try db.query("""
            SELECT l.source_key AS id, l.period_start AS period_start, r.posting_at AS posting_at, r.refund_goods AS amount,
                   \(Self.lineColumns)
            FROM rebate_late l JOIN refunds r ON r.id = l.source_key
            JOIN order_lines o ON o.order_id = r.order_id AND o.line_no = r.line_no
            WHERE l.cycle = ?1 AND l.kind = 2 AND l.period_start BETWEEN ?2 AND ?3 AND coalesce(o.buyer_id, '') != ''
            ORDER BY l.source_key
            """, late) { row in
            add(config.calendar.businessDate(of: Instant(nanos: row.int("posting_at"))), Day(parsing: row.string("period_start")),
                rebateRow(row, amount: -row.int("amount")))
        }
    }

    /// The rows of buyers posted since the marks — forward lines of the postings listed after
    /// `afterSheetLines`, refunds posted by a run after `afterRun` — whose posting date is on
    /// or before `onOrBefore`.
    private func rowsPosted(afterSheetLines: Int64, afterRun: Int64, onOrBefore: Day) throws -> [PostedRebateRow] {
        var rows: [PostedRebateRow] = []
        try db.query("""
            SELECT f.line_id AS id, f.posting_day AS posting_day
            FROM forward_sheet_lines l, json_each(l.line_ids) j
            JOIN forward_fees f ON f.line_id = j.value JOIN order_lines o ON o.id = f.line_id
            WHERE l.id > ?1 AND f.posting_day <= ?2 AND coalesce(o.buyer_id, '') != ''
            ORDER BY f.line_id
            """, [.int(afterSheetLines), .int(Int64(onOrBefore.ordinal))]) { row in
            rows.append(PostedRebateRow(kind: 1, key: row.int("id"), postingDate: Day(ordinal: Int(row.int("posting_day")))))
        }
        try db.query("""
            SELECT r.id AS id, r.posting_at AS posting_at
            FROM refunds r JOIN order_lines o ON o.order_id = r.order_id AND o.line_no = r.line_no
            WHERE r.posted_run > ?1 AND r.posted = 1 AND coalesce(o.buyer_id, '') != ''
            ORDER BY r.id
            """, [.int(afterRun)]) { row in
            let day = config.calendar.businessDate(of: Instant(nanos: row.int("posting_at")))
            guard day <= onOrBefore else { return }
            rows.append(PostedRebateRow(kind: 2, key: row.int("id"), postingDate: day))
        }
        return rows
    }

    /// The store migration the rebates stage's marks need (`Database.migrateForSettlement`).
    static let migrations = [
        Migration(version: 10, name: "rebate base read by posting date", sql: """
            -- How far the nightly's rebates stage has looked: the forward postings listed up to
            -- forward_sheet_lines.id sheet_lines_through, and the refunds posted by runs up to
            -- run_through (refunds.posted_run). Periods are settled from the rows' posting
            -- dates; rebate_counted is no longer written.
            CREATE TABLE rebate_progress (
                one INTEGER PRIMARY KEY CHECK (one = 1),
                sheet_lines_through INTEGER NOT NULL,
                run_through INTEGER NOT NULL
            ) STRICT;
            INSERT INTO rebate_progress(one, sheet_lines_through, run_through)
                VALUES (1, coalesce((SELECT max(id) FROM forward_sheet_lines), 0),
                           coalesce((SELECT max(run_seq) FROM runs), 0));
            -- The run that posted a refund (NULL: not posted, or posted before this migration).
            ALTER TABLE refunds ADD COLUMN posted_run INTEGER;
            CREATE INDEX refunds_posted_run ON refunds(posted_run) WHERE posted_run IS NOT NULL;
            CREATE INDEX refunds_posting_at ON refunds(posting_at) WHERE posted = 1;
            """),
    ]
}

/// Settling rebates cannot go on (a funding supplier no longer configured).
public struct RebateSettleError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
