// OrderChecks: an order row's checks beyond typing its cells (SPEC §3.1), written once for
// both ways a row comes in. The general path (`RowStager.order`, `orderAlsoRequired`,
// `Ingestor.orderProductsOutOfRange`) turns a failed check into its quarantine reason, column
// and message; the plain byte path (`RowStager.plainOrder`) hands a row that fails any of
// them to the general path, which then refuses it with that message.

import MallCore

enum OrderChecks {
    // Step 2: cells a row needs given its other cells.

    /// Cash paid needs the channel it was paid through.
    @inline(__always)
    static func needsChannel(cash: Int64?) -> Bool { (cash ?? 0) > 0 }

    /// Credit paid needs the buyer whose credit line it is.
    @inline(__always)
    static func needsBuyer(credit: Int64?) -> Bool { (credit ?? 0) > 0 }

    /// A purchase-mode supplier's line needs its cost price.
    @inline(__always)
    static func needsCostPrice(mode: SupplierMode?) -> Bool { mode == .purchase }

    // Step 4: amounts that must stay in range.

    /// `quantity × price` stays within Money's range.
    @inline(__always)
    static func productInRange(quantity: Int64, price: Int64) -> Bool { Money(fen: price).times(quantity) != nil }

    // Steps 6–7: the row against the configuration, and its amounts against each other.

    /// What a line's goods come to: `quantity × unit_price − discounts`.
    @inline(__always)
    static func goods(quantity: Int64, unitPrice: Int64, discountPlatform: Int64, discountSupplier: Int64) -> Int64 {
        quantity * unitPrice - discountPlatform - discountSupplier
    }

    /// The first of the checks of steps 6–7 that fails, in the order they are reported.
    enum Failure: Equatable {
        case unknownSupplier, badCurrency, negativeGoods, tenderMismatch
    }

    /// `currency` is the row's cell (nil: the store's currency); `tenders` is points + credit + cash.
    @inline(__always)
    static func failure(supplierKnown: Bool, currency: String?, storeCurrency: String, goods: Int64, tenders: Int64,
                        freight: Int64) -> Failure? {
        if !supplierKnown { return .unknownSupplier }
        if let currency, currency != storeCurrency { return .badCurrency }
        if goods < 0 { return .negativeGoods }
        if tenders != goods + freight { return .tenderMismatch }
        return nil
    }
}

/// A refund row's check beyond typing (SPEC §3.2), shared the same way by `RowStager.refund`
/// and `RowStager.plainRefund`.
enum RefundChecks {
    /// The tenders returned add up to the goods and freight refunded.
    @inline(__always)
    static func tendersBalance(points: Int64, credit: Int64, cash: Int64, goods: Int64, freight: Int64) -> Bool {
        points + credit + cash == goods + freight
    }
}
