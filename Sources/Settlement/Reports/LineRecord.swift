// LineRecord: an order line as the kept facts fold it (KeptFold.swift), with its forward row's
// amounts when it is posted, made from a row of SalesFacts.lineSQL. A night with many new
// lines reads them on a thread of its own, on a read-only connection, while the fold sums the
// lines read before (ReadRows below): reading and typing a row cost as much as folding it.

import MallCore
import MallStore

struct LineRecord: Sendable {
    let id: Int64
    /// The business date of paid_at.
    let day: Int
    let quantity, unitPrice, discountPlatform, discountSupplier, goods, freight: Int64
    let points, credit, cash: Int64
    /// The texts the fold keys on, hashed here: on the reading thread when ReadRows reads.
    let supplier, sku, category, parent: TextKey
    /// None when the line has no buyer id.
    let buyer: TextKey?
    let channel: String
    /// The forward row, when posted.
    let forward: ForwardRow?

    init(_ row: Statement, _ c: SalesFacts.LineColumns, offsets: inout HourOffsets) {
        id = row.int(c.id)
        day = offsets.businessDate(of: Instant(nanos: row.int(c.paidAt))).ordinal
        quantity = row.int(c.quantity); unitPrice = row.int(c.unitPrice)
        discountPlatform = row.int(c.discountPlatform); discountSupplier = row.int(c.discountSupplier)
        goods = row.int(c.goods); freight = row.int(c.freight)
        points = row.int(c.points); credit = row.int(c.credit); cash = row.int(c.cash)
        supplier = TextKey(row.string(c.supplier)); sku = TextKey(row.string(c.sku))
        category = TextKey(row.string(c.category)); parent = TextKey(row.string(c.parent))
        let buyer = row.string(c.buyer)
        self.buyer = buyer.isEmpty ? nil : TextKey(buyer)
        channel = row.string(c.channel)
        forward = row.isNull(c.postingDay) ? nil : ForwardRow(row, c)
    }

    var line: LineRow {
        LineRow(quantity: quantity, unitPrice: unitPrice, discountPlatform: discountPlatform,
                discountSupplier: discountSupplier, goods: goods, freight: freight)
    }
}

/// A posted line's forward row: where and when it posted, and its amount per forward code.
struct ForwardRow: Sendable {
    let postingDay: Int
    let sheet: Int64
    let late: Bool
    /// Element k is the amount of the forward code whose store code is k + 1 (GOODS … COST).
    let amounts: (Int64, Int64, Int64, Int64, Int64, Int64, Int64, Int64)

    init(_ row: Statement, _ c: SalesFacts.LineColumns) {
        postingDay = Int(row.int(c.postingDay))
        sheet = row.int(c.sheetKey)
        late = row.int(c.late) != 0
        let f = c.forward
        amounts = (row.int(f[0]), row.int(f[1]), row.int(f[2]), row.int(f[3]), row.int(f[4]), row.int(f[5]),
                   row.int(f[6]), row.int(f[7]))
    }

    var cost: Int64 { amounts.7 }

    /// Each amount that is not 0, with its store code (read in place: no array per line).
    func forEachAmount(_ body: (_ code: Int, _ amount: Int64) -> Void) {
        withUnsafeBytes(of: amounts) { raw in
            for (index, amount) in raw.bindMemory(to: Int64.self).enumerated() where amount != 0 { body(index + 1, amount) }
        }
    }
}

/// The rows of one query after an id, read and typed on a thread of their own on a read-only
/// connection and handed over in batches, in the query's order; ended early (or when done) by
/// `stop`. The night's new lines (`lines`) and its accepted refunds (`refunds`) are read so.
final class ReadRows<Record: Sendable>: @unchecked Sendable {
    private let handoff: Handoff<Record, any Error>

    /// `sql` has one parameter, `after`; `columns` finds the query's columns once and `record`
    /// types each row.
    init<Columns>(path: String, sql: String, after: Int64, calendar: BusinessCalendar, batchItems: Int, batchesInFlightMax: Int,
                  columns: @escaping @Sendable (Statement) -> Columns,
                  record: @escaping @Sendable (Statement, Columns, inout HourOffsets) -> Record) {
        handoff = Handoff(batchItems: batchItems, batchesInFlightMax: batchesInFlightMax) { emit in
            let reader = try Database(path: path, opening: .readOnly)
            let statement = try reader.prepare(sql)
            try statement.bind(1, after)
            let c = columns(statement)
            var offsets = HourOffsets(calendar: calendar)
            while try statement.step() {
                guard emit(record(statement, c, &offsets)) else { return }
            }
        }
    }

    /// The next batch; nil at the end.
    func next() throws -> [Record]? { try handoff.next() }

    /// Lets go of the reading thread.
    func stop() { handoff.cancel() }
}

extension ReadRows<LineRecord> {
    /// The lines after an id, in id order.
    static func lines(path: String, after: Int64, calendar: BusinessCalendar) -> ReadRows<LineRecord> {
        ReadRows(path: path, sql: SalesFacts.lineSQL(where: "o.id > ?"), after: after, calendar: calendar,
                 batchItems: 256, batchesInFlightMax: 32, columns: SalesFacts.LineColumns.init, record: LineRecord.init)
    }
}

extension ReadRows<RefundRecord> {
    /// The refunds accepted by runs after `afterRun`, in id order, read from the start of a
    /// refresh: while the lines are folded, ahead of being folded themselves (a month's
    /// hundred thousand refunds each look their line up by order and line number, which took
    /// as long as folding them on the folding thread). Room to read a month's refunds ahead.
    static func refunds(path: String, afterRun: Int64, calendar: BusinessCalendar) -> ReadRows<RefundRecord> {
        ReadRows(path: path, sql: KeptFacts.refundSQL(where: "r.accepted_run > ? AND r.state = 'accepted'"), after: afterRun,
                 calendar: calendar, batchItems: 1_024, batchesInFlightMax: 256,
                 columns: KeptFacts.RefundColumns.init, record: RefundRecord.init)
    }
}
