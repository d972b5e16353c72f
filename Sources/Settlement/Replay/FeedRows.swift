// Replay/FeedRows.swift: the mall core's rows as feed cells (SPEC section 3 column order).
// Used to write replayed feeds and to compare them with what was ingested, so both speak
// exactly the same text.
import MallCore
import MallIO

/// Formats the core's rows as the feed files write them. Timestamps are local with their
/// offset, money has two fraction digits.
public struct FeedRowFormatter {
    public let calendar: BusinessCalendar
    /// The zone's offsets for this formatter's thread (no lock per timestamp).
    private var offsets: HourOffsets

    public init(calendar: BusinessCalendar) {
        self.calendar = calendar
        offsets = HourOffsets(calendar: calendar)
    }

    public static let orderColumns = [
        "order_id", "parent_order_id", "line_no", "supplier_id", "buyer_id", "member_level", "sku", "category",
        "quantity", "unit_price", "cost_price", "discount_platform", "discount_supplier", "freight",
        "paid_points", "paid_credit", "paid_cash", "payment_channel", "ordered_at", "paid_at", "completed_at", "currency",
    ]
    public static let refundColumns = [
        "refund_id", "order_id", "line_no", "refund_type", "quantity", "refund_goods", "refund_freight",
        "refund_points", "refund_credit", "refund_cash", "refunded_at",
    ]
    public static let paymentColumns = ["channel", "txn_id", "kind", "reference", "amount", "fee", "occurred_at"]
    public static let repaymentColumns = ["repayment_id", "buyer_id", "amount", "paid_at"]

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

    public mutating func append(_ r: OrderLineRow, to b: inout [UInt8]) {
        text(r.orderID, &b); text(r.parentOrderID, &b); int(r.lineNo, &b); text(r.supplierID, &b); text(r.buyerID, &b)
        text(r.memberLevel, &b); text(r.sku, &b); text(r.category, &b); int(r.quantity, &b); money(r.unitPrice, &b)
        money(r.costPrice, &b); money(r.discountPlatform, &b); money(r.discountSupplier, &b); money(r.freight, &b)
        money(r.paidPoints, &b); money(r.paidCredit, &b); money(r.paidCash, &b); text(r.paymentChannel, &b)
        time(r.orderedAt, &b); time(r.paidAt, &b); time(r.completedAt, &b); text(r.currency, &b)
        end(&b)
    }

    public mutating func append(_ r: RefundRow, to b: inout [UInt8]) {
        text(r.refundID, &b); text(r.orderID, &b); int(r.lineNo, &b); text(r.type.rawValue, &b); int(r.quantity, &b)
        money(r.refundGoods, &b); money(r.refundFreight, &b); money(r.refundPoints, &b); money(r.refundCredit, &b)
        money(r.refundCash, &b); time(r.refundedAt, &b)
        end(&b)
    }

    public mutating func append(_ r: ChannelRow, to b: inout [UInt8]) {
        text(r.channel, &b); text(r.txnID, &b); text(r.kind.rawValue, &b); text(r.reference, &b); money(r.amount, &b)
        money(r.fee, &b); time(r.occurredAt, &b)
        end(&b)
    }

    public mutating func append(_ r: RepaymentRow, to b: inout [UInt8]) {
        text(r.repaymentID, &b); text(r.buyerID, &b); money(r.amount, &b); time(r.paidAt, &b)
        end(&b)
    }
}
