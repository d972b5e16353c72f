// The mall's master data: what is sold, by whom, at what price, to whom.
// Read from a catalog file by the replay command; the core only ever sees these values.

/// How a supplier's agreement turns a SKU's prices into its sale price.
public enum PricingMode: Hashable, Sendable {
    /// The SKU's `sale_price` as agreed.
    case fixed
    /// `cost_price × (1 + markup)`, rounded half away from zero to the fen.
    case costPlus(markup: Rate)
    /// `market_price × (1 − discount)`, rounded half away from zero to the fen.
    case marketMinus(discount: Rate)
}

/// Freight charged on each child order of a supplier.
public struct FreightRule: Hashable, Sendable {
    /// Charged once per child order.
    public var flat: Money
    /// When the child order's goods reach this amount, freight is free. `nil`: never free.
    public var freeOver: Money?
    public init(flat: Money, freeOver: Money? = nil) { self.flat = flat; self.freeOver = freeOver }
    public static let free = FreightRule(flat: .zero)
}

public struct CatalogSupplier: Hashable, Sendable {
    public var id: String
    public var pricing: PricingMode
    public var freight: FreightRule
    public init(id: String, pricing: PricingMode, freight: FreightRule) {
        self.id = id; self.pricing = pricing; self.freight = freight
    }
}

/// A quantity tier: buying at least `minQuantity` units costs `unitPrice` each.
public struct TierPrice: Hashable, Sendable {
    public var minQuantity: Int64
    public var unitPrice: Money
    public init(minQuantity: Int64, unitPrice: Money) { self.minQuantity = minQuantity; self.unitPrice = unitPrice }
}

public struct CatalogSKU: Hashable, Sendable {
    public var sku: String
    public var spu: String
    public var supplierID: String
    /// A path such as `digital/phone/android`.
    public var category: String
    public var marketPrice: Money
    public var costPrice: Money
    /// Used by suppliers whose pricing mode is `fixed`.
    public var salePrice: Money?
    /// Units available at the start of the journal.
    public var stock: Int64
    /// SKU-specific member-level prices, by level; they win over the global level ratio.
    public var levelPrices: [String: Money]
    /// Quantity tiers, any order.
    public var tiers: [TierPrice]
    public init(sku: String, spu: String, supplierID: String, category: String, marketPrice: Money,
                costPrice: Money, salePrice: Money? = nil, stock: Int64, levelPrices: [String: Money] = [:],
                tiers: [TierPrice] = []) {
        self.sku = sku; self.spu = spu; self.supplierID = supplierID; self.category = category
        self.marketPrice = marketPrice; self.costPrice = costPrice; self.salePrice = salePrice
        self.stock = stock; self.levelPrices = levelPrices; self.tiers = tiers
    }
}

/// One-customer-one-price: this buyer pays `unitPrice` for this SKU, whatever else applies.
public struct PriceContract: Hashable, Sendable {
    public var buyerID: String
    public var sku: String
    public var unitPrice: Money
    public init(buyerID: String, sku: String, unitPrice: Money) {
        self.buyerID = buyerID; self.sku = sku; self.unitPrice = unitPrice
    }
}

public enum CouponKind: Hashable, Sendable {
    case amountOff(Money)
    /// A percentage of the eligible amount, optionally capped.
    case percentOff(Rate, cap: Money?)
}

public enum Funder: String, Hashable, Sendable {
    case platform, supplier
}

/// Which lines a coupon applies to; every selector given must match (none: every line).
public struct CouponScope: Hashable, Sendable {
    public var supplierID: String?
    /// Matches this category path and everything below it.
    public var category: String?
    /// Matches any SKU in the list; empty means no SKU restriction.
    public var skus: [String]
    public init(supplierID: String? = nil, category: String? = nil, skus: [String] = []) {
        self.supplierID = supplierID; self.category = category; self.skus = skus
    }
}

public struct Coupon: Hashable, Sendable {
    public var id: String
    public var kind: CouponKind
    /// The eligible lines' amount must reach this for the coupon to apply.
    public var threshold: Money
    public var scope: CouponScope
    /// Valid from (inclusive) to (exclusive), compared with the `place_order` instant.
    public var validFrom: Instant
    public var validTo: Instant
    public var fundedBy: Funder
    /// How many orders of one buyer may use it at once (restored by a full cancellation).
    public var perBuyerLimit: Int
    public init(id: String, kind: CouponKind, threshold: Money, scope: CouponScope, validFrom: Instant,
                validTo: Instant, fundedBy: Funder, perBuyerLimit: Int = 1) {
        self.id = id; self.kind = kind; self.threshold = threshold; self.scope = scope
        self.validFrom = validFrom; self.validTo = validTo; self.fundedBy = fundedBy
        self.perBuyerLimit = perBuyerLimit
    }
}

public struct Buyer: Hashable, Sendable {
    public var id: String
    /// Member level, e.g. `standard`, `gold`, `enterprise`; empty: none.
    public var level: String
    /// Pays the rest of an order (after points) on credit instead of cash.
    public var paysOnCredit: Bool
    public var creditLimit: Money
    /// A frozen credit account cannot pay.
    public var frozen: Bool
    public init(id: String, level: String, paysOnCredit: Bool = false, creditLimit: Money = .zero, frozen: Bool = false) {
        self.id = id; self.level = level; self.paysOnCredit = paysOnCredit
        self.creditLimit = creditLimit; self.frozen = frozen
    }
}

/// What a payment channel charges the platform on a payment.
public struct ChannelTerms: Hashable, Sendable {
    public var channel: String
    public var feeRate: Rate
    public init(channel: String, feeRate: Rate) { self.channel = channel; self.feeRate = feeRate }
}

public struct Catalog: Hashable, Sendable {
    public var currency: String
    /// IANA time zone used to date the replayed feed files.
    public var timezone: String
    public var suppliers: [CatalogSupplier]
    public var skus: [CatalogSKU]
    /// Global member-level ratios applied to the sale price when a SKU has no price for the level.
    public var levelRatios: [String: Rate]
    public var contracts: [PriceContract]
    public var coupons: [Coupon]
    public var buyers: [Buyer]
    public var channels: [ChannelTerms]
    /// The largest share of an order's amount that points may pay.
    public var pointsCap: Rate
    public init(currency: String = "CNY", timezone: String = "Asia/Shanghai", suppliers: [CatalogSupplier] = [],
                skus: [CatalogSKU] = [], levelRatios: [String: Rate] = [:], contracts: [PriceContract] = [],
                coupons: [Coupon] = [], buyers: [Buyer] = [], channels: [ChannelTerms] = [],
                pointsCap: Rate = Rate(ppm: 1_000_000)) {
        self.currency = currency; self.timezone = timezone; self.suppliers = suppliers; self.skus = skus
        self.levelRatios = levelRatios; self.contracts = contracts; self.coupons = coupons
        self.buyers = buyers; self.channels = channels; self.pointsCap = pointsCap
    }
}
