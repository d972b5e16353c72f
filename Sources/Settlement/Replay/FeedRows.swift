// Replay/FeedRows.swift: the mall core's rows as feed cells, with the header and in the
// column order of each feed's declaration (FeedDeclaration.swift). Used to write replayed
// feeds and to compare them with what was ingested, so both speak exactly the same text.
import MallCore
import MallIO

/// Formats the core's rows as the feed files write them. Timestamps are local with their
/// offset, money has two fraction digits.
public struct FeedRowFormatter {
    public let calendar: BusinessCalendar
    /// The zone's offsets for this formatter's thread (no lock per timestamp).
    private var offsets: HourOffsets
    /// The catalog's text of orders rows, as cells.
    private let cells: CatalogCells

    /// A formatter of the rows of a core that runs on `catalog`.
    public init(calendar: BusinessCalendar, catalog: Catalog) {
        self.calendar = calendar
        offsets = HourOffsets(calendar: calendar)
        cells = CatalogCells(catalog)
    }

    /// The header of each feed replay writes: its declaration's columns.
    public static let orderColumns = FeedDeclaration.orders.names
    public static let refundColumns = FeedDeclaration.refunds.names
    public static let paymentColumns = FeedDeclaration.payments.names
    public static let repaymentColumns = FeedDeclaration.repayments.names

    /// A core row's field for each declared column, in the declaration's order. A declared
    /// column the core has no field for stops replay at its first row (and a test).
    enum OrderCell: String, CaseIterable {
        case orderID = "order_id", parentOrderID = "parent_order_id", lineNo = "line_no", supplierID = "supplier_id"
        case buyerID = "buyer_id", memberLevel = "member_level", sku, category, quantity, unitPrice = "unit_price"
        case costPrice = "cost_price", discountPlatform = "discount_platform", discountSupplier = "discount_supplier"
        case freight, paidPoints = "paid_points", paidCredit = "paid_credit", paidCash = "paid_cash"
        case paymentChannel = "payment_channel", orderedAt = "ordered_at", paidAt = "paid_at"
        case completedAt = "completed_at", currency
    }
    enum RefundCell: String, CaseIterable {
        case refundID = "refund_id", orderID = "order_id", lineNo = "line_no", type = "refund_type", quantity
        case refundGoods = "refund_goods", refundFreight = "refund_freight", refundPoints = "refund_points"
        case refundCredit = "refund_credit", refundCash = "refund_cash", refundedAt = "refunded_at"
    }
    enum PaymentCell: String, CaseIterable {
        case channel, txnID = "txn_id", kind, reference, amount, fee, occurredAt = "occurred_at"
    }
    enum RepaymentCell: String, CaseIterable {
        case repaymentID = "repayment_id", buyerID = "buyer_id", amount, paidAt = "paid_at"
    }
    static let orderCells = cells(OrderCell.self, orderColumns)
    static let refundCells = cells(RefundCell.self, refundColumns)
    static let paymentCells = cells(PaymentCell.self, paymentColumns)
    static let repaymentCells = cells(RepaymentCell.self, repaymentColumns)

    static func cells<Cell: RawRepresentable>(_: Cell.Type, _ columns: [String]) -> [Cell] where Cell.RawValue == String {
        columns.map { name in
            guard let cell = Cell(rawValue: name) else { preconditionFailure("replay writes no \(name) column") }
            return cell
        }
    }

    public func time(_ instant: Instant) -> String {
        instant.formatted(offsetSeconds: calendar.offsetSeconds(at: instant))
    }

    // Rows are written straight into the file's bytes: replay writes millions of them.
    private func text(_ s: String, _ b: inout [UInt8]) { CSVEncoder.appendText(s, to: &b); b.append(44) }
    private func money(_ m: Money, _ b: inout [UInt8]) { CSVEncoder.appendMoney(m, to: &b); b.append(44) }
    private func int(_ n: Int64, _ b: inout [UInt8]) { CSVEncoder.appendInteger(n, to: &b); b.append(44) }
    private mutating func time(_ i: Instant?, _ b: inout [UInt8]) { if let i { offsets.append(i, to: &b) }; b.append(44) }
    /// Replaces the last separator with the end of the row.
    private func end(_ b: inout [UInt8]) { b[b.count - 1] = 10 }

    /// An orders row the core emitted by reference: the SKU's, supplier's and buyer's text
    /// come from the catalog the formatter was made with (the one the core ran on), as
    /// `OrderLineRef.row(in:)` gives them.
    public mutating func append(_ r: OrderLineRef, to b: inout [UInt8]) {
        let sku = Int(r.sku), buyer = Int(r.buyer)
        for cell in Self.orderCells {
            switch cell {
            case .orderID: CSVEncoder.appendText(r.parentOrderID, dash: Int(r.childNumber), to: &b); b.append(44)
            case .parentOrderID: text(r.parentOrderID, &b)
            case .lineNo: int(Int64(r.lineNo), &b)
            case .supplierID: cells.append(sku: sku, .supplierID, to: &b)
            case .buyerID: cells.append(buyer: buyer, .id, to: &b)
            case .memberLevel: cells.append(buyer: buyer, .level, to: &b)
            case .sku: cells.append(sku: sku, .sku, to: &b)
            case .category: cells.append(sku: sku, .category, to: &b)
            case .quantity: int(r.quantity, &b)
            case .unitPrice: money(r.unitPrice, &b)
            case .costPrice: cells.append(sku: sku, .costPrice, to: &b)
            case .discountPlatform: money(r.discountPlatform, &b)
            case .discountSupplier: money(r.discountSupplier, &b)
            case .freight: money(r.freight, &b)
            case .paidPoints: money(r.paid.points, &b)
            case .paidCredit: money(r.paid.credit, &b)
            case .paidCash: money(r.paid.cash, &b)
            case .paymentChannel: text(r.paymentChannel, &b)
            case .orderedAt: time(r.orderedAt, &b)
            case .paidAt: time(r.paidAt, &b)
            case .completedAt: time(r.completedAt, &b)
            case .currency: cells.appendCurrency(to: &b)
            }
        }
        end(&b)
    }

    public mutating func append(_ r: RefundRow, to b: inout [UInt8]) {
        for cell in Self.refundCells {
            switch cell {
            case .refundID: text(r.refundID, &b)
            case .orderID: text(r.orderID, &b)
            case .lineNo: int(r.lineNo, &b)
            case .type: text(r.type.rawValue, &b)
            case .quantity: int(r.quantity, &b)
            case .refundGoods: money(r.refundGoods, &b)
            case .refundFreight: money(r.refundFreight, &b)
            case .refundPoints: money(r.refundPoints, &b)
            case .refundCredit: money(r.refundCredit, &b)
            case .refundCash: money(r.refundCash, &b)
            case .refundedAt: time(r.refundedAt, &b)
            }
        }
        end(&b)
    }

    public mutating func append(_ r: ChannelRow, to b: inout [UInt8]) {
        for cell in Self.paymentCells {
            switch cell {
            case .channel: text(r.channel, &b)
            case .txnID: text(r.txnID, &b)
            case .kind: text(r.kind.rawValue, &b)
            case .reference: text(r.reference, &b)
            case .amount: money(r.amount, &b)
            case .fee: money(r.fee, &b)
            case .occurredAt: time(r.occurredAt, &b)
            }
        }
        end(&b)
    }

    public mutating func append(_ r: RepaymentRow, to b: inout [UInt8]) {
        for cell in Self.repaymentCells {
            switch cell {
            case .repaymentID: text(r.repaymentID, &b)
            case .buyerID: text(r.buyerID, &b)
            case .amount: money(r.amount, &b)
            case .paidAt: time(r.paidAt, &b)
            }
        }
        end(&b)
    }
}

/// The catalog's text in orders rows, each cell's bytes made once (as `CSVEncoder` writes the
/// cell, with the separator after it) for every SKU and buyer: a row copies them instead of
/// reading six Strings of the catalog's records, each read retaining and releasing storage,
/// and scanning each text for quotes again for each of millions of rows.
struct CatalogCells {
    enum SKUCell: Int, CaseIterable { case supplierID, sku, category, costPrice }
    enum BuyerCell: Int, CaseIterable { case id, level }
    private static let cellsPerSKU = SKUCell.allCases.count
    private static let cellsPerBuyer = BuyerCell.allCases.count

    /// Every cell's bytes, one after another; cell `k` spans `starts[k]..<starts[k + 1]`.
    private let bytes: [UInt8]
    private let starts: [Int]
    /// The first buyer cell, then the currency's cell after the buyers'.
    private let buyersStart: Int
    private let currencyCell: Int

    init(_ catalog: Catalog) {
        var bytes: [UInt8] = []
        var starts = [0]
        func endCell() {
            bytes.append(44)
            starts.append(bytes.count)
        }
        for sku in catalog.skus {
            for cell in SKUCell.allCases {
                switch cell {
                case .supplierID: CSVEncoder.appendText(sku.supplierID, to: &bytes)
                case .sku: CSVEncoder.appendText(sku.sku, to: &bytes)
                case .category: CSVEncoder.appendText(sku.category, to: &bytes)
                case .costPrice: CSVEncoder.appendMoney(sku.costPrice, to: &bytes)
                }
                endCell()
            }
        }
        buyersStart = starts.count - 1
        for buyer in catalog.buyers {
            for cell in BuyerCell.allCases {
                switch cell {
                case .id: CSVEncoder.appendText(buyer.id, to: &bytes)
                case .level: CSVEncoder.appendText(buyer.level, to: &bytes)
                }
                endCell()
            }
        }
        currencyCell = starts.count - 1
        CSVEncoder.appendText(catalog.currency, to: &bytes)
        endCell()
        self.bytes = bytes
        self.starts = starts
    }

    func append(sku: Int, _ cell: SKUCell, to b: inout [UInt8]) {
        append(cell: sku * CatalogCells.cellsPerSKU + cell.rawValue, to: &b)
    }

    func append(buyer: Int, _ cell: BuyerCell, to b: inout [UInt8]) {
        append(cell: buyersStart + buyer * CatalogCells.cellsPerBuyer + cell.rawValue, to: &b)
    }

    func appendCurrency(to b: inout [UInt8]) {
        append(cell: currencyCell, to: &b)
    }

    private func append(cell: Int, to b: inout [UInt8]) {
        bytes.withUnsafeBufferPointer { bytes in
            b.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[starts[cell]..<starts[cell + 1]]))
        }
    }
}
