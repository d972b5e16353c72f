// StageRows: steps 5–7 of the row checks for each feed (SPEC §3.1–3.4): what a row stores,
// its key, and the checks that need the configuration.

import MallCore
import MallIO
import MallStore

/// Where one feed's rows are stored: the table, the columns that define a row's content
/// (compared on re-delivery, in feed order), the positions of the key among them and the
/// columns stored but never compared. Made from a `FeedDeclaration`. A class: every staged row
/// carries its table's, and a reference costs one retain where the fields would cost six.
final class TableSpec: Sendable {
    let table: String
    let fields: [String]
    /// Positions in `fields` of the table's unique key, in the key's order.
    let key: [Int]
    let extras: [String]

    /// `INSERT OR IGNORE …` for every field and extra, built once. Only the table and column
    /// names of the declarations go into the SQL text; every value is bound.
    let insertSQL: String
    /// The same for `ManyRows.perInsert` rows in one statement.
    let insertManySQL: String
    /// `SELECT id, source_file, source_line, fields… WHERE key…`, built once.
    let selectSQL: String

    init(table: String, fields: [String], key: [Int], extras: [String]) {
        self.table = table
        self.fields = fields
        self.key = key
        self.extras = extras
        let all = fields + extras
        let insert = "INSERT OR IGNORE INTO \(table)(\(all.joined(separator: ", "))) VALUES "
        insertSQL = insert + ManyRows.placeholders(columns: all.count, rows: 1)
        insertManySQL = insert + ManyRows.placeholders(columns: all.count, rows: ManyRows.perInsert)
        selectSQL = "SELECT id, source_file, source_line, \(fields.joined(separator: ", ")) FROM \(table) WHERE "
            + key.map { "\(fields[$0]) = ?" }.joined(separator: " AND ")
    }

    static let orders = FeedDeclaration.orders.tableSpec
    static let refunds = FeedDeclaration.refunds.tableSpec
    static let payments = FeedDeclaration.payments.tableSpec
    static let repayments = FeedDeclaration.repayments.tableSpec
    static let adjustments = FeedDeclaration.adjustments.tableSpec
    /// Declared once in FeedDeclaration.swift.
    static let payouts = FeedDeclaration.payouts.tableSpec

    static func spec(for kind: FeedKind) -> TableSpec {
        switch kind {
        case .orders: return orders
        case .refunds: return refunds
        case .adjustments: return adjustments
        case .payments: return payments
        case .repayments: return repayments
        case .payouts: return payouts
        }
    }
}

/// A row ready to store: values for its table's fields (one per declared column, at the
/// column's position) and extras, and a check of steps
/// 6–7 that failed (reported only when the key is new: step 5 comes first).
struct StagedRow {
    let spec: TableSpec
    let values: [SQLValue]
    let extras: [SQLValue]
    let laterFailure: Rejection?

    var key: [SQLValue] { spec.key.map { values[$0] } }
}

/// Builds staged rows from typed rows, one function per feed.
struct RowStager {
    let config: MallConfig
    let fileID: Int64

    private func text(_ value: String?) -> SQLValue { value.map { .text($0) } ?? .null }
    private func int(_ value: Int64?) -> SQLValue { value.map { .int($0) } ?? .null }
    private var source: [SQLValue] { [.int(fileID)] }

    /// Orders (SPEC §3.1). Defaults are stored as NULL (a parent equal to the order, the
    /// store's currency), so a cell left empty and one stating the default compare equal.
    func order(_ row: TypedRow) -> StagedRow {
        let s = OrderColumns.shared
        let orderID = row.text(s.orderId)!
        let quantity = row.int(s.quantity)!
        let unitPrice = row.int(s.unitPrice)!
        let discountPlatform = row.int(s.discountPlatform, default: 0)
        let discountSupplier = row.int(s.discountSupplier, default: 0)
        let freight = row.int(s.freight, default: 0)
        let points = row.int(s.paidPoints, default: 0)
        let credit = row.int(s.paidCredit, default: 0)
        let cash = row.int(s.paidCash, default: 0)
        let supplierID = row.text(s.supplierId)!
        let currency = row.text(s.currency) ?? config.currency
        // quantity × unit_price was range-checked in typing (Ingestor.orderProductsOutOfRange).
        let goods = OrderChecks.goods(quantity: quantity, unitPrice: unitPrice, discountPlatform: discountPlatform,
                                      discountSupplier: discountSupplier)
        let failure: Rejection?
        switch OrderChecks.failure(supplierKnown: config.supplier(exactly: supplierID) != nil, currency: currency,
                                   storeCurrency: config.currency, goods: goods, tenders: points + credit + cash,
                                   freight: freight) {
        case nil:
            failure = nil
        case .unknownSupplier:
            failure = Rejection(.unknownSupplier, column: row.columns[s.supplierId],
                                "supplier '\(supplierID)' is not configured")
        case .badCurrency:
            failure = Rejection(.badCurrency, column: row.columns[s.currency],
                                "currency '\(currency)' is not the store's currency \(config.currency)")
        case .negativeGoods:
            failure = Rejection(.negativeGoods, column: row.columns[s.unitPrice],
                                "goods = \(quantity) × \(Money(fen: unitPrice)) − discounts is \(Money(fen: goods)), below zero")
        case .tenderMismatch:
            failure = Rejection(.tenderMismatch, column: row.columns[s.paidCash],
                                "tenders \(Money(fen: points + credit + cash)) ≠ goods \(Money(fen: goods)) + freight \(Money(fen: freight))")
        }
        // The declared cells, with a parent equal to the order and the store's currency as NULL.
        var values = FeedDeclaration.orders.values(row)
        if row.text(s.parentOrderId) == orderID { values[s.parentOrderId] = .null }
        if currency == config.currency { values[s.currency] = .null }
        return StagedRow(
            spec: .orders,
            values: values,
            extras: [.int(goods)] + source + [.int(Int64(row.line))],
            laterFailure: failure)
    }

    /// Cells an order row needs given its other cells and lacks: a channel for cash, a buyer
    /// for credit, a cost price for a purchase-mode supplier (SPEC §3 step 2). A cell that is
    /// there needs no check, so the amounts are parsed only when it is missing.
    func orderAlsoRequired(_ record: FeedRecordValues) -> [Int] {
        let s = OrderColumns.shared
        var needed: [Int] = []
        func fen(_ index: Int) -> Int64? {
            guard let text = record(index), case .success(let money) = Money.parse(text) else { return nil }
            return money.fen
        }
        if record(s.paymentChannel) == nil, OrderChecks.needsChannel(cash: fen(s.paidCash)) {
            needed.append(s.paymentChannel)
        }
        if record(s.buyerId) == nil, OrderChecks.needsBuyer(credit: fen(s.paidCredit)) {
            needed.append(s.buyerId)
        }
        if record(s.costPrice) == nil,
           OrderChecks.needsCostPrice(mode: record(s.supplierId).flatMap { config.supplier(exactly: $0)?.mode }) {
            needed.append(s.costPrice)
        }
        return needed
    }

    /// Refunds (SPEC §3.2). Over-refunds are checked later, when the refund becomes usable.
    func refund(_ row: TypedRow) -> StagedRow {
        let s = RefundColumns.shared
        let goods = row.int(s.refundGoods)!
        let freight = row.int(s.refundFreight, default: 0)
        let points = row.int(s.refundPoints, default: 0)
        let credit = row.int(s.refundCredit, default: 0)
        let cash = row.int(s.refundCash, default: 0)
        var failure: Rejection?
        if !RefundChecks.tendersBalance(points: points, credit: credit, cash: cash, goods: goods, freight: freight) {
            failure = Rejection(.tenderMismatch, column: row.columns[s.refundCash],
                                "tenders returned \(Money(fen: points + credit + cash)) ≠ refund_goods \(Money(fen: goods)) + refund_freight \(Money(fen: freight))")
        }
        return StagedRow(
            spec: .refunds,
            values: FeedDeclaration.refunds.values(row),
            extras: source + [.int(Int64(row.line)), .text(row.raw),
                              .text(row.columns.map(String.init).joined(separator: ",")), .text("unchecked")],
            laterFailure: failure)
    }

    /// Adjustments (SPEC §3.4): manual corrections by finance.
    func adjustment(_ row: TypedRow) -> StagedRow {
        let s = FeedSchemas.adjustmentsIndex
        let supplierID = row.text(s.index("supplier_id"))!
        var failure: Rejection?
        if config.supplier(exactly: supplierID) == nil {
            failure = Rejection(.unknownSupplier, column: row.columns[s.index("supplier_id")],
                                "supplier '\(supplierID)' is not configured")
        }
        return StagedRow(
            spec: .adjustments,
            values: FeedDeclaration.adjustments.values(row),
            extras: source + [.int(Int64(row.line))],
            laterFailure: failure)
    }

    /// Payments (SPEC §3.3), stored for reconciliation.
    func payment(_ row: TypedRow) -> StagedRow {
        StagedRow(
            spec: .payments,
            values: FeedDeclaration.payments.values(row),
            extras: source + [.int(Int64(row.line))],
            laterFailure: nil)
    }

    /// Repayments (SPEC §3.4): credit-line repayments, amount > 0.
    func repayment(_ row: TypedRow) -> StagedRow {
        StagedRow(
            spec: .repayments,
            values: FeedDeclaration.repayments.values(row),
            extras: source + [.int(Int64(row.line))],
            laterFailure: nil)
    }

    /// Payouts (SPEC §3.4): treasury's confirmation that a closed sheet was paid.
    func payout(_ row: TypedRow) -> StagedRow {
        StagedRow(
            spec: .payouts,
            values: FeedDeclaration.payouts.values(row),
            extras: source + [.int(Int64(row.line))],
            laterFailure: nil)
    }
}

/// Positions of the orders feed's columns in its declaration, looked up once (rows are typed
/// millions of times): where a row's cell is read and where its staged value goes.
struct OrderColumns {
    static let shared: OrderColumns = {
        let columns = OrderColumns()
        precondition(columns.inOrder == Array(0..<columns.count), "RowStager.plainOrder stages the declared order columns in order")
        return columns
    }()
    let count = FeedDeclaration.orders.columns.count
    let orderId = FeedSchemas.ordersIndex.index("order_id")
    let parentOrderId = FeedSchemas.ordersIndex.index("parent_order_id")
    let lineNo = FeedSchemas.ordersIndex.index("line_no")
    let supplierId = FeedSchemas.ordersIndex.index("supplier_id")
    let buyerId = FeedSchemas.ordersIndex.index("buyer_id")
    let memberLevel = FeedSchemas.ordersIndex.index("member_level")
    let sku = FeedSchemas.ordersIndex.index("sku")
    let category = FeedSchemas.ordersIndex.index("category")
    let quantity = FeedSchemas.ordersIndex.index("quantity")
    let unitPrice = FeedSchemas.ordersIndex.index("unit_price")
    let costPrice = FeedSchemas.ordersIndex.index("cost_price")
    let discountPlatform = FeedSchemas.ordersIndex.index("discount_platform")
    let discountSupplier = FeedSchemas.ordersIndex.index("discount_supplier")
    let freight = FeedSchemas.ordersIndex.index("freight")
    let paidPoints = FeedSchemas.ordersIndex.index("paid_points")
    let paidCredit = FeedSchemas.ordersIndex.index("paid_credit")
    let paidCash = FeedSchemas.ordersIndex.index("paid_cash")
    let paymentChannel = FeedSchemas.ordersIndex.index("payment_channel")
    let orderedAt = FeedSchemas.ordersIndex.index("ordered_at")
    let paidAt = FeedSchemas.ordersIndex.index("paid_at")
    let completedAt = FeedSchemas.ordersIndex.index("completed_at")
    let currency = FeedSchemas.ordersIndex.index("currency")

    /// The positions in the order `RowStager.plainOrder` lists its staged values; they must be
    /// the declaration's positions 0, 1, 2, … (checked when `shared` is first used, and by a test).
    var inOrder: [Int] {
        [orderId, parentOrderId, lineNo, supplierId, buyerId, memberLevel, sku, category, quantity, unitPrice, costPrice,
         discountPlatform, discountSupplier, freight, paidPoints, paidCredit, paidCash, paymentChannel, orderedAt, paidAt,
         completedAt, currency]
    }
}

/// Positions of the refunds feed's columns in its declaration, looked up once (rows are typed
/// millions of times): where a row's cell is read and where its staged value goes.
struct RefundColumns {
    static let shared: RefundColumns = {
        let columns = RefundColumns()
        precondition(columns.inOrder == Array(0..<columns.count), "RowStager.plainRefund stages the declared refund columns in order")
        return columns
    }()
    let count = FeedDeclaration.refunds.columns.count
    let refundId = FeedSchemas.refundsIndex.index("refund_id")
    let orderId = FeedSchemas.refundsIndex.index("order_id")
    let lineNo = FeedSchemas.refundsIndex.index("line_no")
    let refundType = FeedSchemas.refundsIndex.index("refund_type")
    let quantity = FeedSchemas.refundsIndex.index("quantity")
    let refundGoods = FeedSchemas.refundsIndex.index("refund_goods")
    let refundFreight = FeedSchemas.refundsIndex.index("refund_freight")
    let refundPoints = FeedSchemas.refundsIndex.index("refund_points")
    let refundCredit = FeedSchemas.refundsIndex.index("refund_credit")
    let refundCash = FeedSchemas.refundsIndex.index("refund_cash")
    let refundedAt = FeedSchemas.refundsIndex.index("refunded_at")

    /// The positions in the order `RowStager.plainRefund` lists its staged values; they must
    /// be the declaration's positions 0, 1, 2, … (checked when `shared` is first used, and by a test).
    var inOrder: [Int] {
        [refundId, orderId, lineNo, refundType, quantity, refundGoods, refundFreight, refundPoints, refundCredit,
         refundCash, refundedAt]
    }
}

/// Reads the text of a requested column of a record, by its index.
typealias FeedRecordValues = (Int) -> String?

/// Orders and refunds typed straight from a plain CSV record's bytes (`CSVRecordView`): the
/// same checks and the same staged row as typing its `FeedRecord` (`FeedSchema.type`, then
/// `RowStager.order` or `.refund`), without a String per cell. A row any check would refuse
/// gets nil here, and the general path (`Ingestor.prepare`) refuses it with its message.
extension RowStager {
    func plainOrder(_ view: CSVRecordView) -> StagedRow? {
        let s = OrderColumns.shared
        // Required cells (step 2), integers and id lengths (step 3).
        guard let orderIDBytes = view.cell(s.orderId), orderIDBytes.count <= FeedSchemas.idLength,
              let lineNo = Plain.integer(view.cell(s.lineNo), in: FeedDeclaration.lineNoRange),
              let supplierBytes = view.cell(s.supplierId), let skuBytes = view.cell(s.sku),
              let categoryBytes = view.cell(s.category),
              let quantity = Plain.integer(view.cell(s.quantity), in: FeedSchemas.quantityRange),
              let unitPrice = Plain.money(view.cell(s.unitPrice)),
              let orderedAt = Plain.instant(view.cell(s.orderedAt)),
              let paidAt = Plain.instant(view.cell(s.paidAt))
        else { return nil }
        let parentBytes = view.cell(s.parentOrderId)
        if let parentBytes, parentBytes.count > FeedSchemas.idLength { return nil }
        // Optional amounts and the completion (step 4): present ones must parse.
        guard let costPrice = Plain.optionalMoney(view.cell(s.costPrice)),
              let discountPlatform = Plain.optionalMoney(view.cell(s.discountPlatform)),
              let discountSupplier = Plain.optionalMoney(view.cell(s.discountSupplier)),
              let freight = Plain.optionalMoney(view.cell(s.freight)),
              let points = Plain.optionalMoney(view.cell(s.paidPoints)),
              let credit = Plain.optionalMoney(view.cell(s.paidCredit)),
              let cash = Plain.optionalMoney(view.cell(s.paidCash)),
              let completedAt = Plain.optionalInstant(view.cell(s.completedAt))
        else { return nil }
        let supplierID = String(decoding: supplierBytes, as: UTF8.self)
        guard let supplier = config.supplierByID[supplierID] else { return nil }
        let channel = view.text(s.paymentChannel)
        let buyer = view.text(s.buyerId)
        // Cells required here (step 2, `orderAlsoRequired`).
        if channel == nil && OrderChecks.needsChannel(cash: cash) { return nil }
        if buyer == nil && OrderChecks.needsBuyer(credit: credit) { return nil }
        if costPrice == nil && OrderChecks.needsCostPrice(mode: supplier.mode) { return nil }
        // quantity × price in range (`Ingestor.orderProductsOutOfRange`).
        guard OrderChecks.productInRange(quantity: quantity, price: unitPrice) else { return nil }
        if let costPrice, !OrderChecks.productInRange(quantity: quantity, price: costPrice) { return nil }
        // The checks of `RowStager.order`.
        let currency = view.text(s.currency)
        let goods = OrderChecks.goods(quantity: quantity, unitPrice: unitPrice, discountPlatform: discountPlatform ?? 0,
                                      discountSupplier: discountSupplier ?? 0)
        guard OrderChecks.failure(supplierKnown: true, currency: currency, storeCurrency: config.currency, goods: goods,
                                  tenders: (points ?? 0) + (credit ?? 0) + (cash ?? 0), freight: freight ?? 0) == nil
        else { return nil }

        // The staged row as `RowStager.order` stages it, its values in the declaration's column
        // order (`OrderColumns.inOrder` checks that order against the declaration): NULL where the
        // cell is empty (or, for the parent, the order itself; the currency passed the checks
        // above, so it is the store's), 0 for an empty amount. An array literal: the plain path
        // stages millions of rows, and an array filled by position costs about a thousand
        // instructions a row more.
        var parent = SQLValue.null
        if let parentBytes, !parentBytes.elementsEqual(orderIDBytes) {
            parent = .text(String(decoding: parentBytes, as: UTF8.self))
        }
        let values: [SQLValue] = [
            .text(String(decoding: orderIDBytes, as: UTF8.self)), parent, .int(lineNo), .text(supplierID), text(buyer),
            text(view.text(s.memberLevel)), .text(String(decoding: skuBytes, as: UTF8.self)),
            .text(String(decoding: categoryBytes, as: UTF8.self)), .int(quantity), .int(unitPrice), int(costPrice),
            .int(discountPlatform ?? 0), .int(discountSupplier ?? 0), .int(freight ?? 0),
            .int(points ?? 0), .int(credit ?? 0), .int(cash ?? 0), text(channel),
            .int(orderedAt), .int(paidAt), int(completedAt), .null,
        ]
        return StagedRow(
            spec: .orders,
            values: values,
            extras: [.int(goods), .int(fileID), .int(Int64(view.line))],
            laterFailure: nil)
    }

    func plainRefund(_ view: CSVRecordView) -> StagedRow? {
        let s = RefundColumns.shared
        guard let refundID = view.cell(s.refundId), refundID.count <= FeedSchemas.idLength,
              let orderID = view.cell(s.orderId), orderID.count <= FeedSchemas.idLength,
              let lineNo = Plain.integer(view.cell(s.lineNo), in: FeedDeclaration.lineNoRange),
              let type = view.text(s.refundType), FeedSchemas.refundTypes.contains(type),
              let quantity = Plain.integer(view.cell(s.quantity), in: FeedDeclaration.refundQuantityRange),
              let goods = Plain.money(view.cell(s.refundGoods)),
              let refundedAt = Plain.instant(view.cell(s.refundedAt)),
              let freight = Plain.optionalMoney(view.cell(s.refundFreight)),
              let points = Plain.optionalMoney(view.cell(s.refundPoints)),
              let credit = Plain.optionalMoney(view.cell(s.refundCredit)),
              let cash = Plain.optionalMoney(view.cell(s.refundCash)),
              RefundChecks.tendersBalance(points: points ?? 0, credit: credit ?? 0, cash: cash ?? 0, goods: goods,
                                          freight: freight ?? 0)
        else { return nil }
        // In the declaration's column order (`RefundColumns.inOrder`), as for orders.
        let values: [SQLValue] = [
            .text(String(decoding: refundID, as: UTF8.self)), .text(String(decoding: orderID, as: UTF8.self)),
            .int(lineNo), .text(type), .int(quantity), .int(goods), .int(freight ?? 0),
            .int(points ?? 0), .int(credit ?? 0), .int(cash ?? 0), .int(refundedAt),
        ]
        return StagedRow(
            spec: .refunds,
            values: values,
            extras: [.int(fileID), .int(Int64(view.line)), .text(view.raw),
                     .text(view.columns.map(String.init).joined(separator: ",")), .text("unchecked")],
            laterFailure: nil)
    }
}

/// Cells of a plain CSV record typed as `FeedSchema.type` types them; nil where it would
/// refuse the cell.
private enum Plain {
    /// Digits only, at most 18 of them, within `range` (`FeedSchema.plainInteger`).
    static func integer(_ bytes: UnsafeBufferPointer<UInt8>?, in range: ClosedRange<Int64>) -> Int64? {
        guard let bytes, !bytes.isEmpty, bytes.count <= 18 else { return nil }
        var value: Int64 = 0
        for byte in bytes {
            guard byte >= 48 && byte <= 57 else { return nil }
            value = value * 10 + Int64(byte - 48)
        }
        return range.contains(value) ? value : nil
    }

    /// A non-negative amount in fen.
    static func money(_ bytes: UnsafeBufferPointer<UInt8>?) -> Int64? {
        guard let bytes, case .success(let money) = Money.parse(utf8: bytes, original: ""), money.fen >= 0 else {
            return nil
        }
        return money.fen
    }

    /// `.some(nil)` for an absent cell, nil for a cell that is not a non-negative amount.
    static func optionalMoney(_ bytes: UnsafeBufferPointer<UInt8>?) -> Int64?? {
        guard let bytes else { return .some(nil) }
        guard let fen = money(bytes) else { return nil }
        return .some(fen)
    }

    /// An instant in nanoseconds.
    static func instant(_ bytes: UnsafeBufferPointer<UInt8>?) -> Int64? {
        guard let bytes, case .success(let instant) = Instant.parse(utf8: bytes, original: "") else { return nil }
        return instant.nanos
    }

    static func optionalInstant(_ bytes: UnsafeBufferPointer<UInt8>?) -> Int64?? {
        guard let bytes else { return .some(nil) }
        guard let nanos = instant(bytes) else { return nil }
        return .some(nanos)
    }
}
