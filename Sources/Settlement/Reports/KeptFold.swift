// KeptFold: how each row that arrived since the last refresh changes the kept facts
// (KeptFacts.swift): order lines, accepted refunds, forward postings and other fee lines.

import MallCore
import MallStore

extension KeptFacts {
    // MARK: Order lines

    /// Folds the lines after `after` (and the waiting ones now due) into their dates; the
    /// forward postings of the new lines count in report_posted and report_late now, whatever
    /// their dates. Returns the largest line id read.
    mutating func foldLines(after: Int64, waitingIDs: [Int64]) throws -> Int64 {
        var last = after
        // Read on a thread of their own while this one folds; in a fresh fold, the changes
        // besides the dates' sums are made on a third (KeptChanges.swift).
        let lines = ReadRows.lines(path: db.path, after: after, calendar: config.calendar)
        defer { lines.stop() }
        let side = fresh ? SideFold(changes) : nil
        if side != nil { changes = KeptChanges(asOf: asOf.ordinal, purchase: purchase) }
        while let batch = try lines.next() {
            side?.fold(batch)
            for line in batch {
                last = line.id
                try foldLine(line, forwardToo: true, changesToo: side == nil)
            }
        }
        if let side {
            // This thread noted only the lines that wait.
            var folded = side.finish()
            folded.waiting.append(contentsOf: changes.waiting)
            changes = folded
        }
        let one = try db.prepare(SalesFacts.lineSQL(where: "o.id = ?"))
        let oc = SalesFacts.LineColumns(one)
        for id in waitingIDs {
            try one.bind(1, id)
            while try one.step() { try foldLine(LineRecord(one, oc, offsets: &offsets), forwardToo: false, changesToo: true) }
        }
        return last
    }

    /// A new line: its date's sums, and (unless made on a thread of their own) the rest of
    /// what it changes.
    private mutating func foldLine(_ record: LineRecord, forwardToo: Bool, changesToo: Bool) throws {
        if changesToo {
            if !fresh, record.day <= asOf.ordinal, let buyer = record.buyer, changes.buyers[buyer] == nil,
               let stored = try KeptFacts.storedBuyer(buyer, db) {
                changes.buyers[buyer] = stored
            }
            changes.foldLine(record, forwardToo: forwardToo)
        }
        guard !waits(WaitingRow.line, record.id, day: record.day) else { return }
        let key = SKUKey(sku: record.sku, supplier: record.supplier, category: record.category)
        let tenders = Tenders(points: record.points, credit: record.credit, cash: record.cash, channel: record.channel)
        try withDay(record.day) { $0.add(record.line, key, tenders, parent: record.parent, buyer: record.buyer) }
    }

    // MARK: Refunds

    /// Folds the refunds accepted by runs after the one `refunds` reads from (and the waiting
    /// ones now due) into their lines' dates.
    mutating func foldRefunds(_ refunds: ReadRows<RefundRecord>, waitingIDs: [Int64]) throws {
        while let batch = try refunds.next() {
            for refund in batch { try foldRefund(refund) }
        }
        let one = try db.prepare(KeptFacts.refundSQL(where: "r.id = ? AND r.state = 'accepted'"))
        let oc = RefundColumns(one)
        for id in waitingIDs {
            try one.bind(1, id)
            while try one.step() { try foldRefund(RefundRecord(one, oc, offsets: &offsets)) }
        }
    }

    private mutating func foldRefund(_ refund: RefundRecord) throws {
        let day = refund.day
        guard !waits(WaitingRow.refund, refund.id, day: max(day, refund.refundedDay)) else { return }
        let key = SKUKey(sku: refund.sku, supplier: refund.supplier, category: refund.category)
        try withDay(day) {
            $0.addRefund(units: refund.units, goods: refund.goods, key, paidWith: refund.line, refunded: refund.refunded)
        }
        if purchase.contains(refund.supplier) {
            changes.marginChanges.append((MarginRowKey(day: day, line: refund.lineID),
                                          .refunded(units: refund.units, goods: refund.goods)))
        }
    }

    static func refundSQL(where condition: String) -> String {
        """
        SELECT r.id AS id, r.quantity AS quantity, r.refund_goods AS refund_goods, r.refund_points AS refund_points,
               r.refund_credit AS refund_credit, r.refund_cash AS refund_cash, r.refunded_at AS refunded_at,
               o.id AS line_id, o.paid_at AS paid_at, o.supplier_id AS supplier, o.sku AS sku, o.category AS category,
               o.paid_points AS line_points, o.paid_credit AS line_credit, o.paid_cash AS line_cash,
               o.payment_channel AS channel
        FROM refunds r JOIN order_lines o ON o.order_id = r.order_id AND o.line_no = r.line_no
        WHERE \(condition) ORDER BY r.id
        """
    }

    struct RefundColumns {
        let id, quantity, goods, points, credit, cash, refundedAt, lineID, paidAt, supplier, sku, category: Int32
        let linePoints, lineCredit, lineCash, channel: Int32
        init(_ row: Statement) {
            id = row.column("id"); quantity = row.column("quantity"); goods = row.column("refund_goods")
            points = row.column("refund_points"); credit = row.column("refund_credit"); cash = row.column("refund_cash")
            refundedAt = row.column("refunded_at"); lineID = row.column("line_id"); paidAt = row.column("paid_at")
            supplier = row.column("supplier"); sku = row.column("sku"); category = row.column("category")
            linePoints = row.column("line_points"); lineCredit = row.column("line_credit"); lineCash = row.column("line_cash")
            channel = row.column("channel")
        }
    }
}

/// An accepted refund as the kept facts fold it, with its line's date, SKU and tenders.
struct RefundRecord: Sendable {
    let id, lineID: Int64
    /// The business dates of its line's payment and of the refund.
    let day, refundedDay: Int
    let units, goods: Int64
    let supplier, sku, category: TextKey
    /// What the line paid with, and what the refund gave back of each.
    let line, refunded: Tenders

    init(_ row: Statement, _ c: KeptFacts.RefundColumns, offsets: inout HourOffsets) {
        id = row.int(c.id); lineID = row.int(c.lineID)
        day = offsets.businessDate(of: Instant(nanos: row.int(c.paidAt))).ordinal
        refundedDay = offsets.businessDate(of: Instant(nanos: row.int(c.refundedAt))).ordinal
        units = row.int(c.quantity); goods = row.int(c.goods)
        supplier = TextKey(row.string(c.supplier)); sku = TextKey(row.string(c.sku)); category = TextKey(row.string(c.category))
        line = Tenders(points: row.int(c.linePoints), credit: row.int(c.lineCredit), cash: row.int(c.lineCash),
                       channel: row.string(c.channel))
        refunded = Tenders(points: row.int(c.points), credit: row.int(c.credit), cash: row.int(c.cash), channel: "")
    }
}

/// A line's tenders: points, credit, and cash through its channel.
struct Tenders: Sendable {
    let points: Int64, credit: Int64, cash: Int64
    let channel: String
}

extension DayWork {
    /// A line paid on the date.
    mutating func add(_ line: LineRow, _ key: SKUKey, _ tenders: Tenders, parent: TextKey, buyer: TextKey?) {
        facts.totals.add(line, nil)
        var sums = SalesSums()
        sums.add(line, nil)
        addProduct(key, sums)
        facts.points += tenders.points
        if tenders.points != 0 { newTenders[tender(SalesFacts.pointsKey)].sums.add(tenders.points, nil) }
        if tenders.credit != 0 { newTenders[tender(SalesFacts.creditKey)].sums.add(tenders.credit, nil) }
        if tenders.cash != 0 { newTenders[tender(TenderKey(tender: "cash", channel: tenders.channel))].sums.add(tenders.cash, nil) }
        // A parent order's lines come one after another: each is noted once, not per line.
        if orders.last != parent { orders.append(parent) }
        if let buyer, buyers.last != buyer { addBuyer(buyer) }
    }

    /// Adds `sums` to its SKU's entry, the SKU's first line or refund making it. A date whose
    /// first 4,096 lines and refunds are mostly SKUs of their own (the bench month: half a
    /// million SKU keys in a million lines) stops looking and appends: `settled` adds equal
    /// entries up anyway, and looking each up first cost its reports 0.3 s.
    private mutating func addProduct(_ key: SKUKey, _ sums: SalesSums) {
        if let at = productSlots.position(of: key.hash, where: { facts.products[$0].key == key }) {
            facts.products[at].sums.merge(sums)
            productSlots.noteFound()
            return
        }
        productSlots.noteNew(key.hash, at: facts.products.count, judgedAfter: DayWork.lookUpsJudged,
                             hashes: facts.products.lazy.map(\.key.hash))
        facts.products.append((key, sums))
    }

    /// Notes a buyer once, or (on a date whose buyers are mostly new, as `addProduct` judges
    /// for SKUs) appends it for `settled` to count once.
    private mutating func addBuyer(_ buyer: TextKey) {
        guard buyerSlots.position(of: buyer.hash, where: { buyers[$0] == buyer }) == nil else { return buyerSlots.noteFound() }
        buyerSlots.noteNew(buyer.hash, at: buyers.count, judgedAfter: DayWork.lookUpsJudged, hashes: buyers.lazy.map(\.hash))
        buyers.append(buyer)
    }

    /// Lines and refunds after which a date judges whether looking its SKUs up pays.
    static let lookUpsJudged = 4_096

    /// A refund of a line paid on the date: what it returned, under the line's SKU and under
    /// each tender the line paid with (as SalesFacts.addTenders counts it).
    mutating func addRefund(units: Int64, goods: Int64, _ key: SKUKey, paidWith line: Tenders, refunded: Tenders) {
        facts.totals.refundGoods += goods
        facts.totals.refundUnits += units
        var sums = SalesSums()
        sums.refundGoods = goods
        sums.refundUnits = units
        addProduct(key, sums)
        if line.points != 0 { newTenders[tender(SalesFacts.pointsKey)].sums.refunded += refunded.points }
        if line.credit != 0 { newTenders[tender(SalesFacts.creditKey)].sums.refunded += refunded.credit }
        if line.cash != 0 { newTenders[tender(TenderKey(tender: "cash", channel: line.channel))].sums.refunded += refunded.cash }
    }

    /// The index of a tender's sums in `newTenders`, added when new: a date has a handful of
    /// tenders, and looking through them costs less than a hash per tender and line.
    private mutating func tender(_ key: TenderKey) -> Int {
        if let index = newTenders.firstIndex(where: { $0.key == key }) { return index }
        newTenders.append((key, TenderSums()))
        return newTenders.count - 1
    }
}
