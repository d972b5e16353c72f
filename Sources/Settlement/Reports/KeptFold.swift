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
        // Read on a thread of their own while this one folds.
        let lines = ReadLines(path: db.path, after: after, calendar: config.calendar)
        defer { lines.stop() }
        while let batch = try lines.next() {
            for line in batch {
                last = line.id
                try foldLine(line, forwardToo: true)
            }
        }
        let one = try db.prepare(SalesFacts.lineSQL(where: "o.id = ?"))
        let oc = SalesFacts.LineColumns(one)
        for id in waitingIDs {
            try one.bind(1, id)
            while try one.step() { try foldLine(LineRecord(one, oc, offsets: &offsets), forwardToo: false) }
        }
        return last
    }

    private mutating func foldLine(_ record: LineRecord, forwardToo: Bool) throws {
        let id = record.id, day = record.day
        let supplier = TextKey(record.supplier)
        if forwardToo, let forward = record.forward {
            addPosted(forward)
            noteForwardMargin(line: id, day: day, supplier: supplier, postingDay: forward.postingDay, cost: forward.cost)
        }
        guard !waits(WaitingRow.line, id, day: day) else { return }
        let line = record.line
        let sku = record.sku, category = record.category
        let key = SKUKey(sku: TextKey(sku), supplier: supplier, category: TextKey(category))
        let parent = TextKey(record.parent)
        let buyer = record.buyer.isEmpty ? nil : TextKey(record.buyer)
        let tenders = Tenders(points: record.points, credit: record.credit, cash: record.cash, channel: record.channel)
        try withDay(day) { $0.add(line, key, tenders, parent: parent, buyer: buyer) }
        if let buyer { try noteBuyer(buyer, day: day, order: parent.text) }
        if purchase.contains(supplier) {
            margins[MarginRowKey(day: day, line: id)] = MarginRow(category: category, sku: sku, posted: false,
                                                                 units: line.quantity, netSales: line.goods, netCost: 0)
        }
    }

    /// A purchase-mode line's forward posting counts in its margin from the later of its
    /// posting date and its date of payment.
    private mutating func noteForwardMargin(line: Int64, day: Int, supplier: TextKey, postingDay: Int, cost: Int64) {
        guard purchase.contains(supplier), !waits(WaitingRow.forward, line, day: max(day, postingDay)) else { return }
        marginChanges.append((MarginRowKey(day: day, line: line), .posted(cost: cost)))
    }

    private mutating func noteBuyer(_ buyer: TextKey, day: Int, order: String) throws {
        // One look-up when the buyer is in memory or new to a fresh fold.
        if !fresh && buyers[buyer] == nil, let stored = try buyerRow(buyer) { buyers[buyer] = stored }
        buyers[buyer, default: BuyerRow(firstDay: day, firstOrder: order, repeats: false, months: 1)].bought(day: day, order: order)
    }

    // MARK: Refunds

    /// Folds the refunds accepted by runs after `afterRun` (and the waiting ones now due) into
    /// their lines' dates.
    mutating func foldRefunds(afterRun: Int64, waitingIDs: [Int64]) throws {
        let statement = try db.prepare(KeptFacts.refundSQL(where: "r.accepted_run > ? AND r.state = 'accepted'"))
        try statement.bind(1, afterRun)
        let c = RefundColumns(statement)
        while try statement.step() { try foldRefund(statement, c) }
        let one = try db.prepare(KeptFacts.refundSQL(where: "r.id = ? AND r.state = 'accepted'"))
        let oc = RefundColumns(one)
        for id in waitingIDs {
            try one.bind(1, id)
            while try one.step() { try foldRefund(one, oc) }
        }
    }

    private mutating func foldRefund(_ row: Statement, _ c: RefundColumns) throws {
        let day = businessDay(row.int(c.paidAt))
        guard !waits(WaitingRow.refund, row.int(c.id), day: max(day, businessDay(row.int(c.refundedAt)))) else { return }
        let goods = row.int(c.goods), units = row.int(c.quantity), supplier = TextKey(row.string(c.supplier))
        let key = SKUKey(sku: TextKey(row.string(c.sku)), supplier: supplier, category: TextKey(row.string(c.category)))
        let tenders = Tenders(points: row.int(c.linePoints), credit: row.int(c.lineCredit), cash: row.int(c.lineCash),
                              channel: row.string(c.channel))
        let refunded = Tenders(points: row.int(c.points), credit: row.int(c.credit), cash: row.int(c.cash), channel: "")
        try withDay(day) { $0.addRefund(units: units, goods: goods, key, paidWith: tenders, refunded: refunded) }
        if purchase.contains(supplier) {
            marginChanges.append((MarginRowKey(day: day, line: row.int(c.lineID)), .refunded(units: units, goods: goods)))
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

/// A line's tenders: points, credit, and cash through its channel.
struct Tenders {
    let points: Int64, credit: Int64, cash: Int64
    let channel: String
}

extension DayWork {
    /// A line paid on the date.
    mutating func add(_ line: LineRow, _ key: SKUKey, _ tenders: Tenders, parent: TextKey, buyer: TextKey?) {
        facts.totals.add(line, nil)
        var sums = SalesSums()
        sums.add(line, nil)
        facts.products.append((key, sums))
        facts.points += tenders.points
        if tenders.points != 0 { facts.tenders[SalesFacts.pointsKey, default: TenderSums()].add(tenders.points, nil) }
        if tenders.credit != 0 { facts.tenders[SalesFacts.creditKey, default: TenderSums()].add(tenders.credit, nil) }
        if tenders.cash != 0 {
            facts.tenders[TenderKey(tender: "cash", channel: tenders.channel), default: TenderSums()].add(tenders.cash, nil)
        }
        orders.append(parent)
        if let buyer { buyers.append(buyer) }
    }

    /// A refund of a line paid on the date: what it returned, under the line's SKU and under
    /// each tender the line paid with (as SalesFacts.addTenders counts it).
    mutating func addRefund(units: Int64, goods: Int64, _ key: SKUKey, paidWith line: Tenders, refunded: Tenders) {
        facts.totals.refundGoods += goods
        facts.totals.refundUnits += units
        var sums = SalesSums()
        sums.refundGoods = goods
        sums.refundUnits = units
        facts.products.append((key, sums))
        if line.points != 0 { facts.tenders[SalesFacts.pointsKey, default: TenderSums()].refunded += refunded.points }
        if line.credit != 0 { facts.tenders[SalesFacts.creditKey, default: TenderSums()].refunded += refunded.credit }
        if line.cash != 0 {
            facts.tenders[TenderKey(tender: "cash", channel: line.channel), default: TenderSums()].refunded += refunded.cash
        }
    }
}
