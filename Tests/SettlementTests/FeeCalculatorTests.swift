// The fee rules of SPEC §5 as pure functions: the worked example to the fen, and reversals
// that always net to zero.

import MallCore
import XCTest
@testable import Settlement

final class FeeCalculatorTests: XCTestCase {
    let config = try! Fixture.config()
    var rules: FeeRuleBook { FeeRuleBook(config.feeRules) }
    let day = Day(parsing: "2026-11-10")!

    let workedLine = PricedLine(supplierID: "SUP-A", sku: "SKU-PHONE", category: "digital/phone", quantity: 2,
                                unitPrice: 10_000, costPrice: nil, discountPlatform: 1_000, discountSupplier: 500,
                                freight: 800, paidCash: 17_300, channel: "wechat")

    func testWorkedExampleForward() {
        let (amounts, kept) = FeeCalculator.forward(workedLine, supplier: config.supplierByID["SUP-A"]!, rules: rules, on: day)
        XCTAssertEqual(amounts.map { "\($0.code.rawValue) \(Money(fen: $0.amount))" },
                       ["GOODS 185.00", "PLATFORM_SUBSIDY 10.00", "FREIGHT 8.00", "COMMISSION -15.60", "PAYMENT_FEE -1.04"])
        XCTAssertEqual(amounts.reduce(0) { $0 + $1.amount }, 18_636)
        XCTAssertEqual(amounts.first { $0.code == .commission }?.rule, .feeRule(0))
        XCTAssertFalse(kept.paymentFeeReversible)
    }

    func testWorkedExampleReturn() {
        let supplier = config.supplierByID["SUP-A"]!
        let (_, kept) = FeeCalculator.forward(workedLine, supplier: supplier, rules: rules, on: day)
        let refund = RefundAmounts(type: "return", quantity: 1, goods: 9_250, freight: 0, cash: 8_250)
        let (amounts, posted) = FeeCalculator.reverse(refund, of: workedLine, forward: kept, posted: PostedRefunds(),
                                                      supplier: supplier, rules: rules, on: day)
        XCTAssertEqual(amounts.map { "\($0.code.rawValue) \(Money(fen: $0.amount))" },
                       ["GOODS -92.50", "PLATFORM_SUBSIDY -5.00", "COMMISSION 7.80", "REFUND_ADMIN_FEE -1.56"])
        XCTAssertEqual(amounts.reduce(0) { $0 + $1.amount }, -9_126)
        XCTAssertEqual(posted, PostedRefunds(quantity: 1, goods: 9_250, cash: 8_250))
        // The sheet nets +95.10.
        XCTAssertEqual(18_636 - 9_126, 9_510)
    }

    func testReturnServiceFeeFollowsTheReversalDate() {
        let supplier = config.supplierByID["SUP-A"]!
        let (_, kept) = FeeCalculator.forward(workedLine, supplier: supplier, rules: rules, on: day)
        let refund = RefundAmounts(type: "return", quantity: 2, goods: 18_500, freight: 800, cash: 17_300)
        let after = Day(parsing: "2026-11-15")!
        let (amounts, _) = FeeCalculator.reverse(refund, of: workedLine, forward: kept, posted: PostedRefunds(),
                                                 supplier: supplier, rules: rules, on: after)
        XCTAssertEqual(amounts.first { $0.code == .returnServiceFee }?.amount, -600)
        XCTAssertEqual(amounts.first { $0.code == .freight }?.amount, -800)
    }

    func testPlatformShippedCancelReversesDeliveryAndWarehousing() {
        let supplier = config.supplierByID["SUP-B"]!
        let line = PricedLine(supplierID: "SUP-B", sku: "PEN", category: "office/pens", quantity: 3, unitPrice: 333,
                              costPrice: nil, discountPlatform: 0, discountSupplier: 0, freight: 0, paidCash: 999,
                              channel: "alipay")
        let (forward, kept) = FeeCalculator.forward(line, supplier: supplier, rules: rules, on: day)
        XCTAssertEqual(forward.map { "\($0.code.rawValue) \(Money(fen: $0.amount))" },
                       ["GOODS 9.99", "COMMISSION -0.50", "PAYMENT_FEE -0.05", "DELIVERY_FEE -18.00", "WAREHOUSING_FEE -3.60"])
        var posted = PostedRefunds()
        var totals: [FeeCode: Int64] = [:]
        for amount in forward { totals[amount.code, default: 0] += amount.amount }
        for goods: Int64 in [333, 333, 333] {
            let refund = RefundAmounts(type: "cancel", quantity: 1, goods: goods, freight: 0, cash: goods)
            let (amounts, after) = FeeCalculator.reverse(refund, of: line, forward: kept, posted: posted,
                                                         supplier: supplier, rules: rules, on: day)
            posted = after
            for amount in amounts { totals[amount.code, default: 0] += amount.amount }
        }
        for code: FeeCode in [.goods, .commission, .paymentFee, .deliveryFee, .warehousingFee] {
            XCTAssertEqual(totals[code], 0, "\(code) must net to zero once the line is fully cancelled")
        }
        // Commission 0.50 comes back as round(50 × 1/3) = 17, round(50 × 2/3) − 17 = 16 and
        // 50 − 33 = 17 fen; each return is charged 20% of it: round(3.4) + round(3.2) + round(3.4).
        XCTAssertEqual(totals[.refundAdminFee], -9, "commission came back, so an admin fee is charged")
    }

    func testPurchaseModeReversesOnlyCostAndNotForRefundOnly() {
        let supplier = config.supplierByID["SUP-P"]!
        let line = PricedLine(supplierID: "SUP-P", sku: "TEA", category: "food/tea", quantity: 4, unitPrice: 2_500,
                              costPrice: 1_333, discountPlatform: 0, discountSupplier: 0, freight: 0, paidCash: 10_000,
                              channel: "wechat")
        let (forward, kept) = FeeCalculator.forward(line, supplier: supplier, rules: rules, on: day)
        XCTAssertEqual(forward.map { "\($0.code.rawValue) \(Money(fen: $0.amount))" }, ["COST 53.32"])
        let refundOnly = RefundAmounts(type: "refund_only", quantity: 1, goods: 2_500, freight: 0, cash: 2_500)
        let (none, afterRefundOnly) = FeeCalculator.reverse(refundOnly, of: line, forward: kept, posted: PostedRefunds(),
                                                            supplier: supplier, rules: rules, on: day)
        XCTAssertEqual(none, [])
        // q counts the refund_only unit too: a return of the other 3 reverses cost from 1/4 to 4/4.
        let ret = RefundAmounts(type: "return", quantity: 3, goods: 7_500, freight: 0, cash: 7_500)
        let (back, _) = FeeCalculator.reverse(ret, of: line, forward: kept, posted: afterRefundOnly,
                                              supplier: supplier, rules: rules, on: day)
        XCTAssertEqual(back, [FeeAmount(code: .cost, amount: -(5_332 - 1_333), rule: .shareQ)])
    }

    /// Thousands of random refund sequences per fee code: a line refunded in full nets every
    /// cumulative-difference code to exactly 0.
    func testRandomRefundSequencesNetToZero() {
        var generator = SplitMix(seed: 20261123)
        let supplierB = config.supplierByID["SUP-B"]!
        let reversibleRules = FeeRuleBook(config.feeRules)
        for _ in 0..<3_000 {
            let quantity = Int64(generator.next(upTo: 20) + 1)
            let unitPrice = Int64(generator.next(upTo: 500_000) + 1)
            let gross = quantity * unitPrice
            let discountPlatform = Int64(generator.next(upTo: UInt64(gross / 3) + 1))
            let discountSupplier = Int64(generator.next(upTo: UInt64(gross / 3) + 1))
            let goods = gross - discountPlatform - discountSupplier
            let line = PricedLine(supplierID: "SUP-B", sku: "X", category: "digital/x", quantity: quantity, unitPrice: unitPrice,
                                  costPrice: nil, discountPlatform: discountPlatform, discountSupplier: discountSupplier,
                                  freight: 0, paidCash: goods, channel: "alipay")
            let (forward, kept) = FeeCalculator.forward(line, supplier: supplierB, rules: reversibleRules, on: day)
            var totals: [FeeCode: Int64] = [:]
            for amount in forward { totals[amount.code, default: 0] += amount.amount }
            // Split goods and quantity into random cancel steps that end exactly at the whole.
            var posted = PostedRefunds()
            var goodsLeft = goods, quantityLeft = quantity
            while goodsLeft > 0 || quantityLeft > 0 {
                let last = generator.next(upTo: 4) == 0 || goodsLeft <= 1
                let stepGoods = last ? goodsLeft : Int64(generator.next(upTo: UInt64(goodsLeft))) + 1
                let stepQuantity = last ? quantityLeft : min(quantityLeft, Int64(generator.next(upTo: 2)))
                let refund = RefundAmounts(type: "cancel", quantity: stepQuantity, goods: stepGoods, freight: 0, cash: stepGoods)
                let (amounts, after) = FeeCalculator.reverse(refund, of: line, forward: kept, posted: posted,
                                                             supplier: supplierB, rules: reversibleRules, on: day)
                posted = after
                goodsLeft -= stepGoods
                quantityLeft -= stepQuantity
                for amount in amounts { totals[amount.code, default: 0] += amount.amount }
            }
            for code: FeeCode in [.goods, .platformSubsidy, .commission, .paymentFee, .deliveryFee, .warehousingFee] {
                XCTAssertEqual(totals[code] ?? 0, 0, "\(code) of \(line) did not net to zero")
            }
        }
    }
}

/// A small deterministic generator for property tests.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func next(upTo bound: UInt64) -> UInt64 { bound == 0 ? 0 : next() % bound }
}
