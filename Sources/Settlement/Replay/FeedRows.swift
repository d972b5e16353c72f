// Replay/FeedRows.swift: the mall core's rows as feed cells (SPEC section 3 column order).
// Used to write replayed feeds and to compare them with what was ingested, so both speak
// exactly the same text.
import MallCore
import MallIO

/// Formats the core's rows as the feed files write them. Timestamps are local with their
/// offset, money has two fraction digits.
public struct FeedRowFormatter {
    public let calendar: BusinessCalendar

    public init(calendar: BusinessCalendar) { self.calendar = calendar }

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

    private func text(_ s: String) -> CSVCell { s.isEmpty ? .empty : .text(s) }
    private func money(_ m: Money) -> CSVCell { .number(m.description) }
    private func int(_ n: Int64) -> CSVCell { .number(String(n)) }

    public func cells(_ r: OrderLineRow) -> [CSVCell] {
        [text(r.orderID), text(r.parentOrderID), int(r.lineNo), text(r.supplierID), text(r.buyerID), text(r.memberLevel),
         text(r.sku), text(r.category), int(r.quantity), money(r.unitPrice), money(r.costPrice), money(r.discountPlatform),
         money(r.discountSupplier), money(r.freight), money(r.paidPoints), money(r.paidCredit), money(r.paidCash),
         text(r.paymentChannel), .text(time(r.orderedAt)), .text(time(r.paidAt)),
         r.completedAt.map { .text(time($0)) } ?? .empty, text(r.currency)]
    }

    public func cells(_ r: RefundRow) -> [CSVCell] {
        [text(r.refundID), text(r.orderID), int(r.lineNo), .text(r.type.rawValue), int(r.quantity), money(r.refundGoods),
         money(r.refundFreight), money(r.refundPoints), money(r.refundCredit), money(r.refundCash), .text(time(r.refundedAt))]
    }

    public func cells(_ r: ChannelRow) -> [CSVCell] {
        [text(r.channel), text(r.txnID), .text(r.kind.rawValue), text(r.reference), money(r.amount), money(r.fee),
         .text(time(r.occurredAt))]
    }

    public func cells(_ r: RepaymentRow) -> [CSVCell] {
        [text(r.repaymentID), text(r.buyerID), money(r.amount), .text(time(r.paidAt))]
    }
}
