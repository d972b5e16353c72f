// GeneratorCatalog: the generated mall's master data. A fixed category tree, suppliers with
// trades and settlement terms, SKUs with prices in every pricing mode, welfare employees and B2B
// dealers, coupon campaigns, and the tables the journal draws from (popularity, order counts per
// day, demand-sized stock). Built once per seed; everything is decided here that the journal
// needs to stay consistent with the catalog.

/// Who buys a category: welfare employees, B2B dealers, or both.
enum GenAudience: Sendable {
    case consumer, b2b, both
    var welfare: Bool { self != .b2b }
    var dealer: Bool { self != .consumer }
}

/// A supplier's line of business: its top-level category, names, fees and after-sale habits.
enum GenTrade: Int, CaseIterable, Sendable {
    case digital, home, food, office, gift, industrial, beauty, sports

    var top: String {
        switch self {
        case .digital: return "digital"
        case .home: return "home"
        case .food: return "food"
        case .office: return "office"
        case .gift: return "gift"
        case .industrial: return "industrial"
        case .beauty: return "beauty"
        case .sports: return "sports"
        }
    }

    var supplierNames: [String] {
        switch self {
        case .digital: return ["Acme Digital", "Nova Electronics", "Pixel Harbor", "数码港 Digital Port"]
        case .home: return ["Delta Home & Living", "Maple Kitchenware", "Cozy Nest", "居家良品 HomeGood"]
        case .food: return ["Cedar Fresh Foods", "银杏茶业 Ginkgo Tea", "Golden Grain", "Orchard Snacks"]
        case .office: return ["Bamboo Office Supplies", "Paperline", "Inkwell Stationery"]
        case .gift: return ["Echo Gift Cards", "Lantern Gifts", "Festival Hampers"]
        case .industrial: return ["Harbor Industrial (B2B)", "Ironclad Tools", "SafeGuard PPE", "Bolt & Nut Supply"]
        case .beauty: return ["Lotus Beauty", "Pure Skin Lab"]
        case .sports: return ["Summit Outdoor", "Stride Fitness"]
        }
    }

    /// After-sale rates per child order, ppm: refund only (money back, goods kept) and return.
    /// Food is refunded without return, gadgets and sportswear come back, gift cards rarely do.
    var refundOnlyPPM: Int {
        switch self {
        case .digital: return 15_000
        case .home: return 20_000
        case .food: return 40_000
        case .office: return 10_000
        case .gift: return 5_000
        case .industrial: return 10_000
        case .beauty: return 30_000
        case .sports: return 20_000
        }
    }

    var returnPPM: Int {
        switch self {
        case .digital: return 50_000
        case .home: return 40_000
        case .food: return 5_000
        case .office: return 15_000
        case .gift: return 2_000
        case .industrial: return 25_000
        case .beauty: return 20_000
        case .sports: return 50_000
        }
    }

    /// The commission rate configured for the trade's top-level category.
    var commissionPPM: Int64 {
        switch self {
        case .digital: return 80_000
        case .home: return 60_000
        case .food: return 40_000
        case .office: return 50_000
        case .gift: return 20_000
        case .industrial: return 35_000
        case .beauty: return 90_000
        case .sports: return 70_000
        }
    }

    /// How often each trade is chosen for suppliers after the first eight.
    static let weights = GenChoice<GenTrade>([(.digital, 20), (.home, 15), (.food, 15), (.office, 10), (.gift, 5),
                                        (.industrial, 15), (.beauty, 10), (.sports, 10)])
}

/// A leaf of the fixed category tree (2 or 3 levels).
struct GenCategoryLeaf: Sendable {
    let path: String
    let trade: GenTrade
    let audience: GenAudience
    /// Range of an SPU's market price, fen.
    let priceFen: ClosedRange<Int64>
    /// Fixed face values (gift cards); empty for ordinary goods.
    let faceValuesFen: [Int64]

    init(_ path: String, _ trade: GenTrade, _ audience: GenAudience, _ priceFen: ClosedRange<Int64>, faces: [Int64] = []) {
        self.path = path; self.trade = trade; self.audience = audience; self.priceFen = priceFen
        self.faceValuesFen = faces
    }

    /// The first `levels` components of the path: `food/tea/green` → `food/tea`.
    func prefix(levels: Int) -> String {
        path.split(separator: "/").prefix(levels).joined(separator: "/")
    }

    static let tree: [GenCategoryLeaf] = [
        GenCategoryLeaf("digital/phone/android", .digital, .consumer, 99_900...499_900),
        GenCategoryLeaf("digital/phone/ios", .digital, .consumer, 499_900...999_900),
        GenCategoryLeaf("digital/laptop", .digital, .both, 399_900...1_299_900),
        GenCategoryLeaf("digital/accessory/cable", .digital, .both, 990...5900),
        GenCategoryLeaf("digital/accessory/charger", .digital, .both, 2900...19_900),
        GenCategoryLeaf("digital/audio/headphone", .digital, .consumer, 9900...199_900),
        GenCategoryLeaf("home/kitchen/cookware", .home, .consumer, 4900...89_900),
        GenCategoryLeaf("home/kitchen/appliance", .home, .consumer, 19_900...299_900),
        GenCategoryLeaf("home/textile/bedding", .home, .consumer, 9900...129_900),
        GenCategoryLeaf("home/cleaning", .home, .both, 990...9900),
        GenCategoryLeaf("food/tea/green", .food, .consumer, 3900...59_900),
        GenCategoryLeaf("food/tea/black", .food, .consumer, 2900...39_900),
        GenCategoryLeaf("food/snack/nuts", .food, .consumer, 1990...19_900),
        GenCategoryLeaf("food/grain-oil", .food, .both, 2990...15_900),
        GenCategoryLeaf("office/paper", .office, .both, 1990...8900),
        GenCategoryLeaf("office/stationery/pen", .office, .both, 250...5900),
        GenCategoryLeaf("office/printer/toner", .office, .both, 9900...89_900),
        GenCategoryLeaf("gift/card", .gift, .consumer, 5000...100_000, faces: [5000, 10_000, 20_000, 50_000, 100_000]),
        GenCategoryLeaf("gift/festival/mooncake", .gift, .consumer, 9900...59_900),
        GenCategoryLeaf("gift/festival/hamper", .gift, .consumer, 19_900...99_900),
        GenCategoryLeaf("industrial/tools/power", .industrial, .b2b, 19_900...299_900),
        GenCategoryLeaf("industrial/tools/hand", .industrial, .b2b, 1900...29_900),
        GenCategoryLeaf("industrial/safety/gloves", .industrial, .b2b, 350...3900),
        GenCategoryLeaf("industrial/fastener", .industrial, .b2b, 20...990),
        GenCategoryLeaf("beauty/skincare", .beauty, .consumer, 5900...99_900),
        GenCategoryLeaf("beauty/personal-care", .beauty, .consumer, 990...12_900),
        GenCategoryLeaf("sports/fitness", .sports, .consumer, 4900...299_900),
        GenCategoryLeaf("sports/outdoor", .sports, .consumer, 9900...199_900),
    ]

    static func leaves(of trade: GenTrade) -> [Int] {
        tree.indices.filter { tree[$0].trade == trade }
    }
}

/// Member levels; the raw value indexes `GenSKU.levelFen`.
enum GenMemberLevel: Int, Sendable {
    case standard = 0, gold = 1, enterprise = 2
    var name: String { ["standard", "gold", "enterprise"][rawValue] }
}

/// A supplier as generated: its settlement terms (for the config) and trading terms (for the catalog).
struct GenSupplier: Sendable {
    let id: String
    let name: String
    let trade: GenTrade
    let commissionMode: Bool
    let platformShips: Bool
    /// `monthly`, `semimonthly`, `weekly` or `daily`, with its `cycle_day` where one is needed.
    let cycle: String
    let cycleDay: Int?
    let settleOnCompleted: Bool
    let entity: String
    let pricing: PricingMode
    let freightFlatFen: Int64
    let freightFreeOverFen: Int64?
    let leaves: [Int]
}

/// A SKU as generated, with its effective prices precomputed the way the core prices them.
struct GenSKU: Sendable {
    let id: String
    let spu: String
    let supplier: Int
    let leaf: Int
    let marketFen: Int64
    let costFen: Int64
    /// The stated sale price (fixed-price suppliers only).
    let statedSaleFen: Int64?
    /// The sale price after the supplier's pricing mode.
    let saleFen: Int64
    /// SKU-specific level prices: gold, enterprise.
    let ownGoldFen: Int64?
    let ownEnterpriseFen: Int64?
    /// Effective price per member level (standard, gold, enterprise): own price, else sale × ratio.
    let levelFen: [Int64]
    /// Quantity tiers, ascending by minimum quantity.
    let tiers: [TierPrice]
    var stock: Int64 = 0
    var limited = false
}

struct GenEmployee: Sendable {
    let id: String
    let level: GenMemberLevel
    let activity: UInt64
    var grantFen: Int64 = 0
    let expiryMonths: Int
    /// Day of the year (0-based) of the birthday grant.
    let birthday: Int
}

struct GenDealer: Sendable {
    let id: String
    let activity: UInt64
    let frozen: Bool
    var limitFen: Int64 = 0
    let billDay: Int
    let repayDay: Int
    let style: GenRepayStyle
    /// A frozen dealer's one repayment of old debt: the day index in the run and the amount.
    let oldDebtDay: Int
    let oldDebtFen: Int64
}

struct GenCoupon: Sendable {
    let id: String
    let amountOffFen: Int64
    let percentPPM: Int64
    let capFen: Int64?
    let thresholdFen: Int64
    let fromNanos: Int64
    let toNanos: Int64
    let perBuyerLimit: Int
    let supplierFunded: Bool
    let scope: CouponScope
    /// The run day on which a (non-flash) campaign starts, for the order boost; nil otherwise.
    let startDayIndex: Int?

    /// The most this coupon can take off lines worth at most `eligibleHighFen`.
    func maxDiscountFen(eligibleHighFen: Int64) -> Int64 {
        if amountOffFen > 0 { return amountOffFen }
        let share = Money(fen: eligibleHighFen).applying(Rate(ppm: percentPPM)).fen + 1
        return min(share, capFen ?? Int64.max)
    }
}

/// Weighted SKU draws for one audience, over all SKUs or one supplier's.
struct GenSKUPicker: Sendable {
    let skus: [Int32]
    let table: GenWeightTable
    var isEmpty: Bool { table.isEmpty }
    func draw(_ rng: inout GeneratorRandom) -> Int { Int(skus[table.draw(&rng)]) }
}

/// One line of a drawn cart.
struct GenCartPick: Sendable {
    var sku: Int
    var quantity: Int64
}

/// Everything the journal needs besides the catalog itself.
struct GeneratorTables: Sendable {
    var suppliers: [GenSupplier] = []
    var skus: [GenSKU] = []
    var welfareSKUs = GenSKUPicker(skus: [], table: GenWeightTable([]))
    var dealerSKUs = GenSKUPicker(skus: [], table: GenWeightTable([]))
    var welfareBySupplier: [GenSKUPicker] = []
    var dealerBySupplier: [GenSKUPicker] = []
    var employees: [GenEmployee] = []
    var dealers: [GenDealer] = []
    var employeePick = GenWeightTable([])
    var dealerPick = GenWeightTable([])
    /// Employees by birthday (day of year, 0-based).
    var birthdays: [[Int32]] = []
    /// Contract prices, keyed by `dealer << 32 | sku`.
    var contracts: [Int64: Int64] = [:]
    var coupons: [GenCoupon] = []
    /// `couponEligible[coupon * skus.count + sku]`.
    var couponEligible: [Bool] = []
    var welfareOrdersByDay: [Int] = []
    var dealerOrdersByDay: [Int] = []
    var orderSequenceWidth = 5
    var welfareSuppliers = 0
    var dealerSuppliers = 0

    // MARK: Prices, as the core computes them (SPEC §13): contract first, else the lower of the
    // level price and the tier price.

    /// The cheapest tier price `quantity` units qualify for.
    func tierFen(_ sku: Int, quantity: Int64) -> Int64? {
        var best: Int64?
        for tier in skus[sku].tiers where tier.minQuantity <= quantity {
            best = min(best ?? Int64.max, tier.unitPrice.fen)
        }
        return best
    }

    func contractFen(dealer: Int?, sku: Int) -> Int64? {
        guard let dealer else { return nil }
        return contracts[Int64(dealer) << 32 | Int64(sku)]
    }

    /// The unit price the core should charge, and the lowest it could charge under any reading
    /// of the rules (used to keep coupon thresholds and refund amounts safely inside bounds).
    func unitFen(_ sku: Int, level: GenMemberLevel, quantity: Int64, dealer: Int?) -> (expected: Int64, low: Int64) {
        let levelPrice = skus[sku].levelFen[level.rawValue]
        let tier = tierFen(sku, quantity: quantity)
        let contract = contractFen(dealer: dealer, sku: sku)
        let expected = contract ?? min(levelPrice, tier ?? levelPrice)
        let low = min(contract ?? Int64.max, levelPrice, tier ?? Int64.max)
        return (expected, low)
    }

    // MARK: Carts

    /// Draws a cart for a welfare employee or a dealer: lines sorted by SKU index (so by
    /// supplier id, then SKU id, the order of the split), no SKU twice. `available` says whether
    /// a quantity of a SKU is still in stock as far as the generator knows.
    func drawCart(dealer: Bool, rng: inout GeneratorRandom, available: (Int, Int64) -> Bool) -> [GenCartPick] {
        let global = dealer ? dealerSKUs : welfareSKUs
        guard !global.isEmpty else { return [] }
        let bySupplier = dealer ? dealerBySupplier : welfareBySupplier
        let supplierCount = dealer ? dealerSuppliers : welfareSuppliers
        let multi = supplierCount > 1
            && rng.chance(ppm: dealer ? GeneratorKnobs.dealerMultiSupplierPPM : GeneratorKnobs.multiSupplierCartPPM)
        var lineCount: Int
        if dealer {
            lineCount = GeneratorKnobs.dealerLines.draw(&rng)
            if multi { lineCount = max(lineCount, 2) }
        } else {
            lineCount = multi ? GeneratorKnobs.welfareMultiLines.draw(&rng) : GeneratorKnobs.welfareSingleLines.draw(&rng)
        }
        let supplierGoal = multi ? (lineCount >= 3 && supplierCount > 2 && rng.chance(ppm: 300_000) ? 3 : 2) : 1
        var picks: [GenCartPick] = []
        var suppliersUsed: [Int] = []
        var attempts = 0
        while picks.count < lineCount && attempts < lineCount * 4 {
            attempts += 1
            let needNewSupplier = suppliersUsed.count < supplierGoal
            let sku: Int
            if needNewSupplier {
                sku = global.draw(&rng)
                if suppliersUsed.contains(skus[sku].supplier) { continue }
            } else {
                let picker = bySupplier[rng.element(suppliersUsed)]
                sku = picker.draw(&rng)
            }
            if picks.contains(where: { $0.sku == sku }) { continue }
            let quantity = dealer ? dealerQuantity(sku, &rng) : welfareQuantity(sku, &rng)
            guard available(sku, quantity) else { continue }
            picks.append(GenCartPick(sku: sku, quantity: quantity))
            if needNewSupplier { suppliersUsed.append(skus[sku].supplier) }
        }
        picks.sort { $0.sku < $1.sku }
        return picks
    }

    private func welfareQuantity(_ sku: Int, _ rng: inout GeneratorRandom) -> Int64 {
        let wanted = GeneratorKnobs.welfareQuantity.draw(&rng)
        return max(1, min(wanted, GeneratorKnobs.welfareLineMaxFen / max(skus[sku].saleFen, 1)))
    }

    /// Dealers buy around the tiers when there are tiers (just under, at or past a step).
    private func dealerQuantity(_ sku: Int, _ rng: inout GeneratorRandom) -> Int64 {
        let tiers = skus[sku].tiers
        var wanted: Int64
        if tiers.isEmpty {
            wanted = rng.int64(GeneratorKnobs.dealerQuantity.draw(&rng))
        } else {
            let steps = tiers.map(\.minQuantity)
            let bucket = GeneratorKnobs.dealerTierBucket.draw(&rng)
            switch bucket {
            case 0: wanted = rng.int64(1...max(1, steps[0] - 1))
            case 1: wanted = rng.int64(steps[0]...max(steps[0], (steps.count > 1 ? steps[1] : steps[0] * 2) - 1))
            case 2 where steps.count > 2: wanted = rng.int64(steps[1]...(steps[2] - 1))
            default: wanted = rng.int64(steps[steps.count - 1]...(steps[steps.count - 1] * 2))
            }
        }
        return max(1, min(wanted, GeneratorKnobs.dealerLineMaxFen / max(skus[sku].saleFen, 1)))
    }

    /// Freight the core charges a child order of `supplier` whose goods come to `goodsFen`.
    func freightFen(supplier: Int, goodsFen: Int64) -> Int64 {
        let plan = suppliers[supplier]
        if let free = plan.freightFreeOverFen, goodsFen >= free { return 0 }
        return plan.freightFlatFen
    }
}

/// Builds the catalog and the tables from the settings, drawing from the catalog's own stream.
struct GeneratorCatalogBuilder {
    let settings: GeneratorSettings
    var rng: GeneratorRandom
    var clock: GenZoneClock
    var tables = GeneratorTables()
    /// Popularity weight of each SKU among welfare and dealer draws (0: not sold to them).
    private var welfareWeight: [UInt64] = []
    private var dealerWeight: [UInt64] = []

    init(settings: GeneratorSettings, clock: GenZoneClock) {
        self.settings = settings
        self.rng = GeneratorRandom(seed: settings.seed, stream: 1)
        self.clock = clock
    }

    mutating func build() -> (Catalog, GeneratorTables) {
        makeSuppliers()
        makeSKUs()
        makePopularity()
        makeBuyers()
        makeCoupons()
        planDays()
        sizeFromSamples()
        makeContracts()
        return (assembleCatalog(), tables)
    }

    // MARK: Suppliers

    /// The first eight suppliers cover every mode, shipping, cycle, trigger and pricing mode
    /// (like Pipelines/mall.json); the rest are drawn.
    private static let pattern: [(GenTrade, Bool, Bool, String, Int?, Bool, String, Int)] = [
        // trade, commission, platform ships, cycle, cycle_day, settle on completed, entity, pricing (0 fixed, 1 cost-plus, 2 market-minus)
        (.digital, true, false, "monthly", 1, true, "ENT-BJ", 0),
        (.office, true, true, "weekly", 1, false, "ENT-SH", 1),
        (.food, false, true, "semimonthly", nil, true, "ENT-SH", 2),
        (.home, true, false, "monthly", 16, false, "ENT-SH", 2),
        (.gift, false, false, "daily", nil, false, "ENT-BJ", 0),
        (.digital, true, true, "weekly", 3, true, "ENT-BJ", 2),
        (.food, true, false, "semimonthly", nil, true, "ENT-SH", 1),
        (.industrial, false, true, "monthly", 1, false, "ENT-BJ", 1),
    ]

    private mutating func makeSuppliers() {
        let width = max(4, String(settings.suppliers).count)
        var nameUses: [String: Int] = [:]
        for index in 0..<settings.suppliers {
            var trade: GenTrade, commission: Bool, platform: Bool, cycle: String, cycleDay: Int?
            var completed: Bool, entity: String, pricingKind: Int
            if index < GeneratorCatalogBuilder.pattern.count {
                (trade, commission, platform, cycle, cycleDay, completed, entity, pricingKind) = GeneratorCatalogBuilder.pattern[index]
            } else {
                trade = GenTrade.weights.draw(&rng)
                commission = !rng.chance(ppm: 300_000)
                platform = rng.chance(ppm: 400_000)
                (cycle, cycleDay) = GenChoice<(String, Int?)>([(("monthly", 1), 20), (("monthly", 16), 10), (("monthly", 25), 5),
                                                            (("weekly", 1), 15), (("weekly", rng.int(2...7)), 10),
                                                            (("semimonthly", nil), 25), (("daily", nil), 15)]).draw(&rng)
                completed = rng.chance(ppm: 600_000)
                entity = rng.element(["ENT-BJ", "ENT-SH", "ENT-GZ"])
                pricingKind = trade == .gift ? 0 : GenChoice<Int>([(0, 50), (1, 25), (2, 25)]).draw(&rng)
            }
            let pricing: PricingMode
            switch pricingKind {
            case 1: pricing = .costPlus(markup: Rate(ppm: rng.element(GeneratorKnobs.costPlusMarkupPPM)))
            case 2: pricing = .marketMinus(discount: Rate(ppm: rng.element(GeneratorKnobs.marketMinusDiscountPPM)))
            default: pricing = .fixed
            }
            let baseName = trade.supplierNames[nameUses[trade.top, default: 0] % trade.supplierNames.count]
            let round = nameUses[trade.top, default: 0] / trade.supplierNames.count
            nameUses[trade.top, default: 0] += 1
            let name = round == 0 ? baseName : baseName + " No." + String(round + 1)
            var leaves = GenCategoryLeaf.leaves(of: trade)
            let leafCount = min(leaves.count, rng.int(GeneratorKnobs.leavesPerSupplier))
            var chosen: [Int] = []
            for _ in 0..<leafCount { chosen.append(leaves.remove(at: Int(rng.below(UInt64(leaves.count))))) }
            chosen.sort()
            let flat = trade == .industrial ? 0 : GeneratorKnobs.freightFlatFen.draw(&rng)
            let freeOver: Int64? = flat == 0 ? nil
                : (trade == .industrial ? 50_000 : GeneratorKnobs.freightFreeOverFen.draw(&rng))
            tables.suppliers.append(GenSupplier(
                id: GeneratorText.numbered("SUP-", index + 1, width: width), name: name, trade: trade,
                commissionMode: commission, platformShips: platform, cycle: cycle, cycleDay: cycleDay,
                settleOnCompleted: completed, entity: entity, pricing: pricing, freightFlatFen: flat,
                freightFreeOverFen: freeOver, leaves: chosen))
        }
    }

    // MARK: SKUs and prices

    /// A "nice" price: whole yuan ending in 9 from 100 yuan, x.90 from 10 yuan, else x.x0.
    static func nicePrice(_ fen: Int64) -> Int64 {
        if fen >= 10_000 { return (fen / 1000) * 1000 + 900 }
        if fen >= 1000 { return (fen / 100) * 100 + 90 }
        return max(10, (fen / 10) * 10)
    }

    /// `fen × percent / 100` rounded to whole 10 fen (x.x0), at least 0.10.
    static func percentOf(_ fen: Int64, _ percent: Int64) -> Int64 {
        max(10, (fen * percent + 500) / 1000 * 10)
    }

    private mutating func makeSKUs() {
        let skuWidth = max(3, String(GeneratorKnobs.skusPerSupplier.upperBound).count)
        for (supplierIndex, supplier) in tables.suppliers.enumerated() {
            let count = rng.int(GeneratorKnobs.skusPerSupplier)
            let supplierDigits = String(supplier.id.dropFirst(4))
            var made = 0
            var spuNumber = 0
            while made < count {
                spuNumber += 1
                let size = min(count - made, rng.int(GeneratorKnobs.skusPerSPU))
                let leafIndex = rng.element(supplier.leaves)
                let leaf = GenCategoryLeaf.tree[leafIndex]
                let spu = "SPU-" + supplierDigits + "-" + GeneratorText.numbered("", spuNumber, width: 2)
                let low = rng.int64(leaf.priceFen), other = rng.int64(leaf.priceFen)
                let base = GeneratorCatalogBuilder.nicePrice(min(low, other))
                var faces = leaf.faceValuesFen
                for variant in 0..<size {
                    made += 1
                    let market: Int64
                    if !faces.isEmpty {
                        market = faces.remove(at: Int(rng.below(UInt64(faces.count))))
                        if faces.isEmpty { faces = leaf.faceValuesFen }
                    } else {
                        market = GeneratorCatalogBuilder.nicePrice(base * GeneratorKnobs.variantPricePercent[variant % 4] / 100)
                    }
                    let id = "SKU-" + supplierDigits + "-" + GeneratorText.numbered("", made, width: skuWidth)
                    tables.skus.append(makeSKU(id: id, spu: spu, supplier: supplierIndex, leafIndex: leafIndex,
                                               market: market, giftCard: !leaf.faceValuesFen.isEmpty))
                }
            }
        }
    }

    private mutating func makeSKU(id: String, spu: String, supplier: Int, leafIndex: Int, market: Int64,
                                  giftCard: Bool) -> GenSKU {
        let plan = tables.suppliers[supplier]
        let leaf = GenCategoryLeaf.tree[leafIndex]
        let cost = giftCard ? GeneratorCatalogBuilder.percentOf(market, 97)
            : GeneratorCatalogBuilder.percentOf(market, Int64(rng.int(GeneratorKnobs.costPercent)))
        var stated: Int64?
        let sale: Int64
        switch plan.pricing {
        case .fixed:
            let drawn = giftCard ? market : GeneratorCatalogBuilder.percentOf(market, Int64(rng.int(GeneratorKnobs.fixedSalePercent)))
            stated = max(drawn, cost + 10)
            sale = stated!
        case .costPlus(let markup):
            sale = Money(fen: cost).applying(Rate(ppm: Rate.ppmPerUnit + markup.ppm)).fen
        case .marketMinus(let discount):
            sale = Money(fen: market).applying(Rate(ppm: Rate.ppmPerUnit - discount.ppm)).fen
        }
        var ownGold: Int64?
        var ownEnterprise: Int64?
        if leaf.audience.welfare && rng.chance(ppm: GeneratorKnobs.skuGoldPricePPM) {
            ownGold = min(sale, GeneratorCatalogBuilder.percentOf(sale, GeneratorKnobs.skuGoldPricePercent))
        }
        if leaf.audience.dealer && rng.chance(ppm: GeneratorKnobs.skuEnterprisePricePPM) {
            ownEnterprise = min(sale, GeneratorCatalogBuilder.percentOf(sale, GeneratorKnobs.skuEnterprisePricePercent))
        }
        let ratios = GeneratorKnobs.levelRatioPPM
        let gold = ownGold ?? Money(fen: sale).applying(Rate(ppm: ratios["gold"]!)).fen
        let enterprise = ownEnterprise ?? Money(fen: sale).applying(Rate(ppm: ratios["enterprise"]!)).fen
        var tiers: [TierPrice] = []
        if leaf.audience.dealer && rng.chance(ppm: GeneratorKnobs.tieredSKUPPM) {
            let ladder = rng.element(GeneratorKnobs.tierLadders)
            let steps = rng.int(2...3)
            for step in 0..<steps {
                let price = min(sale, GeneratorCatalogBuilder.percentOf(sale, GeneratorKnobs.tierPricePercent[step]))
                tiers.append(TierPrice(minQuantity: ladder[step], unitPrice: Money(fen: price)))
            }
        }
        return GenSKU(id: id, spu: spu, supplier: supplier, leaf: leafIndex, marketFen: market, costFen: cost,
                       statedSaleFen: stated, saleFen: sale, ownGoldFen: ownGold, ownEnterpriseFen: ownEnterprise,
                       levelFen: [sale, gold, enterprise], tiers: tiers)
    }

    // MARK: Popularity

    /// Each audience ranks its SKUs in a random order; weight falls as 1 / (rank + offset) and
    /// with the price (people buy more tea than phones).
    private mutating func makePopularity() {
        func picker(_ members: [Int32], ranks: [Int: UInt64]) -> GenSKUPicker {
            GenSKUPicker(skus: members, table: GenWeightTable(members.map { ranks[Int($0)]! }))
        }
        func ranked(_ members: [Int32]) -> [Int: UInt64] {
            var order = members
            for index in stride(from: order.count - 1, to: 0, by: -1) {
                order.swapAt(index, Int(rng.below(UInt64(index + 1))))
            }
            var weights: [Int: UInt64] = [:]
            for (rank, sku) in order.enumerated() {
                let sale = tables.skus[Int(sku)].saleFen
                let divisor = GeneratorKnobs.priceDivisors.first { sale < $0.belowFen }?.divisor ?? GeneratorKnobs.priceDivisorTop
                weights[Int(sku)] = GeneratorKnobs.zipfScale / (UInt64(rank) + GeneratorKnobs.zipfOffset) / divisor + 1
            }
            return weights
        }
        let all = tables.skus.indices
        let welfare = all.filter { GenCategoryLeaf.tree[tables.skus[$0].leaf].audience.welfare }.map { Int32($0) }
        let dealer = all.filter { GenCategoryLeaf.tree[tables.skus[$0].leaf].audience.dealer }.map { Int32($0) }
        let welfareRanks = ranked(welfare)
        let dealerRanks = ranked(dealer)
        welfareWeight = all.map { welfareRanks[$0] ?? 0 }
        dealerWeight = all.map { dealerRanks[$0] ?? 0 }
        tables.welfareSKUs = picker(welfare, ranks: welfareRanks)
        tables.dealerSKUs = picker(dealer, ranks: dealerRanks)
        for supplier in tables.suppliers.indices {
            tables.welfareBySupplier.append(picker(welfare.filter { tables.skus[Int($0)].supplier == supplier }, ranks: welfareRanks))
            tables.dealerBySupplier.append(picker(dealer.filter { tables.skus[Int($0)].supplier == supplier }, ranks: dealerRanks))
        }
        tables.welfareSuppliers = tables.welfareBySupplier.filter { !$0.isEmpty }.count
        tables.dealerSuppliers = tables.dealerBySupplier.filter { !$0.isEmpty }.count
    }

    // MARK: Buyers

    private mutating func makeBuyers() {
        let dealerCount = settings.buyers >= 2 ? max(1, settings.buyers / GeneratorKnobs.dealerEvery) : 0
        let employeeCount = settings.buyers - dealerCount
        let frozenCount = dealerCount >= 12 ? 2 : (dealerCount >= 3 ? 1 : 0)
        let employeeWidth = max(6, String(employeeCount).count)
        for index in 0..<employeeCount {
            let gold = rng.chance(ppm: GeneratorKnobs.goldEmployeePPM)
            tables.employees.append(GenEmployee(
                id: GeneratorText.numbered("EMP-", index + 1, width: employeeWidth),
                level: gold ? .gold : .standard, activity: GeneratorKnobs.employeeActivity.draw(&rng),
                expiryMonths: rng.int(GeneratorKnobs.grantExpiryMonths), birthday: rng.int(0...364)))
        }
        var frozen = Set<Int>()
        while frozen.count < frozenCount { frozen.insert(Int(rng.below(UInt64(dealerCount)))) }
        let dealerWidth = max(4, String(dealerCount).count)
        for index in 0..<dealerCount {
            let billDay = GeneratorKnobs.billDay.draw(&rng)
            let repayDay = billDay == 1 ? GeneratorKnobs.repayDayAfterBill1.draw(&rng) : GeneratorKnobs.repayDayAfterBill16.draw(&rng)
            tables.dealers.append(GenDealer(
                id: GeneratorText.numbered("DLR-", index + 1, width: dealerWidth),
                activity: GeneratorKnobs.dealerActivity.draw(&rng), frozen: frozen.contains(index),
                billDay: billDay, repayDay: repayDay, style: GeneratorKnobs.repayStyle.draw(&rng),
                oldDebtDay: rng.int(0...min(6, settings.days - 1)),
                oldDebtFen: rng.int64(GeneratorKnobs.oldDebtFen) / 100 * 100))
        }
        tables.employeePick = GenWeightTable(tables.employees.map(\.activity))
        tables.dealerPick = GenWeightTable(tables.dealers.map { $0.frozen ? GeneratorKnobs.frozenDealerWeight : $0.activity * 4 })
        tables.birthdays = Array(repeating: [], count: 365)
        for (index, employee) in tables.employees.enumerated() { tables.birthdays[employee.birthday].append(Int32(index)) }
    }

    // MARK: Coupons

    private mutating func makeCoupons() {
        let welfare = tables.welfareSKUs
        guard !welfare.isEmpty else { return }
        let count = min(GeneratorKnobs.couponsMax,
                        max(4, settings.days / GeneratorKnobs.daysPerCoupon + settings.suppliers / 2))
        let width = max(4, String(count).count)
        let start = settings.start
        let welfareSuppliers = tables.welfareBySupplier.indices.filter { !tables.welfareBySupplier[$0].isEmpty }
        tables.couponEligible = []
        tables.couponEligible.reserveCapacity(count * tables.skus.count)
        for index in 0..<count {
            let supplierFunded = rng.chance(ppm: GeneratorKnobs.supplierFundedPPM)
            var scope = CouponScope()
            if supplierFunded {
                let supplier = rng.element(welfareSuppliers)
                scope.supplierID = tables.suppliers[supplier].id
                if rng.chance(ppm: 300_000) {
                    let sku = tables.welfareBySupplier[supplier].draw(&rng)
                    scope.category = GenCategoryLeaf.tree[tables.skus[sku].leaf].prefix(levels: 2)
                }
            } else {
                let style = rng.below(100)
                if style >= 35 && style < 70 {
                    let sku = welfare.draw(&rng)
                    scope.category = GenCategoryLeaf.tree[tables.skus[sku].leaf].prefix(levels: rng.int(1...2))
                } else if style >= 70 {
                    var list = Set<Int>()
                    let wanted = rng.int(3...8)
                    for _ in 0..<(wanted * 3) where list.count < wanted { list.insert(welfare.draw(&rng)) }
                    scope.skus = list.sorted().map { tables.skus[$0].id }
                }
            }
            var amountOff: Int64 = 0, percent: Int64 = 0, cap: Int64?, threshold: Int64
            if rng.chance(ppm: GeneratorKnobs.amountOffPPM) {
                amountOff = rng.element(GeneratorKnobs.amountOffFen)
                threshold = amountOff * rng.element(GeneratorKnobs.amountOffThresholdTimes)
            } else {
                percent = rng.element(GeneratorKnobs.percentOffPPM)
                cap = rng.element(GeneratorKnobs.percentOffCapFen)
                threshold = rng.element(GeneratorKnobs.percentOffThresholdFen)
            }
            let firstDay = index == 0 ? 0 : rng.int(-2...(settings.days - 1))
            let day = start.adding(days: firstDay)
            let flash = index > 0 && rng.chance(ppm: GeneratorKnobs.flashCouponPPM)
            let from = flash ? clock.nanos(day, second: 10 * 3600) : clock.nanos(day, second: 0)
            let to = flash ? clock.nanos(day, second: 22 * 3600)
                : clock.nanos(day.adding(days: rng.int(GeneratorKnobs.couponWindowDays)), second: 0)
            let plan = GenCoupon(
                id: GeneratorText.numbered("CPN-", index + 1, width: width), amountOffFen: amountOff,
                percentPPM: percent, capFen: cap, thresholdFen: threshold, fromNanos: from, toNanos: to,
                perBuyerLimit: GeneratorKnobs.couponPerBuyer.draw(&rng), supplierFunded: supplierFunded,
                scope: scope, startDayIndex: flash || firstDay < 0 ? nil : firstDay)
            tables.coupons.append(plan)
            // The scope is judged once per supplier and once per category leaf, not per SKU: a
            // catalog has tens of thousands of SKUs and hundreds of coupons.
            let supplierMatches = tables.suppliers.map { supplier in scope.supplierID.map { $0 == supplier.id } ?? true }
            let leafMatches = GenCategoryLeaf.tree.map { leaf in
                scope.category.map { leaf.path == $0 || leaf.path.hasPrefix($0 + "/") } ?? true
            }
            let listed = Set(scope.skus)
            for sku in tables.skus.indices {
                var eligible = supplierMatches[tables.skus[sku].supplier] && leafMatches[tables.skus[sku].leaf]
                if eligible && !listed.isEmpty && !listed.contains(tables.skus[sku].id) { eligible = false }
                tables.couponEligible.append(eligible)
            }
        }
    }

    // MARK: Orders per day

    /// Splits `ordersPerDay × days` orders over the days and the two malls by weekday, month
    /// start and campaign starts (largest remainder, so the total is exact).
    private mutating func planDays() {
        let days = settings.days
        var campaignStarts = Set<Int>()
        for coupon in tables.coupons { if let start = coupon.startDayIndex { campaignStarts.insert(start) } }
        let hasEmployees = !tables.employees.isEmpty && !tables.welfareSKUs.isEmpty
        let hasDealers = tables.dealers.contains { !$0.frozen } && !tables.dealerSKUs.isEmpty
        var weights: [Int64] = []
        for index in 0..<days {
            let day = settings.start.adding(days: index)
            let weekday = day.isoWeekday - 1
            var welfare = GeneratorKnobs.welfareWeekdayWeight[weekday] * 10_000
            if day.dayOfMonth <= GeneratorKnobs.monthStartBoostDays {
                welfare = welfare * GeneratorKnobs.monthStartBoostPercent / 100
            }
            if campaignStarts.contains(index) { welfare = welfare * GeneratorKnobs.campaignStartBoostPercent / 100 }
            weights.append(hasEmployees ? welfare : 0)
            weights.append(hasDealers ? GeneratorKnobs.dealerWeekdayWeight[weekday] * 10_000 : 0)
        }
        let total = hasEmployees || hasDealers ? Int64(settings.ordersPerDay) * Int64(days) : 0
        let parts = allocateLargestRemainder(total, weights: weights)
        tables.welfareOrdersByDay = stride(from: 0, to: parts.count, by: 2).map { Int(parts[$0]) }
        tables.dealerOrdersByDay = stride(from: 1, to: parts.count, by: 2).map { Int(parts[$0]) }
        let busiest = zip(tables.welfareOrdersByDay, tables.dealerOrdersByDay).map { $0 + $1 }.max() ?? 0
        tables.orderSequenceWidth = max(5, String(busiest).count)
    }

    // MARK: Stock, grants and credit limits from sampled carts

    /// Draws sample carts (from a separate stream) to estimate each SKU's demand over the run and
    /// the average order values, then sizes stock, points grants and credit limits from them.
    private mutating func sizeFromSamples() {
        var sampler = GeneratorRandom(seed: settings.seed, stream: 3)
        let welfareOrders = Int64(tables.welfareOrdersByDay.reduce(0, +))
        let dealerOrders = Int64(tables.dealerOrdersByDay.reduce(0, +))
        var demand = [Int64](repeating: 0, count: tables.skus.count)
        // Sampled units catch what the draws do (suppliers' own SKUs ride along with popular
        // ones); the analytic share (orders × units per cart × popularity) covers the long tail a
        // few thousand samples miss. Stock follows the larger of the two.
        func sample(dealer: Bool, orders: Int64, sampler: inout GeneratorRandom) -> (mean: Int64, median: Int64) {
            let carts = GeneratorKnobs.sampleCarts
            var unitsBySKU = [Int64](repeating: 0, count: tables.skus.count)
            var values: [Int64] = []
            var units: Int64 = 0
            for _ in 0..<carts {
                let cart = tables.drawCart(dealer: dealer, rng: &sampler) { _, _ in true }
                var bySupplier: [Int: Int64] = [:]
                for pick in cart {
                    unitsBySKU[pick.sku] += pick.quantity
                    units += pick.quantity
                    let level: GenMemberLevel = dealer ? .enterprise : .standard
                    let unit = tables.unitFen(pick.sku, level: level, quantity: pick.quantity, dealer: nil).expected
                    bySupplier[tables.skus[pick.sku].supplier, default: 0] += unit * pick.quantity
                }
                values.append(bySupplier.reduce(0) { $0 + $1.value + tables.freightFen(supplier: $1.key, goodsFen: $1.value) })
            }
            let weights = dealer ? dealerWeight : welfareWeight
            let totalWeight = Int128(weights.reduce(0, +))
            for sku in demand.indices {
                let sampled = (unitsBySKU[sku] * orders + Int64(carts) - 1) / Int64(carts)
                let share = Int128(orders) * Int128(units) * Int128(weights[sku]) / (Int128(carts) * max(totalWeight, 1))
                demand[sku] += max(sampled, Int64(share))
            }
            values.sort()
            return (values.reduce(0, +) / Int64(carts), values[carts / 2])
        }
        let welfareMean = tables.welfareSKUs.isEmpty ? 0 : sample(dealer: false, orders: welfareOrders, sampler: &sampler).mean
        let dealerMean = tables.dealerSKUs.isEmpty ? 0 : sample(dealer: true, orders: dealerOrders, sampler: &sampler).mean

        sizeStock(demand: demand)
        let days = Int64(max(settings.days, 1))
        sizeGrants(welfareMean: welfareMean, welfareOrders: welfareOrders, days: days)
        sizeCreditLimits(dealerMean: dealerMean, dealerOrders: dealerOrders, days: days)
    }

    /// Each SKU's stock from its expected demand; some SKUs, drawn, are limited.
    private mutating func sizeStock(demand: [Int64]) {
        let limitedEvery = max(1, 1000 / GeneratorKnobs.limitedSKUsPerThousand)
        for sku in tables.skus.indices {
            let expected = demand[sku]
            tables.skus[sku].limited = expected >= 4 && rng.below(UInt64(limitedEvery)) == 0
            tables.skus[sku].stock = tables.skus[sku].limited
                ? max(1, expected * GeneratorKnobs.limitedStockPercent / 100)
                : expected * GeneratorKnobs.stockPercentOfDemand / 100 + GeneratorKnobs.stockFloorUnits
        }
    }

    /// Each employee's monthly points grant, from what the average employee spends.
    private mutating func sizeGrants(welfareMean: Int64, welfareOrders: Int64, days: Int64) {
        if !tables.employees.isEmpty {
            // Employers grant about what the average employee spends a month: points pay most of
            // what light buyers spend, and heavy buyers add cash.
            let monthlySpend = Int64(Int128(welfareMean) * Int128(welfareOrders) * 30 / Int128(days)
                                     / Int128(tables.employees.count))
            for index in tables.employees.indices {
                var grant = monthlySpend * rng.element(GeneratorKnobs.grantPolicyPercent) / 100
                if tables.employees[index].level == .gold { grant = grant * GeneratorKnobs.goldGrantPercent / 100 }
                grant = min(GeneratorKnobs.grantMaxFen, max(GeneratorKnobs.grantMinFen, grant / 1000 * 1000))
                tables.employees[index].grantFen = grant
            }
        }
    }

    /// Each dealer's credit limit, from a month of its share of dealer orders.
    private mutating func sizeCreditLimits(dealerMean: Int64, dealerOrders: Int64, days: Int64) {
        let activeWeight = tables.dealers.filter { !$0.frozen }.reduce(UInt64(0)) { $0 + $1.activity }
        for index in tables.dealers.indices {
            let dealer = tables.dealers[index]
            let weight = dealer.frozen ? 1 : Int64(dealer.activity)
            let monthly = activeWeight == 0 ? 0
                : Int128(dealerMean) * Int128(dealerOrders) * 30 / Int128(days) * Int128(weight) / Int128(activeWeight)
            let limit = Int64(min(monthly * Int128(GeneratorKnobs.creditLimitPercentOfMonth) / 100, Int128(Money.magnitudeMaxFen / 10)))
            let rounded = (limit + 999_999) / 1_000_000 * 1_000_000
            tables.dealers[index].limitFen = max(GeneratorKnobs.creditLimitMinFen, rounded)
        }
    }

    // MARK: Contracts

    private mutating func makeContracts() {
        guard !tables.dealerSKUs.isEmpty else { return }
        for (index, dealer) in tables.dealers.enumerated() where !dealer.frozen {
            guard tables.contracts.count < GeneratorKnobs.contractsMax,
                  rng.chance(ppm: GeneratorKnobs.dealerWithContractsPPM) else { continue }
            for _ in 0..<rng.int(GeneratorKnobs.contractsPerDealer) where tables.contracts.count < GeneratorKnobs.contractsMax {
                let sku = tables.dealerSKUs.draw(&rng)
                let price = GeneratorCatalogBuilder.percentOf(tables.skus[sku].saleFen, GeneratorKnobs.contractPricePercent)
                tables.contracts[Int64(index) << 32 | Int64(sku)] = price
            }
        }
    }

    // MARK: The catalog

    private func assembleCatalog() -> Catalog {
        let suppliers = tables.suppliers.map {
            CatalogSupplier(id: $0.id, pricing: $0.pricing,
                            freight: FreightRule(flat: Money(fen: $0.freightFlatFen), freeOver: $0.freightFreeOverFen.map { Money(fen: $0) }))
        }
        let skus = tables.skus.map { sku -> CatalogSKU in
            var levelPrices: [String: Money] = [:]
            if let gold = sku.ownGoldFen { levelPrices["gold"] = Money(fen: gold) }
            if let enterprise = sku.ownEnterpriseFen { levelPrices["enterprise"] = Money(fen: enterprise) }
            return CatalogSKU(sku: sku.id, spu: sku.spu, supplierID: tables.suppliers[sku.supplier].id,
                              category: GenCategoryLeaf.tree[sku.leaf].path, marketPrice: Money(fen: sku.marketFen),
                              costPrice: Money(fen: sku.costFen), salePrice: sku.statedSaleFen.map { Money(fen: $0) },
                              stock: sku.stock, levelPrices: levelPrices, tiers: sku.tiers)
        }
        let contracts = tables.contracts.keys.sorted().map { key in
            PriceContract(buyerID: tables.dealers[Int(key >> 32)].id, sku: tables.skus[Int(key & 0xFFFF_FFFF)].id,
                          unitPrice: Money(fen: tables.contracts[key]!))
        }
        let coupons = tables.coupons.map { plan in
            Coupon(id: plan.id,
                   kind: plan.amountOffFen > 0 ? .amountOff(Money(fen: plan.amountOffFen))
                       : .percentOff(Rate(ppm: plan.percentPPM), cap: plan.capFen.map { Money(fen: $0) }),
                   threshold: Money(fen: plan.thresholdFen), scope: plan.scope,
                   validFrom: Instant(nanos: plan.fromNanos), validTo: Instant(nanos: plan.toNanos),
                   fundedBy: plan.supplierFunded ? .supplier : .platform, perBuyerLimit: plan.perBuyerLimit)
        }
        let buyers = tables.employees.map { Buyer(id: $0.id, level: $0.level.name) }
            + tables.dealers.map {
                Buyer(id: $0.id, level: GenMemberLevel.enterprise.name, paysOnCredit: true,
                      creditLimit: Money(fen: $0.limitFen), frozen: $0.frozen)
            }
        let channels = GeneratorKnobs.channelNames.indices.map {
            ChannelTerms(channel: GeneratorKnobs.channelNames[$0], feeRate: Rate(ppm: GeneratorKnobs.channelFeePPM[$0]))
        }
        return Catalog(currency: "CNY", timezone: settings.timezone, suppliers: suppliers, skus: skus,
                       levelRatios: GeneratorKnobs.levelRatioPPM.mapValues { Rate(ppm: $0) }, contracts: contracts,
                       coupons: coupons, buyers: buyers, channels: channels,
                       pointsCap: Rate(ppm: GeneratorKnobs.pointsCapPPM))
    }
}
