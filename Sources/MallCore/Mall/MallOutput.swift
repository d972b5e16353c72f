// What the mall core emits: the rows of the feeds the settlement pipeline ingests (SPEC §3).

/// A row of the orders feed (SPEC §3.1). Emitted when the order is paid, and again, equal but for
/// `completedAt`, when its child order is completed.
public struct OrderLineRow: Hashable, Sendable {
    public var orderID: String
    public var parentOrderID: String
    public var lineNo: Int64
    public var supplierID: String
    public var buyerID: String
    public var memberLevel: String
    public var sku: String
    public var category: String
    public var quantity: Int64
    public var unitPrice: Money
    public var costPrice: Money
    public var discountPlatform: Money
    public var discountSupplier: Money
    public var freight: Money
    public var paidPoints: Money
    public var paidCredit: Money
    public var paidCash: Money
    /// Empty when nothing was paid in cash.
    public var paymentChannel: String
    public var orderedAt: Instant
    public var paidAt: Instant
    public var completedAt: Instant?
    public var currency: String

    public init(orderID: String, parentOrderID: String, lineNo: Int64, supplierID: String, buyerID: String,
                memberLevel: String, sku: String, category: String, quantity: Int64, unitPrice: Money,
                costPrice: Money, discountPlatform: Money, discountSupplier: Money, freight: Money,
                paidPoints: Money, paidCredit: Money, paidCash: Money, paymentChannel: String,
                orderedAt: Instant, paidAt: Instant, completedAt: Instant?, currency: String) {
        self.orderID = orderID; self.parentOrderID = parentOrderID; self.lineNo = lineNo
        self.supplierID = supplierID; self.buyerID = buyerID; self.memberLevel = memberLevel
        self.sku = sku; self.category = category; self.quantity = quantity; self.unitPrice = unitPrice
        self.costPrice = costPrice; self.discountPlatform = discountPlatform
        self.discountSupplier = discountSupplier; self.freight = freight; self.paidPoints = paidPoints
        self.paidCredit = paidCredit; self.paidCash = paidCash; self.paymentChannel = paymentChannel
        self.orderedAt = orderedAt; self.paidAt = paidAt; self.completedAt = completedAt; self.currency = currency
    }

    /// `quantity × unit_price − discounts`.
    public var goods: Money {
        Money(fen: unitPrice.fen * quantity) - discountPlatform - discountSupplier
    }
}

/// An orders feed row as the core emits it during a replay: the SKU and the buyer by their
/// positions in the catalog, the child order by its parent's id and its number. The feed
/// writer reads their text from the catalog (`row(in:)` gives the whole `OrderLineRow`), so
/// the core's thread neither reads the catalog's SKU and buyer records nor builds a child
/// order id for each of the millions of rows, and a row is half the size.
public struct OrderLineRef: Hashable, Sendable {
    public var parentOrderID: String
    /// The child order is `{parentOrderID}-{childNumber}` (from 1).
    public var childNumber: Int32
    public var lineNo: Int32
    /// Positions in `Catalog.skus` and `Catalog.buyers`.
    public var sku: Int32
    public var buyer: Int32
    public var quantity: Int64
    public var unitPrice: Money
    public var discountPlatform: Money
    public var discountSupplier: Money
    public var freight: Money
    public var paid: TenderSplit
    /// Empty when nothing was paid in cash.
    public var paymentChannel: String
    public var orderedAt: Instant
    public var paidAt: Instant
    public var completedAt: Instant?

    /// The child order's id, `{parentOrderID}-{childNumber}`.
    public var orderID: String { MallState.childOrderID(parentOrderID, Int(childNumber)) }

    /// The whole row, with the catalog's text for the SKU, its supplier and the buyer.
    public func row(in catalog: Catalog) -> OrderLineRow {
        let sku = catalog.skus[Int(self.sku)]
        let buyer = catalog.buyers[Int(self.buyer)]
        return OrderLineRow(
            orderID: orderID, parentOrderID: parentOrderID, lineNo: Int64(lineNo), supplierID: sku.supplierID,
            buyerID: buyer.id, memberLevel: buyer.level, sku: sku.sku, category: sku.category, quantity: quantity,
            unitPrice: unitPrice, costPrice: sku.costPrice, discountPlatform: discountPlatform,
            discountSupplier: discountSupplier, freight: freight, paidPoints: paid.points, paidCredit: paid.credit,
            paidCash: paid.cash, paymentChannel: paymentChannel, orderedAt: orderedAt, paidAt: paidAt,
            completedAt: completedAt, currency: catalog.currency)
    }
}

public enum RefundType: String, Hashable, Sendable {
    case cancel, refundOnly = "refund_only", `return` = "return"
}

/// A row of the refunds feed (SPEC §3.2).
public struct RefundRow: Hashable, Sendable {
    public var refundID: String
    public var orderID: String
    public var lineNo: Int64
    public var type: RefundType
    public var quantity: Int64
    public var refundGoods: Money
    public var refundFreight: Money
    public var refundPoints: Money
    public var refundCredit: Money
    public var refundCash: Money
    public var refundedAt: Instant
    public init(refundID: String, orderID: String, lineNo: Int64, type: RefundType, quantity: Int64,
                refundGoods: Money, refundFreight: Money, refundPoints: Money, refundCredit: Money,
                refundCash: Money, refundedAt: Instant) {
        self.refundID = refundID; self.orderID = orderID; self.lineNo = lineNo; self.type = type
        self.quantity = quantity; self.refundGoods = refundGoods; self.refundFreight = refundFreight
        self.refundPoints = refundPoints; self.refundCredit = refundCredit; self.refundCash = refundCash
        self.refundedAt = refundedAt
    }
}

public enum ChannelTxnKind: String, Hashable, Sendable { case pay, refund }

/// A row of the payments feed (SPEC §3.3): what the channel reports.
public struct ChannelRow: Hashable, Sendable {
    public var channel: String
    public var txnID: String
    public var kind: ChannelTxnKind
    /// The parent order id for `pay`, the refund id for `refund`.
    public var reference: String
    public var amount: Money
    public var fee: Money
    public var occurredAt: Instant
    public init(channel: String, txnID: String, kind: ChannelTxnKind, reference: String, amount: Money,
                fee: Money, occurredAt: Instant) {
        self.channel = channel; self.txnID = txnID; self.kind = kind; self.reference = reference
        self.amount = amount; self.fee = fee; self.occurredAt = occurredAt
    }
}

/// A row of the repayments feed (SPEC §3.4).
public struct RepaymentRow: Hashable, Sendable {
    public var repaymentID: String
    public var buyerID: String
    public var amount: Money
    public var paidAt: Instant
    public init(repaymentID: String, buyerID: String, amount: Money, paidAt: Instant) {
        self.repaymentID = repaymentID; self.buyerID = buyerID; self.amount = amount; self.paidAt = paidAt
    }
}

/// Points that would have been restored by a refund but whose grant had expired: lost, and reported.
public struct LostPoints: Hashable, Sendable {
    public var buyerID: String
    public var grantID: String
    public var refundID: String
    public var amount: Money
    public var expiredAt: Instant
    public var at: Instant
    public init(buyerID: String, grantID: String, refundID: String, amount: Money, expiredAt: Instant, at: Instant) {
        self.buyerID = buyerID; self.grantID = grantID; self.refundID = refundID
        self.amount = amount; self.expiredAt = expiredAt; self.at = at
    }
}

public enum MallOutput: Hashable, Sendable {
    case orderLine(OrderLineRow)
    case refund(RefundRow)
    case channel(ChannelRow)
    case repayment(RepaymentRow)
    case pointsLost(LostPoints)
}

/// What the core emits, as `MallState.apply(_:into:)` appends it: orders rows by reference
/// (`OrderLineRef`), the other rows whole. `output(in:)` gives the `MallOutput`.
public enum MallRow: Hashable, Sendable {
    case orderLine(OrderLineRef)
    case refund(RefundRow)
    case channel(ChannelRow)
    case repayment(RepaymentRow)
    case pointsLost(LostPoints)

    public func output(in catalog: Catalog) -> MallOutput {
        switch self {
        case .orderLine(let line): return .orderLine(line.row(in: catalog))
        case .refund(let row): return .refund(row)
        case .channel(let row): return .channel(row)
        case .repayment(let row): return .repayment(row)
        case .pointsLost(let lost): return .pointsLost(lost)
        }
    }
}

/// Why the core refused an event. The raw value is the reason written to `rejected.csv`.
public enum Refusal: Error, Hashable, Sendable {
    case outOfOrder                    // earlier than the previous accepted event
    case duplicateID(String)           // an order, refund, grant or repayment id used before
    case unknownBuyer(String)
    case unknownSKU(String)
    case unknownOrder(String)
    case unknownCoupon(String)
    case couponNotApplicable(String)   // outside its window, scope or threshold
    case couponExhausted(String)       // the buyer used it up to its limit
    case emptyCart
    case badQuantity
    case invalidState(String)          // e.g. paying a paid order, shipping an unpaid one
    case alreadyShipped                // a cancel after a child order shipped
    case outOfStock(String)
    case creditNotAllowed              // a buyer without credit terms
    case creditFrozen
    case creditLimitExceeded
    case missingChannel                // cash is due but no channel was named
    case unknownLine(Int64)
    case overRefund(Int64)             // more than is left on a line

    public var reason: String {
        switch self {
        case .outOfOrder: return "out_of_order"
        case .duplicateID: return "duplicate_id"
        case .unknownBuyer: return "unknown_buyer"
        case .unknownSKU: return "unknown_sku"
        case .unknownOrder: return "unknown_order"
        case .unknownCoupon: return "unknown_coupon"
        case .couponNotApplicable: return "coupon_not_applicable"
        case .couponExhausted: return "coupon_exhausted"
        case .emptyCart: return "empty_cart"
        case .badQuantity: return "bad_quantity"
        case .invalidState: return "invalid_state"
        case .alreadyShipped: return "already_shipped"
        case .outOfStock: return "out_of_stock"
        case .creditNotAllowed: return "credit_not_allowed"
        case .creditFrozen: return "credit_frozen"
        case .creditLimitExceeded: return "credit_limit_exceeded"
        case .missingChannel: return "missing_channel"
        case .unknownLine: return "unknown_line"
        case .overRefund: return "over_refund"
        }
    }

    /// A sentence for a person, naming the id involved.
    public var message: String {
        switch self {
        case .outOfOrder: return "the event is earlier than the event before it"
        case .duplicateID(let id): return "id \(id) was used by an earlier event"
        case .unknownBuyer(let id): return "buyer \(id) is not in the catalog"
        case .unknownSKU(let id): return "SKU \(id) is not in the catalog"
        case .unknownOrder(let id): return "order \(id) was never placed"
        case .unknownCoupon(let id): return "coupon \(id) is not in the catalog"
        case .couponNotApplicable(let id): return "coupon \(id) does not apply to this order (window, scope or threshold)"
        case .couponExhausted(let id): return "coupon \(id) is used up for this buyer"
        case .emptyCart: return "the order has no lines"
        case .badQuantity: return "a quantity is out of range"
        case .invalidState(let what): return what
        case .alreadyShipped: return "a child order has shipped; use refund instead of cancel"
        case .outOfStock(let sku): return "not enough stock of \(sku)"
        case .creditNotAllowed: return "the buyer does not pay on credit"
        case .creditFrozen: return "the buyer's credit account is frozen"
        case .creditLimitExceeded: return "the payment would exceed the buyer's credit limit"
        case .missingChannel: return "cash is due but the event names no payment channel"
        case .unknownLine(let n): return "the child order has no line \(n)"
        case .overRefund(let n): return "line \(n) has less left to refund than asked"
        }
    }
}
