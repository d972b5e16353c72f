// SalesFacts: one read of the order lines (with their forward fee row) that the sales reports
// share — sales_daily, sku_ranking, supplier_summary, category_mix, tender_mix,
// marketing_cost, buyer_retention, gross_margin and the late lines of settlement_status.
//
// Reading the lines once instead of once per report is what keeps the refresh of all reports
// near the cost of one scan of order_lines (the table has no index by date: a business date
// depends on the zone, so each line's date is computed here from paid_at). Every figure is
// an integer sum; nothing is rounded until a rate is written.
//
// The window's sales are the lines *paid* in it (business date of paid_at); their refunds are
// the accepted refunds of those lines dated (refunded_at) on or before the window's end, so a
// day's refund rate is the share of that day's sales refunded so far.

import MallCore
import MallStore

/// Sums over a set of order lines.
struct SalesSums {
    var lines: Int64 = 0
    var units: Int64 = 0
    /// Σ quantity × unit_price: the merchandise value before discounts (GMV).
    var gmv: Int64 = 0
    var discountPlatform: Int64 = 0
    var discountSupplier: Int64 = 0
    /// Σ goods = gmv − both discounts.
    var goods: Int64 = 0
    var freight: Int64 = 0
    var refundGoods: Int64 = 0
    var refundUnits: Int64 = 0

    var netSales: Int64 { goods - refundGoods }

    mutating func merge(_ other: SalesSums) {
        lines += other.lines
        units += other.units
        gmv += other.gmv
        discountPlatform += other.discountPlatform
        discountSupplier += other.discountSupplier
        goods += other.goods
        freight += other.freight
        refundGoods += other.refundGoods
        refundUnits += other.refundUnits
    }

    mutating func add(_ line: LineRow, _ refund: RefundSums?) {
        lines += 1
        units += line.quantity
        gmv += line.quantity * line.unitPrice
        discountPlatform += line.discountPlatform
        discountSupplier += line.discountSupplier
        goods += line.goods
        freight += line.freight
        refundGoods += refund?.goods ?? 0
        refundUnits += refund?.units ?? 0
    }
}

/// What the accepted refunds of one line returned, through the window's end.
struct RefundSums {
    var units: Int64 = 0
    var goods: Int64 = 0
    var freight: Int64 = 0
    var points: Int64 = 0
    var credit: Int64 = 0
    var cash: Int64 = 0
}

/// The fields of one order line the reports use.
struct LineRow {
    var quantity: Int64 = 0
    var unitPrice: Int64 = 0
    var discountPlatform: Int64 = 0
    var discountSupplier: Int64 = 0
    var goods: Int64 = 0
    var freight: Int64 = 0
}

/// A text with its hash computed once (64-bit FNV-1a over its UTF-8 bytes). The line read
/// puts a million texts into sets and dictionaries; hashing each through `Hasher` byte by byte
/// was most of its time. Equality still compares the texts, so every count stays exact.
struct TextKey: Hashable {
    let text: String
    let hash: UInt64

    init(_ text: String) {
        self.text = text
        hash = TextKey.fnv1a(text)
    }

    static func fnv1a(_ text: String) -> UInt64 {
        var text = text
        return text.withUTF8 { fnv1a(UnsafeRawBufferPointer($0)) }
    }

    /// The same hash of UTF-8 bytes that are not (yet) a String.
    static func fnv1a(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return hash
    }

    func hash(into hasher: inout Hasher) { hasher.combine(hash) }
    static func == (a: TextKey, b: TextKey) -> Bool { a.hash == b.hash && a.text == b.text }
}

/// Distinct texts per day, counted exactly: the texts are kept with their hashes and counted
/// once, sorted by hash, at the end. A set per day held a million orders and cost a hash-table
/// insert per line; appending is cheap and one sort of integers is fast.
struct DistinctPerDay {
    private var entries: [Int: [TextKey]] = [:]

    mutating func add(_ key: TextKey, day: Int) { entries[day, default: []].append(key) }

    /// The number of distinct texts added for each day.
    func counts() -> [Int: Int] {
        entries.mapValues { keys in
            let sorted = keys.sorted { $0.hash < $1.hash }
            var distinct = 0
            var start = 0
            while start < sorted.count {
                var end = start + 1
                while end < sorted.count && sorted[end].hash == sorted[start].hash { end += 1 }
                // Texts of one hash: nearly always one text; a collision counts each text once.
                let first = sorted[start].text
                distinct += sorted[start..<end].allSatisfy({ $0.text == first }) ? 1 : Set(sorted[start..<end].map(\.text)).count
                start = end
            }
            return distinct
        }
    }
}

/// A buyer's purchases through the window's end, for the cohorts.
struct BuyerHistory {
    /// Month number (year × 12 + month − 1) of the first purchase.
    var firstMonth: Int
    var firstDay: Int
    var firstOrder: TextKey
    /// Bought in a second parent order.
    var repeats: Bool
    /// The months with a purchase, as bits: bit k is the month `SalesFacts.monthsBase + k`
    /// (the 64 months through the window's end; the cohorts look at 12 + 6 of them).
    var months: UInt64

    func bought(inMonth month: Int, base: Int) -> Bool {
        let bit = month - base
        return bit >= 0 && bit < 64 && months & (1 << UInt64(bit)) != 0
    }
}

/// Keys of the per-SKU sums: a SKU as one supplier sells it under one category (hashed once,
/// from its parts' hashes).
struct SKUKey: Hashable {
    let sku: String
    let supplierID: String
    let category: String
    let hash: UInt64

    init(sku: TextKey, supplier: TextKey, category: TextKey) {
        self.sku = sku.text
        supplierID = supplier.text
        self.category = category.text
        hash = SKUKey.hash(sku: sku.hash, supplier: supplier.hash, category: category.hash)
    }

    /// A SKU's hash from its parts' TextKey hashes.
    static func hash(sku: UInt64, supplier: UInt64, category: UInt64) -> UInt64 {
        (sku &* 31 &+ supplier) &* 31 &+ category
    }

    func hash(into hasher: inout Hasher) { hasher.combine(hash) }
    static func == (a: SKUKey, b: SKUKey) -> Bool {
        a.hash == b.hash && a.sku == b.sku && a.supplierID == b.supplierID && a.category == b.category
    }
}

/// Keys of the gross margin: a purchase-mode SKU under its category.
struct MarginKey: Hashable {
    let category: String
    let sku: String
}

/// Net sales and net COST of purchase-mode lines.
struct MarginSums {
    var units: Int64 = 0
    var netSales: Int64 = 0
    var netCost: Int64 = 0
}

/// A tender (points, credit, or cash through one channel).
struct TenderKey: Hashable {
    let tender: String
    let channel: String

    /// A handful of tenders: hashing their lengths and first bytes spreads them well enough,
    /// and costs far less per line than hashing both texts.
    func hash(into hasher: inout Hasher) {
        hasher.combine(tender.utf8.count &* 64 &+ channel.utf8.count)
        hasher.combine(channel.utf8.first ?? 0)
    }
}

struct TenderSums {
    var lines: Int64 = 0
    var paid: Int64 = 0
    var refunded: Int64 = 0
}

/// Everything the sales reports need, from one read of the lines.
struct SalesFacts {
    let window: ReportWindow
    /// Sums per day of the window: element 0 is the window's first day.
    var byDay: [SalesSums]
    /// Distinct parent orders and buyers (guests excluded) per day of the window.
    var orderCounts: [Int: Int] = [:]
    var buyerCounts: [Int: Int] = [:]
    private var ordersByDay = DistinctPerDay()
    private var buyersByDay = DistinctPerDay()
    var skus = ProductSums()
    private var bySKU: [SKUKey: SalesSums] = [:]
    var bySupplier: [String: SalesSums] = [:]
    var byCategory: [String: SalesSums] = [:]
    var byTender: [TenderKey: TenderSums] = [:]
    /// Month number → platform discounts, supplier discounts, points paid, goods.
    /// Element 0 is the month of the window's first day.
    var marketingByMonth: [(platform: Int64, supplier: Int64, points: Int64, goods: Int64)]
    let firstMonth: Int
    /// Each buyer's history, and where it is in `histories`.
    var histories: [BuyerHistory] = []
    private var buyerSlots: [TextKey: Int] = [:]
    /// The month of bit 0 of `BuyerHistory.months`.
    let monthsBase: Int
    var margins: [MarginKey: MarginSums] = [:]
    /// Fee amounts posted in the window per supplier, indexed by FeeCode.storeCode (slot 0
    /// unused).
    var postedBySupplier: [String: [Int64]] = [:]
    /// The same per sheet_key, as the lines are read (an integer key, no text to read).
    private var postedBySheet: [Int64: [Int64]] = [:]
    /// Sums per supplier and per category path, as the lines are read.
    private var bySupplierKey: [TextKey: SalesSums] = [:]
    private var byCategoryPath: [TextKey: SalesSums] = [:]
    /// Late fee lines per sheet_key (every date).
    var lateLines: [Int64: Int64] = [:]

    /// One slot per `FeeCode.storeCode` (slot 0 unused): a new code gets its slot.
    static let codeSlots = Int(FeeCode.allCases.map(\.storeCode).max()!) + 1

    init(window: ReportWindow) {
        self.window = window
        monthsBase = SalesFacts.monthNumber(window.to) - 63
        byDay = Array(repeating: SalesSums(), count: window.to.ordinal - window.from.ordinal + 1)
        firstMonth = SalesFacts.monthNumber(window.from)
        marketingByMonth = Array(repeating: (0, 0, 0, 0), count: SalesFacts.monthNumber(window.to) - firstMonth + 1)
    }

    /// Reads the store once.
    static func read(_ db: Database, config: MallConfig, window: ReportWindow) throws -> SalesFacts {
        var facts = SalesFacts(window: window)
        let refunds = try readRefunds(db, config: config, through: window.to)
        let costReversals = try readCostReversals(db, through: window.to)
        var offsets = HourOffsets(calendar: config.calendar)
        func businessDay(_ nanos: Int64) -> Int { offsets.businessDate(of: Instant(nanos: nanos)).ordinal }
        let purchase = Set(config.suppliers.filter { $0.mode == .purchase }.map { TextKey($0.id) })
        let statement = try db.prepare(lineSQL(where: "1"))
        let c = LineColumns(statement)
        let toOrdinal = window.to.ordinal
        var refundAt = 0
        while try statement.step() {
            let day = businessDay(statement.int(c.paidAt))
            let posted = !statement.isNull(c.postingDay)
            if posted { facts.addPosted(statement, c) }
            guard day <= toOrdinal else { continue }
            let buyerText = statement.string(c.buyer)
            let buyer = buyerText.isEmpty ? nil : TextKey(buyerText)
            let parent = TextKey(statement.string(c.parent))
            if let buyer { facts.noteBuyer(buyer, day: day, order: parent) }
            guard day >= window.from.ordinal else { continue }
            let lineID = statement.int(c.id)
            let refund = SalesFacts.refund(of: lineID, in: refunds, at: &refundAt)
            facts.addLine(statement, c, day: day, parent: parent, buyer: buyer, refund: refund)
            // Gross margin: purchase-mode lines whose forward lines are posted by the window's end.
            if posted, Int(statement.int(c.postingDay)) <= toOrdinal, purchase.contains(TextKey(statement.string(c.supplier))) {
                let key = MarginKey(category: statement.string(c.category), sku: statement.string(c.sku))
                var margin = facts.margins[key] ?? MarginSums()
                margin.units += statement.int(c.quantity) - (refund?.units ?? 0)
                margin.netSales += statement.int(c.goods) - (refund?.goods ?? 0)
                margin.netCost += statement.int(c.cost) + (costReversals[lineID] ?? 0)
                facts.margins[key] = margin
            }
        }
        try facts.fold(db)
        facts.orderCounts = facts.ordersByDay.counts()
        facts.buyerCounts = facts.buyersByDay.counts()
        return facts
    }

    /// The refund sums of line `id`: the refunds come sorted by line id, as the lines do, and
    /// `at` walks them alongside.
    private static func refund(of id: Int64, in refunds: [(line: Int64, sums: RefundSums)], at: inout Int) -> RefundSums? {
        while at < refunds.count && refunds[at].line < id { at += 1 }
        return at < refunds.count && refunds[at].line == id ? refunds[at].sums : nil
    }

    /// A line paid in the window: its sums by day, SKU, supplier, category and tender.
    private mutating func addLine(_ statement: Statement, _ c: LineColumns, day: Int, parent: TextKey, buyer: TextKey?,
                                  refund: RefundSums?) {
        let line = LineRow(quantity: statement.int(c.quantity), unitPrice: statement.int(c.unitPrice),
                           discountPlatform: statement.int(c.discountPlatform),
                           discountSupplier: statement.int(c.discountSupplier), goods: statement.int(c.goods),
                           freight: statement.int(c.freight))
        let supplier = TextKey(statement.string(c.supplier))
        let category = TextKey(statement.string(c.category))
        let sku = TextKey(statement.string(c.sku))
        byDay[day - window.from.ordinal].add(line, refund)
        ordersByDay.add(parent, day: day)
        if let buyer { buyersByDay.add(buyer, day: day) }
        bySKU[SKUKey(sku: sku, supplier: supplier, category: category), default: SalesSums()].add(line, refund)
        bySupplierKey[supplier, default: SalesSums()].add(line, refund)
        byCategoryPath[category, default: SalesSums()].add(line, refund)
        addTenders(statement, c, line: line, refund: refund, day: day)
    }

    /// The order lines (with their forward fee row, NULL while unposted) that `condition`
    /// picks, by id.
    static func lineSQL(where condition: String) -> String {
        """
            SELECT o.id AS id, coalesce(o.parent_order_id, o.order_id) AS parent, o.supplier_id AS supplier,
                   o.buyer_id AS buyer, o.sku AS sku, o.category AS category, o.quantity AS quantity,
                   o.unit_price AS unit_price, o.discount_platform AS discount_platform,
                   o.discount_supplier AS discount_supplier, o.freight AS freight, o.paid_points AS points,
                   o.paid_credit AS credit, o.paid_cash AS cash, o.payment_channel AS channel, o.paid_at AS paid_at,
                   o.goods AS goods,
                   f.posting_day AS posting_day, f.sheet_key AS sheet_key, f.late AS late,
                   f.goods AS f_goods, f.platform_subsidy AS f_subsidy, f.freight AS f_freight,
                   f.commission AS f_commission, f.payment_fee AS f_payment_fee, f.delivery_fee AS f_delivery_fee,
                   f.warehousing_fee AS f_warehousing_fee, f.cost AS f_cost
            FROM order_lines o LEFT JOIN forward_fees f ON f.line_id = o.id WHERE \(condition) ORDER BY o.id
            """
    }


    /// The settlement side of a line whose forward lines are posted: its forward amounts by
    /// sheet when posted inside the window, and its late lines by sheet (every date).
    private mutating func addPosted(_ statement: Statement, _ c: LineColumns) {
        let sheet = statement.int(c.sheetKey)
        if statement.int(c.late) != 0 {
            var nonZero: Int64 = 0
            for column in c.forward where statement.int(column) != 0 { nonZero += 1 }
            lateLines[sheet, default: 0] += nonZero
        }
        guard window.contains(ordinal: Int(statement.int(c.postingDay))) else { return }
        // Summed in place: a copy out and back would copy the array for every line.
        if postedBySheet[sheet] == nil { postedBySheet[sheet] = Array(repeating: 0, count: SalesFacts.codeSlots) }
        for (slot, column) in c.forward.enumerated() { postedBySheet[sheet]![slot + 1] += statement.int(column) }
        postedBySheet[sheet]![0] += 1
    }

    static let pointsKey = TenderKey(tender: "points", channel: "")
    static let creditKey = TenderKey(tender: "credit", channel: "")

    /// A line of the window paid on `day`: its tenders (points, credit, cash by channel) less
    /// what its refunds gave back, and its month's discounts and points.
    private mutating func addTenders(_ statement: Statement, _ c: LineColumns, line: LineRow, refund: RefundSums?, day: Int) {
        let points = statement.int(c.points), credit = statement.int(c.credit), cash = statement.int(c.cash)
        if points != 0 { byTender[SalesFacts.pointsKey, default: TenderSums()].add(points, refund?.points) }
        if credit != 0 { byTender[SalesFacts.creditKey, default: TenderSums()].add(credit, refund?.credit) }
        if cash != 0 {
            byTender[TenderKey(tender: "cash", channel: statement.string(c.channel)), default: TenderSums()]
                .add(cash, refund?.cash)
        }
        let month = SalesFacts.monthNumber(Day(ordinal: day)) - firstMonth
        marketingByMonth[month].platform += line.discountPlatform
        marketingByMonth[month].supplier += line.discountSupplier
        marketingByMonth[month].points += points
        marketingByMonth[month].goods += line.goods
    }

    /// Turns the sums kept by sheet and by category path into those the reports read: per
    /// supplier, and per top-level category; adds the other fee lines (posted in the window,
    /// and late ones of every date).
    private mutating func fold(_ db: Database) throws {
        try db.query("""
            SELECT sheet_key, fee_code, sum(amount) AS amount FROM other_fee_lines
            WHERE posting_day >= ? AND posting_day <= ? GROUP BY sheet_key, fee_code
            """, [.int(Int64(window.from.ordinal)), .int(Int64(window.to.ordinal))]) { row in
            let code = Int(row.int("fee_code"))
            guard code > 0 && code < SalesFacts.codeSlots else { return }
            let sheet = row.int("sheet_key")
            if postedBySheet[sheet] == nil { postedBySheet[sheet] = Array(repeating: 0, count: SalesFacts.codeSlots) }
            postedBySheet[sheet]![code] += row.int("amount")
        }
        try db.query("SELECT sheet_key, count(*) AS late_lines FROM other_fee_lines WHERE late = 1 GROUP BY sheet_key") { row in
            lateLines[row.int("sheet_key"), default: 0] += row.int("late_lines")
        }
        try foldPosted(postedBySheet, db)
        for (key, sums) in bySKU { skus.append(key, sums) }
        bySKU = [:]
        for (supplier, sums) in bySupplierKey { bySupplier[supplier.text] = sums }
        for (path, sums) in byCategoryPath {
            byCategory[SalesFacts.topCategory(path.text), default: SalesSums()].merge(sums)
        }
    }

    /// Fee amounts posted in the window per sheet (indexed by store code) added up per supplier.
    mutating func foldPosted(_ bySheet: [Int64: [Int64]], _ db: Database) throws {
        var supplierOf: [Int64: String] = [:]
        try db.query("SELECT sheet_key, supplier_id FROM sheets") { supplierOf[$0.int("sheet_key")] = $0.string("supplier_id") }
        foldPosted(bySheet, supplierOf: supplierOf)
    }

    /// Amounts posted per sheet added up per supplier.
    mutating func foldPosted(_ bySheet: [Int64: [Int64]], supplierOf: [Int64: String]) {
        for (sheet, sums) in bySheet {
            let supplier = supplierOf[sheet] ?? ""
            var total = postedBySupplier[supplier] ?? Array(repeating: 0, count: SalesFacts.codeSlots)
            for slot in total.indices { total[slot] += sums[slot] }
            postedBySupplier[supplier] = total
        }
    }

    private mutating func noteBuyer(_ buyer: TextKey, day: Int, order: TextKey) {
        let month = SalesFacts.monthNumber(Day(ordinal: day))
        let bit = month - monthsBase
        let mask: UInt64 = bit >= 0 && bit < 64 ? 1 << UInt64(bit) : 0
        // One lookup, then the history changed in place in its array.
        guard let slot = buyerSlots[buyer] else {
            buyerSlots[buyer] = histories.count
            histories.append(BuyerHistory(firstMonth: month, firstDay: day, firstOrder: order, repeats: false, months: mask))
            return
        }
        if order != histories[slot].firstOrder { histories[slot].repeats = true }
        if day < histories[slot].firstDay {
            histories[slot].firstDay = day
            histories[slot].firstMonth = month
            histories[slot].firstOrder = order
        }
        histories[slot].months |= mask
    }

    /// The accepted refunds of each line dated on or before `through`, by order_lines.id.
    private static func readRefunds(_ db: Database, config: MallConfig,
                                    through: Day) throws -> [(line: Int64, sums: RefundSums)] {
        var sums: [Int64: RefundSums] = [:]
        var offsets = HourOffsets(calendar: config.calendar)
        var at: RefundColumns?
        try db.query("""
            SELECT o.id AS line_id, r.quantity AS quantity, r.refund_goods AS refund_goods, r.refund_freight AS refund_freight,
                   r.refund_points AS refund_points, r.refund_credit AS refund_credit, r.refund_cash AS refund_cash,
                   r.refunded_at AS refunded_at
            FROM refunds r JOIN order_lines o ON o.order_id = r.order_id AND o.line_no = r.line_no
            WHERE r.state = 'accepted'
            """) { row in
            let c = at ?? RefundColumns(row)
            at = c
            let day = offsets.businessDate(of: Instant(nanos: row.int(c.refundedAt))).ordinal
            guard day <= through.ordinal else { return }
            let line = row.int(c.lineID)
            var sum = sums[line] ?? RefundSums()
            sum.units += row.int(c.quantity)
            sum.goods += row.int(c.goods)
            sum.freight += row.int(c.freight)
            sum.points += row.int(c.points)
            sum.credit += row.int(c.credit)
            sum.cash += row.int(c.cash)
            sums[line] = sum
        }
        return sums.map { (line: $0.key, sums: $0.value) }.sorted { $0.line < $1.line }
    }

    /// The COST reversals of each line (by order_lines.id) posted on or before `through`.
    private static func readCostReversals(_ db: Database, through: Day) throws -> [Int64: Int64] {
        var sums: [Int64: Int64] = [:]
        var at: (line: Int32, cost: Int32)?
        try db.query("""
            SELECT line_key, sum(amount) AS cost FROM other_fee_lines
            WHERE fee_code = ? AND source_type = ? AND posting_day <= ? GROUP BY line_key
            """, [.int(FeeCode.cost.storeCode), .int(SourceType.refund.rawValue), .int(Int64(through.ordinal))]) { row in
            let c = at ?? (line: row.column("line_key"), cost: row.column("cost"))
            at = c
            sums[row.int(c.line)] = row.int(c.cost)
        }
        return sums
    }

    /// The first segment of a category path (`digital/phone` → `digital`).
    static func topCategory(_ path: String) -> String {
        guard let slash = path.firstIndex(of: "/") else { return path }
        return String(path[..<slash])
    }

    /// year × 12 + month − 1.
    static func monthNumber(_ day: Day) -> Int {
        let (year, month, _) = day.components
        return year * 12 + month - 1
    }

    /// `YYYY-MM` of a month number.
    static func monthText(_ number: Int) -> String {
        let year = number / 12, month = number % 12 + 1
        return String(year) + (month < 10 ? "-0" : "-") + String(month)
    }
}

// MARK: Where the columns are

/// The column indexes of the reads' `AS` names, found by name once per read: the line read
/// reads every order line, each by index.
extension SalesFacts {
    /// An order line of `read` with its forward fee row (NULL while unposted).
    struct LineColumns {
        let id, parent, supplier, buyer, sku, category, quantity, unitPrice, discountPlatform, discountSupplier: Int32
        let freight, points, credit, cash, channel, paidAt, goods, postingDay, sheetKey, late: Int32
        /// The forward row's amount of each forward code, in store-code order (GOODS … COST):
        /// element k is the code whose store code is k + 1.
        let forward: [Int32]
        let cost: Int32

        init(_ row: Statement) {
            id = row.column("id"); parent = row.column("parent"); supplier = row.column("supplier")
            buyer = row.column("buyer"); sku = row.column("sku"); category = row.column("category")
            quantity = row.column("quantity"); unitPrice = row.column("unit_price")
            discountPlatform = row.column("discount_platform"); discountSupplier = row.column("discount_supplier")
            freight = row.column("freight"); points = row.column("points"); credit = row.column("credit")
            cash = row.column("cash"); channel = row.column("channel"); paidAt = row.column("paid_at")
            goods = row.column("goods"); postingDay = row.column("posting_day"); sheetKey = row.column("sheet_key")
            late = row.column("late")
            forward = ["f_goods", "f_subsidy", "f_freight", "f_commission", "f_payment_fee", "f_delivery_fee",
                       "f_warehousing_fee", "f_cost"].map { row.column($0) }
            precondition(forward.count == FeeCode.forwardCodeCount, "a forward amount column per forward code")
            cost = row.column("f_cost")
        }
    }

    /// An accepted refund of `readRefunds`: its line's id, what it returned and when.
    struct RefundColumns {
        let lineID, quantity, goods, freight, points, credit, cash, refundedAt: Int32
        init(_ row: Statement) {
            lineID = row.column("line_id"); quantity = row.column("quantity"); goods = row.column("refund_goods")
            freight = row.column("refund_freight"); points = row.column("refund_points")
            credit = row.column("refund_credit"); cash = row.column("refund_cash"); refundedAt = row.column("refunded_at")
        }
    }
}

extension TenderSums {
    mutating func add(_ paid: Int64, _ refunded: Int64?) {
        lines += 1
        self.paid += paid
        self.refunded += refunded ?? 0
    }
}
