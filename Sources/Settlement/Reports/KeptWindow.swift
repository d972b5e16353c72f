// KeptWindow: the sales facts of a report window read from the kept facts (KeptFacts.swift):
// the window's dates from report_days, the buyers of the retention cohorts, the margins, the
// fee amounts posted in the window and the late lines — what SalesFacts.read makes from every
// order line of the store.

import MallCore
import MallStore

extension KeptFacts {
    /// The window's sales facts; nil when a date's bytes are damaged. The window must end on
    /// the as-of date the facts were brought up to.
    func facts(_ window: ReportWindow, skusRead: (ProductSums) -> Void) throws -> SalesFacts? {
        precondition(window.to == asOf, "kept facts answer the window ending on their as-of date")
        // The small tables are read on a read-only connection of their own while the dates
        // are merged here (the facts are committed by now).
        var facts = SalesFacts(window: window)
        let tables = WindowTables.reading(db.path, window: window, monthsBase: facts.monthsBase)
        // A fresh fold merged its dates as soon as they were encoded (EncodedDays).
        if let merged = merging?.merged() {
            facts = merged
        } else {
            guard try readDays(into: &facts) else {
                _ = try tables.finish()
                return nil
            }
        }
        skusRead(facts.skus)
        // By supplier and by category path first, keyed by hashed texts (half a million SKUs:
        // hashing each text's bytes through Hasher, and cutting each path, cost a tenth of a
        // second), then per top-level category.
        var bySupplier: [TextKey: SalesSums] = [:], byPath: [TextKey: SalesSums] = [:]
        for (key, sums) in zip(facts.skus.keys, facts.skus.sums) {
            bySupplier[TextKey(key.supplierID), default: SalesSums()].merge(sums)
            byPath[TextKey(key.category), default: SalesSums()].merge(sums)
        }
        for (supplier, sums) in bySupplier { facts.bySupplier[supplier.text] = sums }
        for (path, sums) in byPath { facts.byCategory[SalesFacts.topCategory(path.text), default: SalesSums()].merge(sums) }
        let read = try tables.finish()
        facts.histories = read.histories
        facts.margins = read.margins
        facts.foldPosted(read.bySheet, supplierOf: read.supplierOf)
        facts.lateLines = read.lateLines
        return facts
    }

    private func dayRange(_ window: ReportWindow) -> [SQLValue] {
        [.int(Int64(window.from.ordinal)), .int(Int64(window.to.ordinal))]
    }

    /// The window's dates: sums by day, SKU and tender, distinct orders and buyers, and the
    /// marketing sums of their months. False when a date's bytes are damaged.
    private func readDays(into facts: inout SalesFacts) throws -> Bool {
        var blobs: [UInt8] = []
        var dates: [(day: Int, range: Range<Int>)] = []
        try db.query("SELECT day, facts FROM report_days WHERE day >= ? AND day <= ? ORDER BY day", dayRange(facts.window)) { row in
            let start = blobs.count
            row.withBlob(1) { blobs.append(contentsOf: $0) }
            dates.append((Int(row.int(0)), start..<blobs.count))
        }
        return KeptFacts.readDays(blobs, dates, into: &facts)
    }

    /// The window's dates from their encoded facts (`dates` in order of date, each a range of
    /// `blobs`). False when a date's bytes are damaged.
    static func readDays(_ blobs: [UInt8], _ dates: [(day: Int, range: Range<Int>)], into facts: inout SalesFacts) -> Bool {
        let window = facts.window
        return blobs.withUnsafeBytes { all in
            var cursors: [SKUCursor] = []
            for (day, range) in dates {
                let cursor = DayFacts.read(UnsafeRawBufferPointer(rebasing: all[range]), header: { totals, points, orders, buyers in
                    facts.byDay[day - window.from.ordinal] = totals
                    facts.orderCounts[day] = orders
                    facts.buyerCounts[day] = buyers
                    let month = SalesFacts.monthNumber(Day(ordinal: day)) - facts.firstMonth
                    facts.marketingByMonth[month].platform += totals.discountPlatform
                    facts.marketingByMonth[month].supplier += totals.discountSupplier
                    facts.marketingByMonth[month].points += points
                    facts.marketingByMonth[month].goods += totals.goods
                }, tender: { key, sums in facts.byTender[key, default: TenderSums()].merge(sums) })
                guard let cursor else { return false }
                cursors.append(cursor)
            }
            return KeptFacts.merge(&cursors, into: &facts.skus)
        }
    }

    /// Merges the dates' SKUs, each date's in order of hash, into one sum per SKU: a heap of
    /// the dates by their current SKU's hash, so every date is read once, in order, and no
    /// table of half a million SKUs is probed at random. False when a date's bytes are damaged.
    static func merge(_ cursors: inout [SKUCursor], into skus: inout ProductSums) -> Bool {
        var heap = Heap(cursors: cursors.indices.filter { cursors[$0].next() }, of: cursors)
        // The SKUs of one hash (nearly always one), with their sums so far.
        var group: [SKUCursor] = []
        while let top = heap.first {
            let hash = cursors[top].hash
            group.removeAll(keepingCapacity: true)
            while let date = heap.first, cursors[date].hash == hash {
                if let same = group.firstIndex(where: { $0.isSKU(cursors[date]) }) {
                    group[same].add(cursors[date].sums)
                } else {
                    group.append(cursors[date])
                }
                if cursors[date].next() { heap.siftDownFirst(cursors) } else { heap.removeFirst(cursors) }
            }
            for sku in group { skus.append(sku.key(), sku.sums) }
        }
        return cursors.allSatisfy(\.sound)
    }
}

/// A binary min-heap of dates by their current SKU's hash.
private struct Heap {
    private var dates: [Int]

    init(cursors dates: [Int], of cursors: [SKUCursor]) {
        self.dates = dates
        for index in stride(from: dates.count / 2 - 1, through: 0, by: -1) { siftDown(index, cursors) }
    }

    var first: Int? { dates.first }

    /// After the first date's hash grew.
    mutating func siftDownFirst(_ cursors: [SKUCursor]) { siftDown(0, cursors) }

    mutating func removeFirst(_ cursors: [SKUCursor]) {
        dates.swapAt(0, dates.count - 1)
        dates.removeLast()
        if !dates.isEmpty { siftDown(0, cursors) }
    }

    private mutating func siftDown(_ start: Int, _ cursors: [SKUCursor]) {
        var parent = start
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < dates.count && cursors[dates[left]].hash < cursors[dates[smallest]].hash { smallest = left }
            if right < dates.count && cursors[dates[right]].hash < cursors[dates[smallest]].hash { smallest = right }
            guard smallest != parent else { return }
            dates.swapAt(parent, smallest)
            parent = smallest
        }
    }
}

/// What a window reads from the kept facts' small tables (report_buyers, report_margin_lines,
/// report_posted, report_late, and the sheets' suppliers), read on a thread and a read-only
/// connection of their own.
struct WindowTables: Sendable {
    var histories: [BuyerHistory] = []
    var margins: [MarginKey: MarginSums] = [:]
    var bySheet: [Int64: [Int64]] = [:]
    var supplierOf: [Int64: String] = [:]
    var lateLines: [Int64: Int64] = [:]

    /// Starts reading the tables of the store at `path`; `finish` hands them over.
    static func reading(_ path: String, window: ReportWindow, monthsBase: Int) -> Reading {
        Reading { try WindowTables(Database(path: path, opening: .readOnly), window: window, monthsBase: monthsBase) }
    }

    init(_ db: Database, window: ReportWindow, monthsBase: Int) throws {
        let range: [SQLValue] = [.int(Int64(window.from.ordinal)), .int(Int64(window.to.ordinal))]
        try readBuyers(db, window: window, monthsBase: monthsBase)
        try db.query("""
            SELECT category, sku, sum(units) AS units, sum(net_sales) AS net_sales, sum(net_cost) AS net_cost
            FROM report_margin_lines WHERE day >= ? AND day <= ? AND posted = 1 GROUP BY category, sku
            """, range) { row in
            margins[MarginKey(category: row.string("category"), sku: row.string("sku"))] =
                MarginSums(units: row.int("units"), netSales: row.int("net_sales"), netCost: row.int("net_cost"))
        }
        try db.query("""
            SELECT sheet_key, fee_code, sum(amount) AS amount FROM report_posted
            WHERE posting_day >= ? AND posting_day <= ? GROUP BY sheet_key, fee_code
            """, range) { row in
            let code = Int(row.int("fee_code"))
            guard code > 0 && code < SalesFacts.codeSlots else { return }
            bySheet[row.int("sheet_key"), default: Array(repeating: 0, count: SalesFacts.codeSlots)][code] += row.int("amount")
        }
        try db.query("SELECT sheet_key, supplier_id FROM sheets") { supplierOf[$0.int("sheet_key")] = $0.string("supplier_id") }
        try db.query("SELECT sheet_key, lines FROM report_late") { lateLines[$0.int("sheet_key")] = $0.int("lines") }
    }

    /// The buyers whose first purchase falls in the retention cohorts' months, their months of
    /// purchase placed as SalesFacts counts them (bit k: month monthsBase + k).
    private mutating func readBuyers(_ db: Database, window: ReportWindow, monthsBase: Int) throws {
        let last = SalesFacts.monthNumber(window.to)
        let firstCohort = last - SalesReports.retentionCohorts + 1
        let start = Day(year: firstCohort / 12, month: firstCohort % 12 + 1, day: 1)!
        try db.query("SELECT first_day, repeats, months FROM report_buyers WHERE first_day >= ?",
                     [.int(Int64(start.ordinal))]) { row in
            let firstDay = Int(row.int("first_day"))
            let firstMonth = SalesFacts.monthNumber(Day(ordinal: firstDay))
            let bought = UInt64(bitPattern: row.int("months"))
            var months: UInt64 = 0
            for k in 0..<64 where bought & (1 << UInt64(k)) != 0 {
                let bit = firstMonth + k - monthsBase
                if bit >= 0 && bit < 64 { months |= 1 << UInt64(bit) }
            }
            histories.append(BuyerHistory(firstMonth: firstMonth, firstDay: firstDay, firstOrder: TextKey(""),
                                          repeats: row.int("repeats") != 0, months: months))
        }
    }

    /// The tables being read on their thread.
    final class Reading: @unchecked Sendable {
        private var result: Result<WindowTables, Error>?
        private let worker = SerialWorker(name: "report tables", queuedMax: 1)

        init(_ read: @escaping @Sendable () throws -> WindowTables) {
            worker.async { [self] in result = Result { try read() } }
        }

        /// The tables once read, or what stopped their reading.
        func finish() throws -> WindowTables {
            worker.finish()
            return try result!.get()
        }
    }
}

extension TenderSums {
    mutating func merge(_ other: TenderSums) {
        lines += other.lines
        paid += other.paid
        refunded += other.refunded
    }
}
