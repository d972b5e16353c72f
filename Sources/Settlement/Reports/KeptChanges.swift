// KeptChanges: what a refresh of the kept facts (KeptFacts.swift) changes besides its dates'
// sums — buyers' histories, purchase-mode margins, amounts posted per date and sheet, late
// lines and the rows that wait for a later as-of date — written at the refresh's end.
//
// A fresh fold (the first night, or everything folded again) reads a month of lines with
// nothing kept to look up, so these changes are made on a thread of their own (SideFold)
// from the same batches of lines while the folding thread adds up the dates.

import MallCore

struct KeptChanges {
    let asOf: Int
    let purchase: Set<TextKey>

    var buyers: [TextKey: BuyerRow] = [:]
    var margins: [MarginRowKey: MarginRow] = [:]
    /// Amounts per posting date and sheet, indexed by FeeCode.storeCode.
    var posted: [PostedKey: [Int64]] = [:]
    var late: [Int64: Int64] = [:]
    var waiting: [WaitingRow] = []
    /// Margin changes of forward postings, refunds and COST reversals, applied after the lines.
    var marginChanges: [(key: MarginRowKey, change: MarginRow.Change)] = []

    init(asOf: Int, purchase: Set<TextKey>) {
        self.asOf = asOf
        self.purchase = purchase
    }

    /// Notes a row to fold in once the as-of date reaches `day`; true if it waits.
    mutating func waits(_ kind: Int64, _ id: Int64, day: Int) -> Bool {
        guard day > asOf else { return false }
        waiting.append(WaitingRow(kind: kind, id: id, day: day))
        return true
    }

    /// A new line's part besides its date's sums: its forward posting (counted now, whatever
    /// the dates), and, unless the line waits, its buyer's history and its purchase-mode
    /// margin. Whether the line waits is noted by the caller with its date's sums.
    /// A buyer with a kept history must be in `buyers` first.
    mutating func foldLine(_ record: LineRecord, forwardToo: Bool) {
        let id = record.id, day = record.day
        if forwardToo, let forward = record.forward {
            addPosted(forward)
            if purchase.contains(record.supplier), !waits(WaitingRow.forward, id, day: max(day, forward.postingDay)) {
                marginChanges.append((MarginRowKey(day: day, line: id), .posted(cost: forward.cost)))
            }
        }
        guard day <= asOf else { return }
        if let buyer = record.buyer {
            let order = record.parent.text
            buyers[buyer, default: BuyerRow(firstDay: day, firstOrder: order, repeats: false, months: 1)]
                .bought(day: day, order: order)
        }
        if purchase.contains(record.supplier) {
            margins[MarginRowKey(day: day, line: id)] = MarginRow(category: record.category.text, sku: record.sku.text,
                                                                 posted: false, units: record.quantity,
                                                                 netSales: record.goods, netCost: 0)
        }
    }

    /// A forward row's amounts per code on its posting date, and its late lines.
    mutating func addPosted(_ forward: ForwardRow) {
        let nonZero = KeptChanges.add(forward, to: &posted[PostedKey(day: forward.postingDay, sheet: forward.sheet),
                                                            default: Array(repeating: 0, count: SalesFacts.codeSlots)])
        if forward.late && nonZero != 0 { late[forward.sheet, default: 0] += nonZero }
    }

    /// Adds a forward row's amounts by store code; returns how many are not 0 (its lines).
    private static func add(_ forward: ForwardRow, to amounts: inout [Int64]) -> Int64 {
        var nonZero: Int64 = 0
        forward.forEachAmount { code, amount in
            nonZero += 1
            amounts[code] += amount
        }
        return nonZero
    }
}

/// The changes of a fresh fold's lines, made on a thread of their own from the batches the
/// folding thread hands over (nothing kept is looked up, so no store connection is needed).
final class SideFold: @unchecked Sendable {
    private var changes: KeptChanges
    private let worker = SerialWorker(name: "report buyers", queuedMax: 8)

    init(_ changes: KeptChanges) {
        self.changes = changes
    }

    /// Folds a batch of new lines after the ones handed over before.
    func fold(_ batch: [LineRecord]) {
        worker.async { [self] in
            for record in batch { changes.foldLine(record, forwardToo: true) }
        }
    }

    /// The changes once every batch handed over is folded.
    func finish() -> KeptChanges {
        worker.finish()
        // Handed over, not shared: the caller's first change would copy every table otherwise.
        defer { changes = KeptChanges(asOf: changes.asOf, purchase: changes.purchase) }
        return changes
    }
}
