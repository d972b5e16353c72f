// KeptFacts: the sales facts the nightly keeps in the store, so that a night's reports cost
// what that night brought instead of a read of every order line in the store's history.
//
// The reports stage folds in what arrived since it last ran — order lines after
// `report_progress.lines_through`, refunds accepted by a run after `refund_runs_through`
// (`refunds.accepted_run`), forward postings listed after `sheet_lines_through` and other fee
// lines after `other_lines_through` — and then reads the window's 30 dates (KeptWindow.swift).
//
// What is kept (migration 12):
// - report_days: per business date of payment, DayFacts — the sums of its lines and of their
//   refunds, per SKU and tender, and its distinct orders and buyers;
// - report_buyers: each buyer's first purchase and the months it bought in (buyer_retention);
// - report_margin_lines: each purchase-mode line's units, net sales and net COST (gross_margin);
// - report_posted: fee amounts per posting date, sheet and fee code (supplier_summary);
// - report_late: late fee lines per sheet (settlement_status);
// - report_waiting: rows dated after the as-of date, folded in when the as-of date reaches them.
//
// The facts hold everything dated on or before `report_progress.as_of` and nothing after: a
// line counts from its date of payment, a refund from the later of its date and its line's,
// a forward posting or COST reversal (for the margin) from the later of its posting date and
// its line's. So the window's figures are exactly those `SalesFacts.read` makes from every
// line (KeptFactsTests holds them byte for byte, night after night). A run for an earlier
// date, a changed timezone or changed purchase-mode suppliers, or damaged bytes throw the
// kept facts away and fold every row in again (what the first refresh after the migration
// does too).

import MallCore
import MallStore

struct KeptFacts {
    let db: Database
    let config: MallConfig
    let asOf: Day
    var offsets: HourOffsets
    let purchase: Set<TextKey>
    /// The timezone and purchase-mode suppliers the facts are kept under.
    let settings: String
    /// True while folding into emptied tables: nothing kept needs reading first.
    var fresh = false

    // What this refresh changes, written at its end.
    /// The dates changed, in the order first changed, and where each is in `days`.
    var days: [(day: Int, work: DayWork)] = []
    var dayIndex: [Int: Int] = [:]
    /// The date changed last and its index: lines come nearly in order of payment.
    var openDay: (day: Int, index: Int)?
    /// At most how many entries this refresh adds to one date: its new lines and refunds. The
    /// first date it opens is sized for them (see `withDay`).
    var entriesAtMost = 0
    var changes: KeptChanges
    /// The window whose facts are read after this refresh, and its dates being merged after a
    /// fresh fold (EncodedDays).
    var window: ReportWindow?
    var merging: EncodedDays?

    init(db: Database, config: MallConfig, asOf: Day) {
        self.db = db
        self.config = config
        self.asOf = asOf
        offsets = HourOffsets(calendar: config.calendar)
        let purchaseIDs = config.suppliers.filter { $0.mode == .purchase }.map(\.id)
        purchase = Set(purchaseIDs.map(TextKey.init))
        settings = config.timezone + "|" + purchaseIDs.sorted(by: bytesBefore).joined(separator: ",")
        changes = KeptChanges(asOf: asOf.ordinal, purchase: purchase)
    }

    /// Brings the kept facts up to `window.to` and returns the sales facts of the window;
    /// `skusRead` is handed the window's SKU sums as soon as they are read (the ranking starts
    /// on them while the rest is read).
    static func refresh(db: Database, config: MallConfig, window: ReportWindow,
                        skusRead: (ProductSums) -> Void = { _ in }) throws -> SalesFacts {
        var kept = KeptFacts(db: db, config: config, asOf: window.to)
        kept.window = window
        do {
            try db.transaction { try kept.catchUp() }
            if let facts = try kept.facts(window, skusRead: skusRead) { return facts }
        } catch KeptFactsError.damaged {}
        // Damaged bytes (a date changed tonight, or one of the window): fold everything in again.
        var again = KeptFacts(db: db, config: config, asOf: window.to)
        try db.transaction { try again.catchUp(startingOver: true) }
        guard let facts = try again.facts(window, skusRead: skusRead) else { throw KeptFactsError.damaged }
        return facts
    }

    /// Folds in every row that arrived since the last refresh, or every row when the facts
    /// were kept for a later date or other settings.
    mutating func catchUp(startingOver: Bool = false) throws {
        var marks = try Progress.read(db)
        if startingOver || marks == nil || marks!.asOf > asOf.ordinal || marks!.settings != settings {
            try forget()
            marks = Progress(asOf: asOf.ordinal, settings: settings)
            fresh = true
        }
        let from = marks!
        let due = try dueWaiting()
        entriesAtMost = try KeptFacts.newRows(db, linesAfter: from.linesThrough, refundRunsAfter: from.refundRunsThrough)
            + due.values.reduce(0) { $0 + $1.count }
        let refunds = ReadRows.refunds(path: db.path, afterRun: from.refundRunsThrough, calendar: config.calendar)
        defer { refunds.stop() }
        let lines = try foldLines(after: from.linesThrough, waitingIDs: due[WaitingRow.line] ?? [])
        try foldRefunds(refunds, waitingIDs: due[WaitingRow.refund] ?? [])
        let sheetLines = try foldForward(afterSheetLines: from.sheetLinesThrough, oldLinesThrough: from.linesThrough,
                                         waitingIDs: due[WaitingRow.forward] ?? [])
        let otherLines = try foldOtherLines(after: from.otherLinesThrough, waitingIDs: due[WaitingRow.reversal] ?? [])
        try applyMarginChanges()
        try write()
        let refundRuns = try db.scalar("SELECT max(accepted_run) FROM refunds WHERE accepted_run IS NOT NULL")
        var next = from
        next.asOf = asOf.ordinal
        next.linesThrough = max(from.linesThrough, lines)
        if case .int(let run)? = refundRuns { next.refundRunsThrough = max(from.refundRunsThrough, run) }
        next.sheetLinesThrough = max(from.sheetLinesThrough, sheetLines)
        next.otherLinesThrough = max(from.otherLinesThrough, otherLines)
        try next.write(db)
    }

    /// How many lines have ids above `linesAfter` (at most: ids are never reused) and how many
    /// refunds runs after `refundRunsAfter` accepted; both found through an index.
    static func newRows(_ db: Database, linesAfter: Int64, refundRunsAfter: Int64) throws -> Int {
        var lines: Int64 = 0, refunds: Int64 = 0
        try db.query("SELECT max(id) FROM order_lines") { lines = max(0, $0.int(0) - linesAfter) }
        try db.query("SELECT count(*) FROM refunds WHERE accepted_run > ?", [.int(refundRunsAfter)]) { refunds = $0.int(0) }
        return Int(lines + refunds)
    }

    /// Empties every table of kept facts.
    private func forget() throws {
        for table in ["report_days", "report_buyers", "report_margin_lines", "report_posted", "report_late",
                      "report_waiting", "report_progress"] {
            try db.run("DELETE FROM \(table)")
        }
    }

    /// The waiting rows whose date the as-of date has reached, by kind, taken off the list.
    private func dueWaiting() throws -> [Int64: [Int64]] {
        var due: [Int64: [Int64]] = [:]
        try db.query("SELECT kind, row_id FROM report_waiting WHERE day <= ? ORDER BY kind, row_id",
                     [.int(Int64(asOf.ordinal))]) { due[$0.int("kind"), default: []].append($0.int("row_id")) }
        try db.run("DELETE FROM report_waiting WHERE day <= ?", [.int(Int64(asOf.ordinal))])
        return due
    }

    mutating func businessDay(_ nanos: Int64) -> Int {
        offsets.businessDate(of: Instant(nanos: nanos)).ordinal
    }

    /// Notes a row to fold in once the as-of date reaches `day`; true if it waits.
    mutating func waits(_ kind: Int64, _ id: Int64, day: Int) -> Bool {
        changes.waits(kind, id, day: day)
    }
}

enum KeptFactsError: Error, CustomStringConvertible {
    case damaged
    var description: String {
        "the reports' kept facts (report_days) could not be read even after folding every row in again: run `mallsettle verify`"
    }
}

/// How far the kept facts have read (report_progress).
struct Progress {
    var asOf: Int
    var settings: String
    var linesThrough: Int64 = 0
    /// Refunds accepted by runs through this one: none yet is -1, so that a store migrated
    /// with its accepted refunds marked 0 folds them in.
    var refundRunsThrough: Int64 = -1
    var sheetLinesThrough: Int64 = 0
    var otherLinesThrough: Int64 = 0

    static func read(_ db: Database) throws -> Progress? {
        var progress: Progress?
        try db.query("""
            SELECT as_of, settings, lines_through, refund_runs_through, sheet_lines_through, other_lines_through
            FROM report_progress
            """) { row in
            progress = Progress(asOf: Int(row.int("as_of")), settings: row.string("settings"),
                                linesThrough: row.int("lines_through"), refundRunsThrough: row.int("refund_runs_through"),
                                sheetLinesThrough: row.int("sheet_lines_through"), otherLinesThrough: row.int("other_lines_through"))
        }
        return progress
    }

    func write(_ db: Database) throws {
        try db.run("""
            INSERT OR REPLACE INTO report_progress(one, as_of, settings, lines_through, refund_runs_through,
                                                   sheet_lines_through, other_lines_through)
            VALUES (1, ?, ?, ?, ?, ?, ?)
            """, [.int(Int64(asOf)), .text(settings), .int(linesThrough), .int(refundRunsThrough),
                  .int(sheetLinesThrough), .int(otherLinesThrough)])
    }
}

/// A row dated after the as-of date, to fold in later.
struct WaitingRow {
    static let line: Int64 = 1, forward: Int64 = 2, refund: Int64 = 3, reversal: Int64 = 4
    let kind: Int64
    let id: Int64
    let day: Int
}

/// A date's facts being changed. A line or refund adds to its SKU's entry and notes its
/// buyer, each found through HashSlots by the hash its key carries (a night of a million
/// lines has a few thousand SKUs and buyers; a date whose lines are mostly SKUs of their own
/// appends them instead); a parent order is appended once per run of its lines. `settled`
/// puts them in order of hash, adds up equal entries and counts the distinct orders before
/// the date is written.
///
/// A date already kept holds what is added apart from its kept bytes (`kept`) until it is
/// encoded: a date that only refunds change (a following night's refunds reach back over the
/// whole window) is merged with its kept bytes without decoding its SKUs, and its orders and
/// buyers are not written again.
struct DayWork {
    var facts = DayFacts()
    var orders: [TextKey] = []
    var buyers: [TextKey] = []
    /// Where `facts.products` and `buyers` hold each SKU and buyer added since the date was read.
    var productSlots = HashSlots()
    var buyerSlots = HashSlots()
    /// Lines and refunds whose SKU (buyer) was looked up in `productSlots` (`buyerSlots`); -1
    /// once the date appends instead (`addProduct`, `addBuyer`).
    var productsLookedUp: Int { productSlots.lookUps }
    var buyersLookedUp: Int { buyerSlots.lookUps }
    /// Sums per tender of what was added since the date was read, added to the facts when settled.
    var newTenders: [(key: TenderKey, sums: TenderSums)] = []
    var kept: KeptDay?

    /// The bytes to store, nil when the kept bytes are damaged.
    func encoded() -> EncodedDay? {
        guard let kept else {
            let settled = settled()
            return EncodedDay(facts: settled.facts.encoded(), orders: TextSet.encoded(settled.orders),
                              buyers: TextSet.encoded(settled.buyers))
        }
        if orders.isEmpty && buyers.isEmpty {
            let added = settled().facts
            return kept.facts.withUnsafeBytes { DayFacts.merging($0, added) }.map { EncodedDay(facts: $0, orders: nil, buyers: nil) }
        }
        guard let facts = kept.facts.withUnsafeBytes({ DayFacts(decoding: $0) }),
              let orders = kept.orders.withUnsafeBytes(TextSet.decoded),
              let buyers = kept.buyers.withUnsafeBytes(TextSet.decoded) else { return nil }
        var whole = DayWork(facts: facts, orders: orders + self.orders, buyers: buyers + self.buyers, newTenders: newTenders)
        whole.facts.totals.merge(self.facts.totals)
        whole.facts.points += self.facts.points
        whole.facts.products += self.facts.products
        return whole.encoded()
    }

    /// The date with one entry per SKU, order and buyer, in order of hash, and its counts.
    func settled() -> DayWork {
        var work = self
        for (key, sums) in newTenders { work.facts.tenders[key, default: TenderSums()].merge(sums) }
        work.newTenders = []
        work.facts.products = DayWork.merged(facts.products)
        work.orders = DayWork.distinct(orders)
        work.buyers = DayWork.distinct(buyers)
        work.facts.orders = work.orders.count
        work.facts.buyers = work.buyers.count
        return work
    }

    /// One entry per SKU, sums added, in order of hash (texts compared where hashes meet).
    static func merged(_ entries: [(key: SKUKey, sums: SalesSums)]) -> [(key: SKUKey, sums: SalesSums)] {
        var merged: [(key: SKUKey, sums: SalesSums)] = []
        merged.reserveCapacity(entries.count)
        var runStart = 0
        for (hash, index) in byHash(entries.count, { entries[$0].key.hash }) {
            let entry = entries[index]
            if runStart < merged.count && merged[merged.count - 1].key.hash != hash { runStart = merged.count }
            if let same = merged[runStart...].firstIndex(where: { $0.key == entry.key }) {
                merged[same].sums.merge(entry.sums)
            } else {
                merged.append(entry)
            }
        }
        return merged
    }

    /// Each text once, in order of hash.
    static func distinct(_ texts: [TextKey]) -> [TextKey] {
        var distinct: [TextKey] = []
        distinct.reserveCapacity(texts.count)
        var runStart = 0
        for (hash, index) in byHash(texts.count, { texts[$0].hash }) {
            if runStart < distinct.count && distinct[distinct.count - 1].hash != hash { runStart = distinct.count }
            if !distinct[runStart...].contains(texts[index]) { distinct.append(texts[index]) }
        }
        return distinct
    }

    /// The indexes 0..<count with their hashes, in order of hash (of index where hashes
    /// meet): pairs of integers sort in place, where sorting the entries themselves moved
    /// their texts and sorting indexes by a look-up missed the cache at every comparison.
    private static func byHash(_ count: Int, _ hash: (Int) -> UInt64) -> [(hash: UInt64, index: Int)] {
        var pairs = (0..<count).map { (hash: hash($0), index: $0) }
        pairs.sort { $0.hash != $1.hash ? $0.hash < $1.hash : $0.index < $1.index }
        return pairs
    }
}

/// A kept date's bytes (report_days), decoded only if a line of the date arrives.
struct KeptDay {
    let facts, orders, buyers: [UInt8]
}

/// A date's bytes to store; no orders and buyers when they did not change.
struct EncodedDay {
    let facts: [UInt8]
    let orders, buyers: [UInt8]?
}

/// A buyer's first purchase and the months it bought in: bit k of `months` is the k-th month
/// after the month of `firstDay` (bit 0 that month itself).
struct BuyerRow {
    var firstDay: Int
    var firstOrder: String
    var repeats: Bool
    /// Read from report_buyers (else new tonight); since then, whether its first purchase
    /// changed (the row is replaced) or only its repeats and months (the row is updated).
    /// Flags, not a copy of the row as read: they fit where `repeats` leaves room, and a
    /// copy made the month's hundred thousand buyers cost the reports 80 MiB more at peak.
    var stored = false, firstChanged = false, historyChanged = false
    var months: UInt64

    /// A purchase in parent order `order` paid on `day`.
    mutating func bought(day: Int, order: String) {
        if order != firstOrder && !repeats {
            repeats = true
            historyChanged = true
        }
        let month = SalesFacts.monthNumber(Day(ordinal: day)), first = SalesFacts.monthNumber(Day(ordinal: firstDay))
        if day < firstDay {
            let shift = first - month
            months = shift >= 64 ? 0 : months << UInt64(shift)
            months |= 1
            firstDay = day
            firstOrder = order
            firstChanged = true
        } else if month - first < 64, months & 1 << UInt64(month - first) == 0 {
            months |= 1 << UInt64(month - first)
            historyChanged = true
        }
    }
}

struct MarginRowKey: Hashable {
    let day: Int
    let line: Int64
}

/// A purchase-mode line's margin parts: counted in gross_margin once `posted`.
struct MarginRow {
    var category: String
    var sku: String
    var posted: Bool
    var units: Int64
    var netSales: Int64
    var netCost: Int64

    enum Change {
        case posted(cost: Int64)
        case refunded(units: Int64, goods: Int64)
        case reversed(cost: Int64)
    }

    mutating func apply(_ change: Change) {
        switch change {
        case .posted(let cost): posted = true; netCost += cost
        case .refunded(let units, let goods): self.units -= units; netSales -= goods
        case .reversed(let cost): netCost += cost
        }
    }
}

struct PostedKey: Hashable {
    let day: Int
    let sheet: Int64
}

extension KeptFacts {
    /// The tables of kept facts, and the run that accepted each refund.
    static let migration = Migration(version: 12, name: "report facts kept as rows arrive", sql: """
        -- How far the reports stage has folded rows in (KeptFacts.swift); no row: nothing yet.
        CREATE TABLE report_progress (
            one INTEGER PRIMARY KEY CHECK (one = 1),
            as_of INTEGER NOT NULL,               -- the as-of date (days since 1970-01-01) kept up to
            settings TEXT NOT NULL,               -- timezone and purchase-mode suppliers kept under
            lines_through INTEGER NOT NULL,       -- order_lines.id
            refund_runs_through INTEGER NOT NULL, -- refunds.accepted_run
            sheet_lines_through INTEGER NOT NULL, -- forward_sheet_lines.id
            other_lines_through INTEGER NOT NULL  -- other_fee_lines.id
        ) STRICT;
        -- Per business date of payment: its sales facts (DayFacts), its distinct parent orders
        -- and its distinct buyers (TextSet).
        CREATE TABLE report_days (
            day INTEGER PRIMARY KEY,
            facts BLOB NOT NULL,
            orders BLOB NOT NULL,
            buyers BLOB NOT NULL
        ) STRICT;
        -- Each buyer's first purchase; bit k of months: bought in the k-th month after it.
        CREATE TABLE report_buyers (
            buyer_id TEXT PRIMARY KEY,
            first_day INTEGER NOT NULL,
            first_order TEXT NOT NULL,
            repeats INTEGER NOT NULL,
            months INTEGER NOT NULL
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX report_buyers_first_day ON report_buyers(first_day);
        -- Each purchase-mode line by date of payment: units and net sales after its refunds,
        -- net COST after its reversals; counted in gross_margin once posted.
        CREATE TABLE report_margin_lines (
            day INTEGER NOT NULL,
            line_id INTEGER NOT NULL,
            category TEXT NOT NULL,
            sku TEXT NOT NULL,
            posted INTEGER NOT NULL,
            units INTEGER NOT NULL,
            net_sales INTEGER NOT NULL,
            net_cost INTEGER NOT NULL,
            PRIMARY KEY (day, line_id)
        ) STRICT, WITHOUT ROWID;
        -- Fee amounts per posting date, sheet and fee code.
        CREATE TABLE report_posted (
            posting_day INTEGER NOT NULL,
            sheet_key INTEGER NOT NULL,
            fee_code INTEGER NOT NULL,
            amount INTEGER NOT NULL,
            PRIMARY KEY (posting_day, sheet_key, fee_code)
        ) STRICT, WITHOUT ROWID;
        -- Late fee lines per sheet.
        CREATE TABLE report_late (
            sheet_key INTEGER PRIMARY KEY,
            lines INTEGER NOT NULL
        ) STRICT;
        -- Rows dated after the as-of date (kind 1 line, 2 forward posting, 3 refund, 4 COST
        -- reversal), folded in when the as-of date reaches day.
        CREATE TABLE report_waiting (
            kind INTEGER NOT NULL,
            row_id INTEGER NOT NULL,
            day INTEGER NOT NULL,
            PRIMARY KEY (kind, row_id)
        ) STRICT, WITHOUT ROWID;
        -- The run that accepted a refund (0: accepted before this migration).
        ALTER TABLE refunds ADD COLUMN accepted_run INTEGER;
        UPDATE refunds SET accepted_run = 0 WHERE state = 'accepted';
        CREATE INDEX refunds_accepted_run ON refunds(accepted_run) WHERE accepted_run IS NOT NULL;
        """)
}
