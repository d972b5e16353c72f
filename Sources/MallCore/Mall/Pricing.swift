// Pricing (SPEC §13): the sale price a supplier agreement gives a SKU, and the unit price one
// buyer pays for it at one quantity. Pure functions of catalog values; MallState calls the
// internal forms with lookups it built once, the public forms search the catalog.

/// The price rules of the mall core (docs/mall-core-rules.md has one worked example per case).
///
/// - Sale price, from the supplier's pricing mode: `fixed` → the SKU's `salePrice` (the market
///   price when none is given); `costPlus(markup)` → cost + round(cost × markup);
///   `marketMinus(discount)` → market − round(market × discount). Rounding is half away from zero.
/// - Unit price for (buyer, SKU, quantity): a price contract for exactly that buyer and SKU wins
///   outright. Otherwise the lower of the level price and the tier price, where
///   - level price = the SKU's own price for the buyer's level if it has one, else
///     round(sale price × the global ratio of the level) if the level has one, else the sale price;
///   - tier price = the unit price of the tier with the largest `minQuantity` ≤ quantity (among
///     tiers with that same `minQuantity`, the lowest price, so tier order never matters), else
///     the sale price.
public enum Pricing {
    /// The unit price SPEC §13 gives this buyer for this SKU at this quantity.
    ///
    /// When the catalog holds several contracts for one (buyer, SKU), the first one listed wins,
    /// as it does in `MallState`.
    public static func unitPrice(of sku: CatalogSKU, supplier: CatalogSupplier, buyer: Buyer, quantity: Int64,
                                 catalog: Catalog) -> Money
    {
        let contract = catalog.contracts.first { $0.buyerID == buyer.id && $0.sku == sku.sku }
        return unitPrice(of: sku, salePrice: salePrice(of: sku, supplier: supplier), level: buyer.level,
                         levelRatio: catalog.levelRatios[buyer.level], contract: contract?.unitPrice,
                         quantity: quantity)
    }

    /// The SKU's sale price from the supplier agreement (fixed, cost plus markup, market minus discount).
    public static func salePrice(of sku: CatalogSKU, supplier: CatalogSupplier) -> Money {
        switch supplier.pricing {
        case .fixed:
            return sku.salePrice ?? sku.marketPrice
        case .costPlus(let markup):
            return sku.costPrice + sku.costPrice.applying(markup)
        case .marketMinus(let discount):
            return sku.marketPrice - sku.marketPrice.applying(discount)
        }
    }

    /// The level price: the SKU's own price for the level, else the global ratio, else the sale price.
    public static func levelPrice(of sku: CatalogSKU, salePrice: Money, level: String, levelRatio: Rate?) -> Money {
        levelPrice(sku.levelPrices, salePrice: salePrice, level: level, levelRatio: levelRatio)
    }

    static func levelPrice(_ levelPrices: [String: Money], salePrice: Money, level: String, levelRatio: Rate?) -> Money {
        if let own = levelPrices[level] { return own }
        if let ratio = levelRatio { return salePrice.applying(ratio) }
        return salePrice
    }

    /// The tier price: the tier with the largest `minQuantity` ≤ `quantity` (the lowest price among
    /// equal `minQuantity`), else the sale price.
    public static func tierPrice(of sku: CatalogSKU, salePrice: Money, quantity: Int64) -> Money {
        tierPrice(sku.tiers, salePrice: salePrice, quantity: quantity)
    }

    static func tierPrice(_ tiers: [TierPrice], salePrice: Money, quantity: Int64) -> Money {
        var best: TierPrice?
        for tier in tiers where tier.minQuantity <= quantity {
            guard let current = best else { best = tier; continue }
            if tier.minQuantity > current.minQuantity
                || (tier.minQuantity == current.minQuantity && tier.unitPrice < current.unitPrice)
            {
                best = tier
            }
        }
        return best?.unitPrice ?? salePrice
    }

    /// The unit price once the contract (if any) and the level ratio have been looked up.
    static func unitPrice(of sku: CatalogSKU, salePrice: Money, level: String, levelRatio: Rate?,
                          contract: Money?, quantity: Int64) -> Money
    {
        unitPrice(levelPrices: sku.levelPrices, tiers: sku.tiers, salePrice: salePrice, level: level,
                  levelRatio: levelRatio, contract: contract, quantity: quantity)
    }

    /// The same from the SKU's level prices and tiers alone: the core passes these two fields,
    /// not the whole SKU record (a copy of which retains and releases every String in it).
    static func unitPrice(levelPrices: [String: Money], tiers: [TierPrice], salePrice: Money, level: String,
                          levelRatio: Rate?, contract: Money?, quantity: Int64) -> Money
    {
        if let contract { return contract }
        let level = levelPrice(levelPrices, salePrice: salePrice, level: level, levelRatio: levelRatio)
        let tier = tierPrice(tiers, salePrice: salePrice, quantity: quantity)
        return min(level, tier)
    }
}
