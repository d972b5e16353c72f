// Pricing (SPEC §13, rules 2 and 3): sale price per pricing mode, and the unit price a buyer pays.

import MallCore
import XCTest

final class MallPricingTests: XCTestCase {
    private func sku(market: String = "120.00", cost: String = "80.00", sale: String? = "100.00",
                     levelPrices: [String: Money] = [:], tiers: [TierPrice] = []) -> CatalogSKU
    {
        CatalogSKU(sku: "S1", spu: "P1", supplierID: "SUP", category: "digital", marketPrice: money(market),
                   costPrice: money(cost), salePrice: sale.map { money($0) }, stock: 1, levelPrices: levelPrices,
                   tiers: tiers)
    }

    private func supplier(_ pricing: PricingMode) -> CatalogSupplier {
        CatalogSupplier(id: "SUP", pricing: pricing, freight: .free)
    }

    private func unitPrice(_ sku: CatalogSKU, level: String = "", buyerID: String = "b1", quantity: Int64 = 1,
                           ratios: [String: Rate] = [:], contracts: [PriceContract] = []) -> Money
    {
        let supplier = supplier(.fixed)
        let catalog = Catalog(suppliers: [supplier], skus: [sku], levelRatios: ratios, contracts: contracts)
        return Pricing.unitPrice(of: sku, supplier: supplier, buyer: Buyer(id: buyerID, level: level),
                                 quantity: quantity, catalog: catalog)
    }

    // MARK: sale price

    func testFixedUsesTheSalePriceElseTheMarketPrice() {
        XCTAssertEqual(Pricing.salePrice(of: sku(sale: "100.00"), supplier: supplier(.fixed)), money("100.00"))
        XCTAssertEqual(Pricing.salePrice(of: sku(market: "120.00", sale: nil), supplier: supplier(.fixed)), money("120.00"))
    }

    func testCostPlusRoundsTheMarkupHalfAwayFromZero() {
        let plus20 = supplier(.costPlus(markup: Rate(ppm: 200_000)))
        // 33.33 × 20 % = 6.666 → 6.67.
        XCTAssertEqual(Pricing.salePrice(of: sku(cost: "33.33"), supplier: plus20), money("40.00"))
        // 12.25 × 10 % = 1.225, a tie → 1.23.
        XCTAssertEqual(Pricing.salePrice(of: sku(cost: "12.25"), supplier: supplier(.costPlus(markup: Rate(ppm: 100_000)))),
                       money("13.48"))
        // 0.05 × 50 % = 0.025 → 0.03.
        XCTAssertEqual(Pricing.salePrice(of: sku(cost: "0.05"), supplier: supplier(.costPlus(markup: Rate(ppm: 500_000)))),
                       money("0.08"))
        // The agreed sale price plays no part.
        XCTAssertEqual(Pricing.salePrice(of: sku(cost: "10.00", sale: "99.00"), supplier: plus20), money("12.00"))
    }

    func testMarketMinusRoundsTheDiscountHalfAwayFromZero() {
        let minus10 = supplier(.marketMinus(discount: Rate(ppm: 100_000)))
        // 19.99 × 10 % = 1.999 → 2.00.
        XCTAssertEqual(Pricing.salePrice(of: sku(market: "19.99"), supplier: minus10), money("17.99"))
        // 12.25 × 10 % = 1.225, a tie → 1.23.
        XCTAssertEqual(Pricing.salePrice(of: sku(market: "12.25"), supplier: minus10), money("11.02"))
        // 0.05 × 50 % = 0.025 → 0.03, leaving 0.02.
        XCTAssertEqual(Pricing.salePrice(of: sku(market: "0.05"), supplier: supplier(.marketMinus(discount: Rate(ppm: 500_000)))),
                       money("0.02"))
    }

    // MARK: unit price

    func testAContractWinsOutrightEvenAboveEveryOtherPrice() {
        let phone = sku(levelPrices: ["gold": money("90.00")], tiers: [TierPrice(minQuantity: 2, unitPrice: money("80.00"))])
        let contracts = [PriceContract(buyerID: "b1", sku: "S1", unitPrice: money("150.00")),
                         PriceContract(buyerID: "b1", sku: "S1", unitPrice: money("1.00")),
                         PriceContract(buyerID: "b2", sku: "S1", unitPrice: money("60.00"))]
        XCTAssertEqual(unitPrice(phone, level: "gold", quantity: 5, contracts: contracts), money("150.00"),
                       "the first contract listed for (buyer, SKU) wins")
        XCTAssertEqual(unitPrice(phone, level: "gold", buyerID: "b2", quantity: 5, contracts: contracts), money("60.00"))
        XCTAssertEqual(unitPrice(phone, level: "gold", buyerID: "b3", quantity: 5, contracts: contracts), money("80.00"))
    }

    func testTheSKULevelPriceWinsOverTheGlobalRatio() {
        let phone = sku(levelPrices: ["gold": money("90.00")])
        // The gold ratio would give 80.00, lower, but the SKU's own price comes first.
        XCTAssertEqual(unitPrice(phone, level: "gold", ratios: ["gold": Rate(ppm: 800_000)]), money("90.00"))
    }

    func testTheGlobalRatioAppliesWhenTheSKUHasNoPriceForTheLevel() {
        let ratios = ["enterprise": Rate(ppm: 900_000)]
        XCTAssertEqual(unitPrice(sku(), level: "enterprise", ratios: ratios), money("90.00"))
        // 12.25 × 90 % = 11.025, a tie → 11.03.
        XCTAssertEqual(unitPrice(sku(sale: "12.25"), level: "enterprise", ratios: ratios), money("11.03"))
        // No ratio and no SKU price for the level: the sale price.
        XCTAssertEqual(unitPrice(sku(), level: "silver", ratios: ratios), money("100.00"))
        XCTAssertEqual(unitPrice(sku(), level: "", ratios: ratios), money("100.00"))
    }

    func testTheTierPriceWinsWhenLowerThanTheLevelPrice() {
        let phone = sku(levelPrices: ["gold": money("90.00")], tiers: [TierPrice(minQuantity: 5, unitPrice: money("85.00"))])
        XCTAssertEqual(unitPrice(phone, level: "gold", quantity: 4), money("90.00"))
        XCTAssertEqual(unitPrice(phone, level: "gold", quantity: 5), money("85.00"))
        XCTAssertEqual(unitPrice(phone, level: "", quantity: 4), money("100.00"))
        XCTAssertEqual(unitPrice(phone, level: "", quantity: 6), money("85.00"))
    }

    func testTheLevelPriceWinsWhenLowerThanTheTierPrice() {
        let phone = sku(levelPrices: ["gold": money("90.00")], tiers: [TierPrice(minQuantity: 5, unitPrice: money("95.00"))])
        XCTAssertEqual(unitPrice(phone, level: "gold", quantity: 5), money("90.00"))
        XCTAssertEqual(unitPrice(phone, level: "", quantity: 5), money("95.00"))
    }

    func testTheTierWithTheLargestMinimumAtOrBelowTheQuantityApplies() {
        let tiers = [TierPrice(minQuantity: 10, unitPrice: money("80.00")),
                     TierPrice(minQuantity: 5, unitPrice: money("95.00")),
                     TierPrice(minQuantity: 10, unitPrice: money("82.00")),
                     TierPrice(minQuantity: 20, unitPrice: money("99.00"))]
        let bulk = sku(tiers: tiers)
        XCTAssertEqual(unitPrice(bulk, quantity: 4), money("100.00"))
        XCTAssertEqual(unitPrice(bulk, quantity: 5), money("95.00"))
        XCTAssertEqual(unitPrice(bulk, quantity: 9), money("95.00"))
        XCTAssertEqual(unitPrice(bulk, quantity: 10), money("80.00"), "equal minimums: the lower price")
        XCTAssertEqual(unitPrice(bulk, quantity: 19), money("80.00"))
        // The largest tier reached applies even when its price is higher; the sale price stays a ceiling
        // only through the level price (min of level and tier).
        XCTAssertEqual(unitPrice(bulk, quantity: 20), money("99.00"))
        XCTAssertEqual(Pricing.tierPrice(of: bulk, salePrice: money("100.00"), quantity: 20), money("99.00"))
    }

    func testTheStateUsesTheSameRulesAsPricing() {
        // bob is gold: A-PHONE has a gold price of 90.00 and a 5+ tier at 95.00; A-CASE has no gold price,
        // so the global gold ratio (95 %) applies: 25.00 → 23.75.
        var state = MallState(catalog: MallFixture.catalog(
            contracts: [PriceContract(buyerID: "alice", sku: "C-TEA", unitPrice: money("15.00"))]))
        accept(&state, placeOrder("O1", "bob", [("A-PHONE", 5), ("A-CASE", 1)]), at: 0)
        accept(&state, placeOrder("O2", "alice", [("A-PHONE", 5), ("C-TEA", 2), ("B-PAPER", 1)]), at: 0)
        XCTAssertEqual(state.line("O1-1", lineNo: 1)?.unitPrice, money("90.00"))
        XCTAssertEqual(state.line("O1-1", lineNo: 2)?.unitPrice, money("23.75"))
        XCTAssertEqual(state.line("O2-1", lineNo: 1)?.unitPrice, money("95.00"))
        XCTAssertEqual(state.line("O2-2", lineNo: 1)?.unitPrice, money("40.00"))
        XCTAssertEqual(state.line("O2-3", lineNo: 1)?.unitPrice, money("15.00"))
    }
}
