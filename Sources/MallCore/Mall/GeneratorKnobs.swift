// GeneratorKnobs: every number that shapes the generated mall, in one place, each with what it
// means. Probabilities are integer weights or parts per million; money is fen; times are seconds.
// Changing a knob changes the journal for every seed, so the tests pin shapes, not values.

/// The shaping constants of `MallGenerator`.
enum GeneratorKnobs {
    // MARK: Catalog

    /// SKUs per supplier.
    static let skusPerSupplier: ClosedRange<Int> = 5...40
    /// SKUs per SPU (the variants of one product: colour, size, capacity).
    static let skusPerSPU: ClosedRange<Int> = 1...4
    /// Category leaves one supplier sells in, within its trade.
    static let leavesPerSupplier: ClosedRange<Int> = 1...3
    /// Price of a variant relative to its SPU's first SKU, in percent.
    static let variantPricePercent: [Int64] = [100, 108, 115, 125]
    /// Cost as a percentage of the market price.
    static let costPercent: ClosedRange<Int> = 55...80
    /// A fixed-price supplier's sale price as a percentage of the market price.
    static let fixedSalePercent: ClosedRange<Int> = 85...98
    /// Cost-plus suppliers' markup and market-minus suppliers' discount, ppm.
    static let costPlusMarkupPPM: [Int64] = [100_000, 150_000, 200_000, 250_000, 300_000]
    static let marketMinusDiscountPPM: [Int64] = [50_000, 80_000, 100_000, 150_000]
    /// Global member-level ratios applied to the sale price (SPEC §13).
    static let levelRatioPPM: [String: Int64] = ["gold": 950_000, "enterprise": 920_000]
    /// Share of consumer SKUs with their own gold price (90% of sale), and of B2B SKUs with
    /// their own enterprise price (88% of sale).
    static let skuGoldPricePPM = 150_000
    static let skuEnterprisePricePPM = 100_000
    static let skuGoldPricePercent: Int64 = 90
    static let skuEnterprisePricePercent: Int64 = 88
    /// Share of B2B SKUs sold with quantity tiers; the tier ladders (minimum quantities) and the
    /// tier prices as percentages of the sale price, cheapest last.
    static let tieredSKUPPM = 700_000
    static let tierLadders: [[Int64]] = [[10, 50, 200], [5, 20, 100], [20, 100, 500], [50, 200, 1000]]
    static let tierPricePercent: [Int64] = [91, 87, 83]
    /// Price contracts: share of dealers with any, contracts each, the price as a percentage of
    /// the sale price, and a cap on the whole catalog ("a few").
    static let dealerWithContractsPPM = 400_000
    static let contractsPerDealer: ClosedRange<Int> = 1...3
    static let contractPricePercent: Int64 = 86
    static let contractsMax = 40
    /// Freight per supplier: flat fee (fen, 0 = free shipping) and the free-over thresholds.
    static let freightFlatFen = GenChoice<Int64>([(0, 25), (600, 25), (800, 20), (1000, 20), (1200, 10)])
    static let freightFreeOverFen = GenChoice<Int64?>([(nil, 40), (9900, 45), (19_900, 15)])
    /// Stock: units on hand = expected demand × this percentage + a floor; a few "limited"
    /// SKUs get only `limitedStockPercent` of their expected demand and sell out mid-run.
    static let stockPercentOfDemand: Int64 = 300
    static let stockFloorUnits: Int64 = 20
    static let limitedStockPercent: Int64 = 50
    static let limitedSKUsPerThousand = 20
    /// Share of welfare carts drawn from a stale page, which may still offer a sold-out limited
    /// SKU: the payment is refused (out of stock) and the buyer cancels.
    static let staleCartPPM = 20_000
    /// Popularity: the SKU of popularity rank r (0 = most popular) has weight
    /// `zipfScale / (r + zipfOffset)`, a long tail.
    static let zipfScale: UInt64 = 10_000_000
    static let zipfOffset: UInt64 = 2
    /// Popularity is divided by a price class: 1 under 50 yuan, … 40 from 5,000 yuan.
    static let priceDivisors: [(belowFen: Int64, divisor: UInt64)] = [(5000, 1), (20_000, 2), (100_000, 5), (500_000, 15)]
    static let priceDivisorTop: UInt64 = 40
    /// Carts drawn when the catalog is built to estimate demand and order values.
    static let sampleCarts = 3_000
    /// Largest value of one cart line, fen (quantities are cut to stay below it).
    static let welfareLineMaxFen: Int64 = 2_000_000
    static let dealerLineMaxFen: Int64 = 3_000_000

    // MARK: Buyers

    /// One buyer in `dealerEvery` is a B2B dealer (at least one when there are two buyers).
    static let dealerEvery = 20
    /// Share of welfare employees at level gold (the rest are standard).
    static let goldEmployeePPM = 250_000
    /// Employee activity (relative order frequency) and dealer size weights.
    static let employeeActivity = GenChoice<UInt64>([(1, 25), (2, 30), (3, 25), (5, 15), (8, 5)])
    static let dealerActivity = GenChoice<UInt64>([(2, 30), (4, 30), (8, 25), (16, 15)])
    /// A frozen dealer's weight among dealer orders (others have activity × 4).
    static let frozenDealerWeight: UInt64 = 1
    /// Monthly points grant as a percentage of the average employee's monthly spend, by the
    /// employer's policy; gold employees get `goldGrantPercent` of that. Grants are whole
    /// 10-yuan amounts between the bounds.
    static let grantPolicyPercent: [Int64] = [80, 100, 120, 150]
    static let goldGrantPercent: Int64 = 150
    static let grantMinFen: Int64 = 10_000
    static let grantMaxFen: Int64 = 500_000
    /// Months until a monthly grant expires (at local midnight on the 1st), by policy.
    static let grantExpiryMonths: ClosedRange<Int> = 3...6
    /// Birthday points and the days they last.
    static let birthdayGrantFen: [Int64] = [10_000, 20_000]
    static let birthdayGrantDays = 30
    /// Local times of the grant batch jobs, seconds after midnight.
    static let monthlyGrantSecond = 30 * 60
    static let birthdayGrantSecond = 9 * 3600
    /// Credit limit = the dealer's expected monthly usage × this percentage, rounded up to
    /// 10,000 yuan, at least `creditLimitMinFen`.
    static let creditLimitPercentOfMonth: Int64 = 300
    static let creditLimitMinFen: Int64 = 5_000_000
    /// A dealer pays on credit only while expected outstanding + reserved + the new order stay
    /// within this share of the limit; otherwise it repays first (what treasury would ask).
    static let creditHeadroomPPM: Int64 = 850_000
    /// Bill and repay days of month (SPEC §8 credit accounts).
    static let billDay = GenChoice<Int>([(1, 70), (16, 30)])
    static let repayDayAfterBill1 = GenChoice<Int>([(10, 40), (15, 40), (20, 20)])
    static let repayDayAfterBill16 = GenChoice<Int>([(1, 50), (5, 50)])
    static let lateFeePPMPerDay = 500
    static let freezeAfterDays = 30
    /// How dealers repay their monthly bill.
    static let repayStyle = GenChoice<GenRepayStyle>([(.onTime, 65), (.early, 15), (.late, 15), (.partial, 5)])
    /// A dealer's chance, each weekday, of an extra repayment of part of what it owes.
    static let adHocRepayPPM = 40_000
    static let adHocRepayPercent: ClosedRange<Int> = 30...70
    static let adHocRepayMinOwedFen: Int64 = 100_000
    /// A frozen dealer settles part of an old debt once, in the first week.
    static let oldDebtFen: ClosedRange<Int64> = 500_000...5_000_000

    // MARK: Orders

    /// Weekday weights of welfare and dealer orders (Monday first): employees shop more at
    /// weekends, dealers order on working days.
    static let welfareWeekdayWeight: [Int64] = [100, 95, 95, 100, 110, 130, 125]
    static let dealerWeekdayWeight: [Int64] = [18, 18, 18, 18, 18, 4, 2]
    /// Welfare orders rise in the first days of a month (fresh points) and when a coupon
    /// campaign starts, in percent.
    static let monthStartBoostPercent: Int64 = 130
    static let monthStartBoostDays = 3
    static let campaignStartBoostPercent: Int64 = 115
    /// Hour-of-day weights (local time): lunch and evening peaks for employees, office hours
    /// for dealers, little at night.
    static let welfareHoursWeekday: [UInt64] = [3, 2, 1, 1, 1, 1, 2, 4, 7, 8, 8, 10, 16, 14, 8, 7, 7, 8, 10, 12, 15, 16, 12, 6]
    static let welfareHoursWeekend: [UInt64] = [5, 3, 2, 1, 1, 1, 1, 2, 4, 7, 9, 11, 13, 12, 10, 10, 10, 10, 11, 13, 16, 17, 13, 8]
    static let dealerHoursWeekday: [UInt64] = [0, 0, 0, 0, 0, 0, 0, 1, 6, 14, 16, 14, 6, 8, 14, 15, 13, 9, 4, 2, 1, 1, 0, 0]
    static let dealerHoursWeekend: [UInt64] = [0, 0, 0, 0, 0, 0, 0, 0, 2, 6, 8, 8, 4, 4, 6, 6, 4, 2, 1, 0, 0, 0, 0, 0]
    /// Share of welfare carts spanning several suppliers, and their line counts; single-supplier
    /// carts' line counts.
    static let multiSupplierCartPPM = 200_000
    static let welfareMultiLines = GenChoice<Int>([(2, 60), (3, 30), (4, 10)])
    static let welfareSingleLines = GenChoice<Int>([(1, 75), (2, 17), (3, 6), (4, 2)])
    static let dealerMultiSupplierPPM = 250_000
    static let dealerLines = GenChoice<Int>([(1, 35), (2, 30), (3, 20), (4, 10), (6, 5)])
    /// Units per welfare line.
    static let welfareQuantity = GenChoice<Int64>([(1, 78), (2, 15), (3, 4), (5, 2), (10, 1)])
    /// Units per dealer line without tiers; with tiers the quantity lands around a tier.
    /// With tiers: below the first step, between the first and second, between the second and
    /// third, or from the last step to twice it.
    static let dealerTierBucket = GenChoice<Int>([(0, 25), (1, 35), (2, 25), (3, 15)])
    static let dealerQuantity = GenChoice<ClosedRange<Int64>>([(1...5, 15), (6...20, 35), (21...60, 30), (61...200, 15), (201...500, 5)])
    /// Share of welfare orders that look for a coupon, and of those with one that add a second.
    static let couponTryPPM = 350_000
    static let secondCouponPPM = 200_000
    /// How much of an order may go on points: all the cap allows, none, or part.
    static let pointsLimitStyle = GenChoice<GenPointsLimit>([(.cap, 75), (.none, 8), (.part, 17)])
    static let pointsPartPercent: ClosedRange<Int> = 20...60
    /// Payment channels of cash (welfare employees).
    static let channels = GenChoice<Int>([(0, 55), (1, 35), (2, 10)])
    static let channelNames = ["wechat", "alipay", "unionpay"]
    static let channelFeePPM: [Int64] = [6000, 5500, 3800]
    static let channelTxnPrefix = ["WX", "AP", "UP"]
    /// The largest share of an order points may pay (SPEC §13 points cap).
    static let pointsCapPPM: Int64 = 1_000_000

    // MARK: Coupons

    /// Coupons in the catalog: one per `daysPerCoupon` days plus one per two suppliers.
    static let daysPerCoupon = 3
    static let couponsMax = 300
    static let supplierFundedPPM = 400_000
    static let amountOffPPM = 550_000
    /// Amount-off values (fen) and threshold multiples (≥ 3, so a coupon takes at most a third of
    /// what it applies to); percent-off rates (≤ 20%), caps and thresholds.
    static let amountOffFen: [Int64] = [500, 1000, 2000, 3000, 5000, 10_000]
    static let amountOffThresholdTimes: [Int64] = [3, 4, 5, 10]
    static let percentOffPPM: [Int64] = [50_000, 80_000, 100_000, 120_000, 150_000, 200_000]
    static let percentOffCapFen: [Int64?] = [nil, 2000, 5000, 10_000]
    static let percentOffThresholdFen: [Int64] = [0, 4900, 9900, 19_900]
    static let couponWindowDays: ClosedRange<Int> = 3...14
    /// Flash coupons run 10:00–22:00 on one day.
    static let flashCouponPPM = 150_000
    static let couponPerBuyer = GenChoice<Int>([(1, 60), (2, 25), (3, 15)])

    // MARK: Lifecycle

    /// Fates of welfare and dealer orders, per thousand.
    static let welfareFate = GenChoice<GenOrderFate>([(.normal, 940), (.neverPaid, 12), (.cancelBeforePay, 28), (.cancelAfterPay, 20)])
    static let dealerFate = GenChoice<GenOrderFate>([(.normal, 970), (.neverPaid, 5), (.cancelBeforePay, 15), (.cancelAfterPay, 10)])
    /// Seconds from placing to paying: most within minutes, a few hours or a day later.
    static let welfarePayDelay = GenChoice<ClosedRange<Int64>>([(5...60, 40), (61...300, 35), (301...1800, 18), (1801...21_600, 6), (21_601...108_000, 1)])
    static let dealerPayDelay = GenChoice<ClosedRange<Int64>>([(30...600, 50), (601...7200, 40), (7201...86_400, 10)])
    /// Seconds from placing to a cancel before payment; from paying to a cancel after payment;
    /// from a refused payment (stock or a frozen account) to giving up.
    static let cancelBeforePayDelay: ClosedRange<Int64> = 120...7200
    static let cancelAfterPayDelay: ClosedRange<Int64> = 600...43_200
    static let refusedPayCancelDelay: ClosedRange<Int64> = 180...14_400
    /// Days from payment to shipment (platform warehouse is faster) and the shipping hours.
    static let platformShipDays = GenChoice<Int>([(0, 55), (1, 40), (2, 5)])
    static let supplierShipDays = GenChoice<Int>([(0, 30), (1, 45), (2, 25)])
    static let shipHours: ClosedRange<Int> = 9...20
    /// Days from shipment to completion; a few late, a few never.
    static let completeDays = GenChoice<Int>([(2, 10), (3, 20), (4, 22), (5, 18), (6, 10), (7, 8), (8, 5), (9, 4), (10, 3)])
    static let lateCompletePPM = 60_000
    static let lateCompleteDays: ClosedRange<Int> = 11...25
    static let neverCompletePPM = 30_000
    static let completeHours: ClosedRange<Int> = 8...22
    /// After-sale: a refund only takes a fixed small amount capped at this share of the line's
    /// lowest possible value (coupons take at most 53% of a line, so this never over-refunds).
    static let refundOnlyFen: [Int64] = [500, 800, 1000, 1500, 2000]
    static let refundOnlyMaxPercent: Int64 = 20
    /// A return takes back part of a line's units this often, and the rest later this often.
    static let partialReturnPPM = 300_000
    static let secondReturnPPM = 400_000
    /// An after-sale touches one line of a multi-line child this often (else every line).
    static let oneLineAfterSalePPM = 800_000
}

/// What happens to an order, decided when it is placed.
enum GenOrderFate: Sendable {
    case normal, neverPaid, cancelBeforePay, cancelAfterPay
}

/// How a welfare order limits its points.
enum GenPointsLimit: Sendable {
    case cap, none, part
}

/// How a dealer repays its monthly bill.
enum GenRepayStyle: Sendable {
    /// On the due date; a few days before it; days after it (late fees); half to four fifths on time.
    case onTime, early, late, partial
}
