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

    // Rows are written straight into the file's bytes, each laid down whole in `room` first
    // and appended at once: replay writes millions of them, and an append per cell cost more
    // than the cells' bytes.
    private let room = ByteRoom()
    /// Room for each cell that is not text: a number, an amount or a timestamp.
    private static let cellRoom = max(CSVEncoder.decimalRoom, Instant.formattedRoom) + 1

    private func text(_ s: String, _ out: inout ByteCursor) { CSVEncoder.putText(s, into: &out); out.put(44) }
    private func money(_ m: Money, _ out: inout ByteCursor) { CSVEncoder.putMoney(m, into: &out); out.put(44) }
    private func int(_ n: Int64, _ out: inout ByteCursor) { CSVEncoder.putInteger(n, into: &out); out.put(44) }
    private mutating func time(_ i: Instant?, _ out: inout ByteCursor) {
        if let i { offsets.put(i, into: &out) }
        out.put(44)
    }
    /// Replaces the last separator with the end of the row and appends the row to `b`.
    private func end(_ out: inout ByteCursor, _ b: inout [UInt8]) {
        out.replaceLast(with: 10)
        b.append(contentsOf: out.written)
    }

    /// An orders row the core emitted by reference: the SKU's, supplier's and buyer's text
    /// come from the catalog the formatter was made with (the one the core ran on), as
    /// `OrderLineRef.row(in:)` gives them.
    public mutating func append(_ r: OrderLineRef, to b: inout [UInt8]) {
        let sku = Int(r.sku), buyer = Int(r.buyer)
        // The order id is the parent's id, a dash and up to 20 digits: room for the parent's
        // id twice covers it with the other cells' room.
        var out = room.cursor(forAtMost: Self.orderCells.count * (Self.cellRoom + cells.longestCell)
                                  + 2 * CSVEncoder.textRoom(r.parentOrderID.utf8.count)
                                  + CSVEncoder.textRoom(r.paymentChannel.utf8.count))
        for cell in Self.orderCells {
            switch cell {
            case .orderID: CSVEncoder.putText(r.parentOrderID, dash: Int(r.childNumber), into: &out); out.put(44)
            case .parentOrderID: text(r.parentOrderID, &out)
            case .lineNo: int(Int64(r.lineNo), &out)
            case .supplierID: cells.put(sku: sku, .supplierID, into: &out)
            case .buyerID: cells.put(buyer: buyer, .id, into: &out)
            case .memberLevel: cells.put(buyer: buyer, .level, into: &out)
            case .sku: cells.put(sku: sku, .sku, into: &out)
            case .category: cells.put(sku: sku, .category, into: &out)
            case .quantity: int(r.quantity, &out)
            case .unitPrice: money(r.unitPrice, &out)
            case .costPrice: cells.put(sku: sku, .costPrice, into: &out)
            case .discountPlatform: money(r.discountPlatform, &out)
            case .discountSupplier: money(r.discountSupplier, &out)
            case .freight: money(r.freight, &out)
            case .paidPoints: money(r.paid.points, &out)
            case .paidCredit: money(r.paid.credit, &out)
            case .paidCash: money(r.paid.cash, &out)
            case .paymentChannel: text(r.paymentChannel, &out)
            case .orderedAt: time(r.orderedAt, &out)
            case .paidAt: time(r.paidAt, &out)
            case .completedAt: time(r.completedAt, &out)
            case .currency: cells.putCurrency(into: &out)
            }
        }
        end(&out, &b)
    }

    public mutating func append(_ r: RefundRow, to b: inout [UInt8]) {
        var out = room.cursor(forAtMost: Self.refundCells.count * Self.cellRoom
                                  + CSVEncoder.textRoom(r.refundID.utf8.count) + CSVEncoder.textRoom(r.orderID.utf8.count)
                                  + CSVEncoder.textRoom(r.type.rawValue.utf8.count))
        for cell in Self.refundCells {
            switch cell {
            case .refundID: text(r.refundID, &out)
            case .orderID: text(r.orderID, &out)
            case .lineNo: int(r.lineNo, &out)
            case .type: text(r.type.rawValue, &out)
            case .quantity: int(r.quantity, &out)
            case .refundGoods: money(r.refundGoods, &out)
            case .refundFreight: money(r.refundFreight, &out)
            case .refundPoints: money(r.refundPoints, &out)
            case .refundCredit: money(r.refundCredit, &out)
            case .refundCash: money(r.refundCash, &out)
            case .refundedAt: time(r.refundedAt, &out)
            }
        }
        end(&out, &b)
    }

    public mutating func append(_ r: ChannelRow, to b: inout [UInt8]) {
        var out = room.cursor(forAtMost: Self.paymentCells.count * Self.cellRoom
                                  + CSVEncoder.textRoom(r.channel.utf8.count) + CSVEncoder.textRoom(r.txnID.utf8.count)
                                  + CSVEncoder.textRoom(r.kind.rawValue.utf8.count)
                                  + CSVEncoder.textRoom(r.reference.utf8.count))
        for cell in Self.paymentCells {
            switch cell {
            case .channel: text(r.channel, &out)
            case .txnID: text(r.txnID, &out)
            case .kind: text(r.kind.rawValue, &out)
            case .reference: text(r.reference, &out)
            case .amount: money(r.amount, &out)
            case .fee: money(r.fee, &out)
            case .occurredAt: time(r.occurredAt, &out)
            }
        }
        end(&out, &b)
    }

    public mutating func append(_ r: RepaymentRow, to b: inout [UInt8]) {
        var out = room.cursor(forAtMost: Self.repaymentCells.count * Self.cellRoom
                                  + CSVEncoder.textRoom(r.repaymentID.utf8.count)
                                  + CSVEncoder.textRoom(r.buyerID.utf8.count))
        for cell in Self.repaymentCells {
            switch cell {
            case .repaymentID: text(r.repaymentID, &out)
            case .buyerID: text(r.buyerID, &out)
            case .amount: money(r.amount, &out)
            case .paidAt: time(r.paidAt, &out)
            }
        }
        end(&out, &b)
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
    /// The most bytes of one cell, its separator included.
    let longestCell: Int
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
        longestCell = zip(starts, starts.dropFirst()).map { $1 - $0 }.max() ?? 0
    }

    func put(sku: Int, _ cell: SKUCell, into out: inout ByteCursor) {
        put(cell: sku * CatalogCells.cellsPerSKU + cell.rawValue, into: &out)
    }

    func put(buyer: Int, _ cell: BuyerCell, into out: inout ByteCursor) {
        put(cell: buyersStart + buyer * CatalogCells.cellsPerBuyer + cell.rawValue, into: &out)
    }

    func putCurrency(into out: inout ByteCursor) {
        put(cell: currencyCell, into: &out)
    }

    /// A cell's bytes with the separator after it.
    @inline(__always)
    private func put(cell: Int, into out: inout ByteCursor) {
        bytes.withUnsafeBufferPointer { bytes in
            out.put(UnsafeBufferPointer(rebasing: bytes[starts[cell]..<starts[cell + 1]]))
        }
    }
}
