// KeptWrite: the kept facts' other rows — forward postings of lines read before, other fee
// lines, the margin changes — and how a refresh reads what it changes and writes it back.

import MallCore
import MallStore

extension KeptFacts {
    // MARK: Forward postings of lines read before

    /// The forward postings listed after `afterSheetLines` whose lines were read by an earlier
    /// refresh (the others came with their lines), and the waiting margin postings now due.
    /// Returns the largest forward_sheet_lines.id read.
    mutating func foldForward(afterSheetLines: Int64, oldLinesThrough: Int64, waitingIDs: [Int64]) throws -> Int64 {
        var last = afterSheetLines
        var oldLines: [Int64] = []
        try db.query("SELECT id, line_ids FROM forward_sheet_lines WHERE id > ? ORDER BY id", [.int(afterSheetLines)]) { row in
            last = row.int("id")
            for id in KeptFacts.integers(inArray: row.string("line_ids")) where id <= oldLinesThrough { oldLines.append(id) }
        }
        let statement = try db.prepare(SalesFacts.lineSQL(where: "o.id = ?"))
        let c = SalesFacts.LineColumns(statement)
        for (ids, forwardToo) in [(oldLines.sorted(), true), (waitingIDs, false)] {
            for id in ids {
                try statement.bind(1, id)
                while try statement.step() {
                    if !statement.isNull(c.postingDay) { try foldForward(statement, c, postedToo: forwardToo) }
                }
            }
        }
        return last
    }

    private mutating func foldForward(_ row: Statement, _ c: SalesFacts.LineColumns, postedToo: Bool) throws {
        let record = LineRecord(row, c, offsets: &offsets)
        guard let forward = record.forward else { return }
        if postedToo { changes.addPosted(forward) }
        guard purchase.contains(record.supplier),
              !waits(WaitingRow.forward, record.id, day: max(record.day, forward.postingDay)) else { return }
        changes.marginChanges.append((MarginRowKey(day: record.day, line: record.id), .posted(cost: forward.cost)))
    }

    /// The integers of a JSON array of integers (forward_sheet_lines.line_ids).
    static func integers(inArray text: String) -> [Int64] {
        var numbers: [Int64] = []
        var value: Int64 = 0, inNumber = false, negative = false
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                value = value * 10 + Int64(byte - UInt8(ascii: "0"))
                inNumber = true
            case UInt8(ascii: "-"): negative = true
            default:
                if inNumber { numbers.append(negative ? -value : value) }
                value = 0; inNumber = false; negative = false
            }
        }
        if inNumber { numbers.append(negative ? -value : value) }
        return numbers
    }

    // MARK: Other fee lines

    /// Other fee lines after `after`: amounts per posting date, sheet and code, late lines,
    /// and COST reversals of purchase-mode lines into their margins. Returns the largest id.
    mutating func foldOtherLines(after: Int64, waitingIDs: [Int64]) throws -> Int64 {
        var last = after
        var reversals: [(id: Int64, line: Int64, day: Int, amount: Int64)] = []
        // Columns by position: a month has a million other fee lines, and finding each column
        // by its name cost more than the rest of the row.
        try db.query("""
            SELECT id, sheet_key, posting_day, source_type, line_key, fee_code, amount, late FROM other_fee_lines
            WHERE id > ? ORDER BY id
            """, [.int(after)]) { row in
            let id = row.int(0), sheet = row.int(1), day = Int(row.int(2)), code = Int(row.int(5)), amount = row.int(6)
            last = id
            if code > 0 && code < SalesFacts.codeSlots {
                changes.posted[PostedKey(day: day, sheet: sheet), default: Array(repeating: 0, count: SalesFacts.codeSlots)][code] += amount
            }
            if row.int(7) != 0 { changes.late[sheet, default: 0] += 1 }
            if KeptFacts.isCostReversal(code: code, source: row.int(3), hasLine: !row.isNull(4)) {
                reversals.append((id, row.int(4), day, amount))
            }
        }
        for id in waitingIDs {
            try db.query("SELECT id, posting_day, source_type, line_key, fee_code, amount FROM other_fee_lines WHERE id = ?",
                         [.int(id)]) { row in
                if KeptFacts.isCostReversal(code: Int(row.int("fee_code")), source: row.int("source_type"),
                                            hasLine: !row.isNull("line_key")) {
                    reversals.append((id, row.int("line_key"), Int(row.int("posting_day")), row.int("amount")))
                }
            }
        }
        let line = try db.prepare("SELECT paid_at, supplier_id FROM order_lines WHERE id = ?")
        for reversal in reversals {
            try line.bind(1, reversal.line)
            while try line.step() {
                guard purchase.contains(TextKey(line.string(1))) else { continue }
                let day = businessDay(line.int(0))
                guard !waits(WaitingRow.reversal, reversal.id, day: max(day, reversal.day)) else { continue }
                changes.marginChanges.append((MarginRowKey(day: day, line: reversal.line), .reversed(cost: reversal.amount)))
            }
        }
        return last
    }

    private static func isCostReversal(code: Int, source: Int64, hasLine: Bool) -> Bool {
        Int64(code) == FeeCode.cost.storeCode && source == Int64(SourceType.refund.rawValue) && hasLine
    }

    // MARK: Reading what changes, writing it back

    mutating func applyMarginChanges() throws {
        for (key, change) in changes.marginChanges {
            guard var row = try marginRow(key) else { continue }
            row.apply(change)
            changes.margins[key] = row
        }
        changes.marginChanges = []
    }

    /// Changes a date's facts in place, read first from the store (or new). The date changed
    /// last is found without a look-up: lines come nearly in order of payment.
    mutating func withDay(_ day: Int, _ body: (inout DayWork) throws -> Void) throws {
        if openDay?.day != day {
            if let index = dayIndex[day] {
                openDay = (day, index)
            } else {
                var work = try storedDay(day)
                // The first date is sized for every new row: a night's lines often share one
                // date, and its refunds come after them. Capacity not filled costs address
                // space only (pages are given on first touch); growing a million entries
                // instead copied them into fresh pages at each doubling, the kernel zeroing
                // each page first (a quarter of the 1M-line night's reports stage).
                if openDay == nil {
                    work.facts.products.reserveCapacity(entriesAtMost)
                }
                // A new date after the last one is sized like it: growing a date's arrays from
                // empty copied each of them a dozen times. (An earlier date is a few late lines.)
                if let open = openDay, open.day < day, work.kept == nil {
                    let like = days[open.index].work
                    work.facts.products.reserveCapacity(like.facts.products.count)
                    work.orders.reserveCapacity(like.orders.count)
                    work.buyers.reserveCapacity(like.buyers.count)
                }
                days.append((day, work))
                dayIndex[day] = days.count - 1
                openDay = (day, days.count - 1)
            }
        }
        // In place: a date's work holds a million entries' arrays, never copied.
        try body(&days[openDay!.index].work)
    }

    /// A date to change: its kept bytes (decoded when it is written), or nothing yet.
    private func storedDay(_ day: Int) throws -> DayWork {
        var work = DayWork()
        guard !fresh else { return work }
        try db.query("SELECT facts, orders, buyers FROM report_days WHERE day = ?", [.int(Int64(day))]) { row in
            work.kept = KeptDay(facts: row.withBlob(0) { Array($0) }, orders: row.withBlob(1) { Array($0) },
                                buyers: row.withBlob(2) { Array($0) })
        }
        return work
    }

    /// A buyer's history as kept.
    static func storedBuyer(_ buyer: TextKey, _ db: Database) throws -> BuyerRow? {
        var found: BuyerRow?
        try db.query("SELECT first_day, first_order, repeats, months FROM report_buyers WHERE buyer_id = ?", [.text(buyer.text)]) { row in
            found = BuyerRow(firstDay: Int(row.int("first_day")), firstOrder: row.string("first_order"),
                             repeats: row.int("repeats") != 0, stored: true, months: UInt64(bitPattern: row.int("months")))
        }
        return found
    }

    mutating func marginRow(_ key: MarginRowKey) throws -> MarginRow? {
        if let row = changes.margins[key] { return row }
        guard !fresh else { return nil }
        var found: MarginRow?
        try db.query("""
            SELECT category, sku, posted, units, net_sales, net_cost FROM report_margin_lines WHERE day = ? AND line_id = ?
            """, [.int(Int64(key.day)), .int(key.line)]) { row in
            found = MarginRow(category: row.string("category"), sku: row.string("sku"), posted: row.int("posted") != 0,
                              units: row.int("units"), netSales: row.int("net_sales"), netCost: row.int("net_cost"))
        }
        return found
    }

    /// Writes everything this refresh changed, and lets go of the changed dates.
    mutating func write() throws {
        // The dates are settled and encoded on a thread of their own while this one writes
        // the other rows.
        // The dates' tables of where their SKUs and buyers lie are of no more use.
        for index in days.indices {
            days[index].work.productSlots = HashSlots()
            days[index].work.buyerSlots = HashSlots()
        }
        let encoded = EncodedDays(days)
        days = []
        dayIndex = [:]
        openDay = nil
        try writeChanges()
        let day = try db.prepare("INSERT OR REPLACE INTO report_days(day, facts, orders, buyers) VALUES (?, ?, ?, ?)")
        let onlyFacts = try db.prepare("UPDATE report_days SET facts = ? WHERE day = ?")
        // Damaged kept bytes: the caller folds everything in again.
        guard let dates = encoded.encoded() else { throw KeptFactsError.damaged }
        // A fresh fold wrote every date there is: the window's are merged on the encoding
        // thread while they are stored, instead of read back once committed.
        if fresh, let window {
            encoded.merge(window)
            merging = encoded
        }
        for (ordinal, date) in dates {
            guard let orders = date.orders, let buyers = date.buyers else {
                try onlyFacts.bind(1, blob: date.facts)
                try onlyFacts.bind(2, Int64(ordinal))
                try onlyFacts.run()
                continue
            }
            try day.bind(1, Int64(ordinal))
            try day.bind(2, blob: date.facts)
            try day.bind(3, blob: orders)
            try day.bind(4, blob: buyers)
            try day.run()
        }
    }

    private func writeChanges() throws {
        let buyer = try db.prepare("""
            INSERT OR REPLACE INTO report_buyers(buyer_id, first_day, first_order, repeats, months) VALUES (?, ?, ?, ?, ?)
            """)
        // A kept buyer's row is updated in place when its first purchase stays (most of a
        // night's buyers bought before): replacing it deleted and inserted both its row and
        // its first_day entry. A row that did not change is not written.
        let history = try db.prepare("UPDATE report_buyers SET repeats = ?, months = ? WHERE buyer_id = ?")
        for (id, row) in changes.buyers {
            let repeats: Int64 = row.repeats ? 1 : 0, months = Int64(bitPattern: row.months)
            if row.stored && !row.firstChanged {
                guard row.historyChanged else { continue }
                try history.bindRow([.int(repeats), .int(months), .text(id.text)])
                try history.run()
                continue
            }
            try buyer.bindRow([.text(id.text), .int(Int64(row.firstDay)), .text(row.firstOrder), .int(repeats), .int(months)])
            try buyer.run()
        }
        let margin = try db.prepare("""
            INSERT OR REPLACE INTO report_margin_lines(day, line_id, category, sku, posted, units, net_sales, net_cost)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for (key, row) in changes.margins {
            try margin.bindRow([.int(Int64(key.day)), .int(key.line), .text(row.category), .text(row.sku),
                                .int(row.posted ? 1 : 0), .int(row.units), .int(row.netSales), .int(row.netCost)])
            try margin.run()
        }
        try writeSums()
    }

    private func writeSums() throws {
        let posting = try db.prepare("""
            INSERT INTO report_posted(posting_day, sheet_key, fee_code, amount) VALUES (?, ?, ?, ?)
            ON CONFLICT (posting_day, sheet_key, fee_code) DO UPDATE SET amount = amount + excluded.amount
            """)
        for (key, amounts) in changes.posted {
            for (code, amount) in amounts.enumerated() where amount != 0 {
                try posting.bindRow([.int(Int64(key.day)), .int(key.sheet), .int(Int64(code)), .int(amount)])
                try posting.run()
            }
        }
        let lateLines = try db.prepare("""
            INSERT INTO report_late(sheet_key, lines) VALUES (?, ?)
            ON CONFLICT (sheet_key) DO UPDATE SET lines = lines + excluded.lines
            """)
        for (sheet, lines) in changes.late {
            try lateLines.bindRow([.int(sheet), .int(lines)])
            try lateLines.run()
        }
        let wait = try db.prepare("INSERT OR REPLACE INTO report_waiting(kind, row_id, day) VALUES (?, ?, ?)")
        for row in changes.waiting {
            try wait.bindRow([.int(row.kind), .int(row.id), .int(Int64(row.day))])
            try wait.run()
        }
    }
}

/// The changed dates settled (DayWork.settled) and encoded on a thread of their own; each
/// date's work is let go once encoded. After a fresh fold the window's dates are merged there
/// too (`merge`).
final class EncodedDays: @unchecked Sendable {
    private var days: [(day: Int, work: DayWork)]
    private var dates: [(day: Int, encoded: EncodedDay)] = []
    private var damaged = false
    private var facts: SalesFacts?
    private let worker = SerialWorker(name: "report dates", queuedMax: 1)

    init(_ days: [(day: Int, work: DayWork)]) {
        self.days = days
        worker.async { [self] in
            for index in self.days.indices {
                let encoded = self.days[index].work.encoded()
                self.days[index].work = DayWork()
                guard let encoded else { return damaged = true }
                dates.append((self.days[index].day, encoded))
            }
        }
    }

    /// The encoded dates, once all are done; nil when a kept date's bytes are damaged.
    func encoded() -> [(day: Int, encoded: EncodedDay)]? {
        worker.sync()
        return damaged ? nil : dates
    }

    /// Starts merging the window's dates (all of the store's dates, after a fresh fold).
    func merge(_ window: ReportWindow) {
        worker.async { [self] in
            var blobs: [UInt8] = []
            var inWindow: [(day: Int, range: Range<Int>)] = []
            for (day, date) in dates.sorted(by: { $0.day < $1.day }) where day >= window.from.ordinal && day <= window.to.ordinal {
                inWindow.append((day, blobs.count..<blobs.count + date.facts.count))
                blobs.append(contentsOf: date.facts)
            }
            var merged = SalesFacts(window: window)
            if KeptFacts.readDays(blobs, inWindow, into: &merged) { facts = merged }
        }
    }

    /// The window's sales facts from its dates (nil when not merged, or damaged).
    func merged() -> SalesFacts? {
        worker.finish()
        return facts
    }
}
