// FeeCalculator: the forward and reverse fee amounts of SPEC §5, as pure functions.

import MallCore

/// The order-line values the fee rules read.
public struct PricedLine: Sendable {
    public var supplierID: String
    public var sku: String
    public var category: String
    public var quantity: Int64
    public var unitPrice: Int64
    public var costPrice: Int64?
    public var discountPlatform: Int64
    public var discountSupplier: Int64
    public var freight: Int64
    public var paidCash: Int64
    public var channel: String?

    public var goods: Int64 { quantity * unitPrice - discountPlatform - discountSupplier }

    public init(supplierID: String, sku: String, category: String, quantity: Int64, unitPrice: Int64,
                costPrice: Int64?, discountPlatform: Int64, discountSupplier: Int64, freight: Int64,
                paidCash: Int64, channel: String?) {
        self.supplierID = supplierID
        self.sku = sku
        self.category = category
        self.quantity = quantity
        self.unitPrice = unitPrice
        self.costPrice = costPrice
        self.discountPlatform = discountPlatform
        self.discountSupplier = discountSupplier
        self.freight = freight
        self.paidCash = paidCash
        self.channel = channel
    }

    var subject: RuleSubject { RuleSubject(supplierID: supplierID, category: category, sku: sku, channel: channel) }
}

/// One computed amount: the code, the signed amount (positive is owed to the supplier) and
/// where it came from.
public struct FeeAmount: Equatable, Sendable {
    public let code: FeeCode
    public let amount: Int64
    public let rule: RuleRef
}

/// The forward amounts a line keeps so that its refunds can reverse them.
public struct ForwardAmounts: Equatable, Sendable {
    public var subsidy: Int64 = 0
    public var commission: Int64 = 0
    public var paymentFee: Int64 = 0
    public var paymentFeeReversible = false
    public var delivery: Int64 = 0
    public var warehousing: Int64 = 0
    public var cost: Int64 = 0
    public init() {}
}

/// A refund as the reversal rules read it.
public struct RefundAmounts: Sendable {
    public var type: String
    public var quantity: Int64
    public var goods: Int64
    public var freight: Int64
    public var cash: Int64
    public init(type: String, quantity: Int64, goods: Int64, freight: Int64, cash: Int64) {
        self.type = type
        self.quantity = quantity
        self.goods = goods
        self.freight = freight
        self.cash = cash
    }
}

/// What of a line was refunded in earlier posted refunds: the "before" of every share.
public struct PostedRefunds: Equatable, Sendable {
    public var quantity: Int64 = 0
    public var goods: Int64 = 0
    public var cash: Int64 = 0
    public init(quantity: Int64 = 0, goods: Int64 = 0, cash: Int64 = 0) {
        self.quantity = quantity
        self.goods = goods
        self.cash = cash
    }
}

public enum FeeCalculator {
    /// Forward lines of SPEC §5 for a line posted on `date`, and the amounts to remember.
    public static func forward(_ line: PricedLine, supplier: Supplier, rules: FeeRuleBook, on date: Day)
        -> (amounts: [FeeAmount], kept: ForwardAmounts)
    {
        var out: [FeeAmount] = []
        out.reserveCapacity(FeeCode.forwardCodeCount)
        let kept = forward(line, supplier: supplier, rules: rules, on: date) { out.append($0) }
        return (out, kept)
    }

    /// The same forward lines handed to `line` one by one, in code order (posting fills a
    /// line's row with them: no array per order line); returns the amounts to remember.
    static func forward(_ line: PricedLine, supplier: Supplier, rules: FeeRuleBook, on date: Day,
                        each: (FeeAmount) -> Void) -> ForwardAmounts {
        // Zero amounts are no lines (SPEC §5): they are left out as they come.
        func append(_ amount: FeeAmount) { if amount.amount != 0 { each(amount) } }
        var kept = ForwardAmounts()
        let subject = line.subject
        switch supplier.mode {
        case .purchase:
            let cost = line.quantity * (line.costPrice ?? 0)
            append(FeeAmount(code: .cost, amount: cost, rule: .costPrice))
            kept.cost = cost
        case .commission:
            append(FeeAmount(code: .goods, amount: line.goods, rule: .goods))
            append(FeeAmount(code: .platformSubsidy, amount: line.discountPlatform, rule: .discountPlatform))
            kept.subsidy = line.discountPlatform
            if supplier.ships == .supplier {
                append(FeeAmount(code: .freight, amount: line.freight, rule: .freight))
            }
            if let rule = rules.terms(.commission, for: subject, on: date), let ppm = rule.ratePPM {
                let base = Money(fen: line.quantity * line.unitPrice - line.discountSupplier)
                let commission = -base.applying(Rate(ppm: ppm)).fen
                append(FeeAmount(code: .commission, amount: commission, rule: .feeRule(rule.index)))
                kept.commission = commission
            }
            if line.paidCash != 0, let rule = rules.terms(.payment_fee, for: subject, on: date), let ppm = rule.ratePPM {
                let fee = -Money(fen: line.paidCash).applying(Rate(ppm: ppm)).fen
                append(FeeAmount(code: .paymentFee, amount: fee, rule: .feeRule(rule.index)))
                kept.paymentFee = fee
                kept.paymentFeeReversible = rule.reversible
            }
            if supplier.ships == .platform {
                if let rule = rules.terms(.delivery_fee, for: subject, on: date), let perUnit = rule.perUnit {
                    let fee = -line.quantity * perUnit.fen
                    append(FeeAmount(code: .deliveryFee, amount: fee, rule: .feeRule(rule.index)))
                    kept.delivery = fee
                }
                if let rule = rules.terms(.warehousing_fee, for: subject, on: date), let perUnit = rule.perUnit {
                    let fee = -line.quantity * perUnit.fen
                    append(FeeAmount(code: .warehousingFee, amount: fee, rule: .feeRule(rule.index)))
                    kept.warehousing = fee
                }
            }
        }
        return kept
    }

    /// Reverse lines of SPEC §5 for one refund posted on `date`, given what earlier refunds of
    /// the line already reversed. Returns the amounts and the new cumulative refunded state.
    public static func reverse(_ refund: RefundAmounts, of line: PricedLine, forward: ForwardAmounts,
                               posted: PostedRefunds, supplier: Supplier, rules: FeeRuleBook, on date: Day)
        -> (amounts: [FeeAmount], posted: PostedRefunds)
    {
        let after = PostedRefunds(quantity: posted.quantity + refund.quantity, goods: posted.goods + refund.goods,
                                  cash: posted.cash + refund.cash)
        var out: [FeeAmount] = []
        let goods = line.goods
        // s: share of goods, or of quantity for a line whose goods are 0.
        let sBefore = goods != 0 ? Share(posted.goods, of: goods) : Share(posted.quantity, of: line.quantity)
        let sAfter = goods != 0 ? Share(after.goods, of: goods) : Share(after.quantity, of: line.quantity)
        let qBefore = Share(posted.quantity, of: line.quantity)
        let qAfter = Share(after.quantity, of: line.quantity)
        func reversal(_ forwardAmount: Int64, _ before: Share, _ after: Share) -> Int64 {
            -cumulativeDifference(of: Money(fen: forwardAmount), from: before, to: after).fen
        }
        switch supplier.mode {
        case .purchase:
            if refund.type == "cancel" || refund.type == "return" {
                out.append(FeeAmount(code: .cost, amount: reversal(forward.cost, qBefore, qAfter), rule: .shareQ))
            }
        case .commission:
            out.append(FeeAmount(code: .goods, amount: -refund.goods, rule: .refundGoods))
            out.append(FeeAmount(code: .platformSubsidy, amount: reversal(forward.subsidy, sBefore, sAfter), rule: .shareS))
            if supplier.ships == .supplier {
                out.append(FeeAmount(code: .freight, amount: -refund.freight, rule: .refundFreight))
            }
            let commissionBack = reversal(forward.commission, sBefore, sAfter)
            out.append(FeeAmount(code: .commission, amount: commissionBack, rule: .shareS))
            if commissionBack != 0, let rule = rules.terms(.refund_admin, for: line.subject, on: date), let ppm = rule.ratePPM {
                let fee = -Money(fen: commissionBack).applying(Rate(ppm: ppm)).fen
                out.append(FeeAmount(code: .refundAdminFee, amount: fee, rule: .feeRule(rule.index)))
            }
            if forward.paymentFee != 0 && forward.paymentFeeReversible && line.paidCash > 0 {
                out.append(FeeAmount(code: .paymentFee,
                                     amount: reversal(forward.paymentFee, Share(posted.cash, of: line.paidCash),
                                                      Share(after.cash, of: line.paidCash)),
                                     rule: .shareC))
            }
            if refund.type == "cancel" {
                out.append(FeeAmount(code: .deliveryFee, amount: reversal(forward.delivery, qBefore, qAfter), rule: .shareQ))
                out.append(FeeAmount(code: .warehousingFee, amount: reversal(forward.warehousing, qBefore, qAfter), rule: .shareQ))
            }
            if refund.type == "return", let rule = rules.terms(.return_service_fee, for: line.subject, on: date),
               let perUnit = rule.perUnit {
                out.append(FeeAmount(code: .returnServiceFee, amount: -refund.quantity * perUnit.fen, rule: .feeRule(rule.index)))
            }
        }
        return (out.filter { $0.amount != 0 }, after)
    }
}
