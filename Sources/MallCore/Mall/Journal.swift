// The journal: what happened in the mall, one event per line, in the order it happened.
// The text format (JSON Lines) is read and written by MallIO's journal codec; docs/mall-core.md
// is its schema.

public struct CartLine: Hashable, Sendable {
    public var sku: String
    public var quantity: Int64
    public init(sku: String, quantity: Int64) { self.sku = sku; self.quantity = quantity }
}

public enum RefundKind: String, Hashable, Sendable {
    /// Money back, goods kept; the amount is stated.
    case refundOnly = "refund_only"
    /// Goods sent back; the amount follows from the quantity.
    case `return` = "return"
}

/// One line of an after-sale request on a child order.
public struct RefundRequestLine: Hashable, Sendable {
    public var lineNo: Int64
    /// Units refunded: required for a return, optional (default 0) for a refund only.
    public var quantity: Int64
    /// Goods amount refunded, for a refund only; `nil` for a return (computed from the quantity).
    public var amount: Money?
    public init(lineNo: Int64, quantity: Int64 = 0, amount: Money? = nil) {
        self.lineNo = lineNo; self.quantity = quantity; self.amount = amount
    }
}

public enum MallCommand: Hashable, Sendable {
    /// A buyer submits a cart. Prices, coupons and freight are fixed now; the order is split by supplier
    /// into child orders `{orderID}-1`, `{orderID}-2`, … in supplier id order.
    /// `pointsLimit`: at most this much is paid in points (`nil`: as much as the cap allows).
    case placeOrder(orderID: String, buyerID: String, lines: [CartLine], coupons: [String], pointsLimit: Money?)
    /// Pay a placed order: points first (up to the cap), then credit or cash through `channel`.
    case pay(orderID: String, channel: String?, txnID: String?)
    /// Cancel a whole order: before payment nothing is refunded; after payment (no child shipped) every
    /// line is refunded as `cancel` under `refundID`. Coupons come back either way.
    case cancel(orderID: String, refundID: String?)
    /// A child order leaves the warehouse.
    case ship(childOrderID: String)
    /// The buyer confirms receipt of a child order.
    case complete(childOrderID: String)
    /// After-sale on lines of one child order.
    case refund(refundID: String, childOrderID: String, kind: RefundKind, lines: [RefundRequestLine], txnID: String?)
    /// Points granted to a buyer, worth `amount`, expiring at `expiresAt`.
    case grantPoints(grantID: String, buyerID: String, amount: Money, expiresAt: Instant)
    /// A credit buyer repays part of the credit used.
    case repay(repaymentID: String, buyerID: String, amount: Money)
}

/// One journal event as read: where it came from, when it happened, what it asks.
public struct JournalEvent: Hashable, Sendable {
    /// 1-based line in the journal file, for `rejected.csv` and error messages.
    public var line: Int
    public var at: Instant
    public var command: MallCommand
    public init(line: Int, at: Instant, command: MallCommand) { self.line = line; self.at = at; self.command = command }
}
