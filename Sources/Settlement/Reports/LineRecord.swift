// LineRecord: an order line as the kept facts fold it (KeptFold.swift), with its forward row's
// amounts when it is posted, made from a row of SalesFacts.lineSQL. A night with many new
// lines reads them on a thread of its own, on a read-only connection, while the fold sums the
// lines read before (ReadLines below): reading and typing a row cost as much as folding it.

import MallCore
import MallStore

struct LineRecord: Sendable {
    let id: Int64
    /// The business date of paid_at.
    let day: Int
    let quantity, unitPrice, discountPlatform, discountSupplier, goods, freight: Int64
    let points, credit, cash: Int64
    /// The texts the fold keys on, hashed here: on the reading thread when ReadLines reads.
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

/// The lines after an id, read on a thread of their own on a read-only connection and handed
/// over in batches; ended early (or when done) by `stop`.
final class ReadLines: @unchecked Sendable {
    private let handoff: Handoff<LineRecord, any Error>

    init(path: String, after: Int64, calendar: BusinessCalendar) {
        handoff = Handoff(batchItems: 256, batchesInFlightMax: 32) { emit in
            let reader = try Database(path: path, opening: .readOnly)
            let statement = try reader.prepare(SalesFacts.lineSQL(where: "o.id > ?"))
            try statement.bind(1, after)
            let c = SalesFacts.LineColumns(statement)
            var offsets = HourOffsets(calendar: calendar)
            while try statement.step() {
                guard emit(LineRecord(statement, c, offsets: &offsets)) else { return }
            }
        }
    }

    /// The next batch, in id order; nil at the end.
    func next() throws -> [LineRecord]? { try handoff.next() }

    /// Lets go of the reading thread.
    func stop() { handoff.cancel() }
}
