// Orders (SPEC §13, rules 1, 4, 5, 7, 10): the order split, coupons, freight, points, credit,
// cash, stock, shipping and completion. Every amount is checked to the fen.

import MallCore
import XCTest

final class MallOrderTests: XCTestCase {
    private func fresh(pointsCap: Rate = Rate(ppm: 1_000_000)) -> MallState {
        MallState(catalog: MallFixture.catalog(pointsCap: pointsCap))
    }

    // MARK: the order split

    func testTheCartIsSplitBySupplierInByteOrderAndNumberedInCartOrder() {
        var state = fresh()
        XCTAssertEqual(accept(&state, placeOrder("O1", "alice", [("C-TEA", 1), ("A-PHONE", 1), ("B-PAPER", 2), ("A-CASE", 3)]),
                              at: 0), [], "placing emits nothing")
        XCTAssertEqual(state.status(ofOrder: "O1"), .placed)
        XCTAssertEqual(state.childOrderIDs(of: "O1"), ["O1-1", "O1-2", "O1-3"])
        XCTAssertEqual(state.childOrder("O1-1")?.supplierID, "SUP-A")
        XCTAssertEqual(state.childOrder("O1-2")?.supplierID, "SUP-B")
        XCTAssertEqual(state.childOrder("O1-3")?.supplierID, "SUP-C")
        XCTAssertNil(state.childOrder("O1-4"))
        XCTAssertNil(state.childOrder("O1-01"))
        XCTAssertNil(state.childOrder("O1"))

        let outputs = accept(&state, .pay(orderID: "O1", channel: "wechat", txnID: nil), at: 1)
        // SUP-A: 100.00 + 75.00 = 175.00 ≥ 99.00, free freight. SUP-B: 80.00 + 5.00. SUP-C: 17.99, free.
        XCTAssertEqual(outputs.orderLines.map(summary), [
            "O1-1/1 A-PHONE 1×100.00 dp 0.00 ds 0.00 fr 0.00 | 0.00 0.00 100.00 wechat",
            "O1-1/2 A-CASE 3×25.00 dp 0.00 ds 0.00 fr 0.00 | 0.00 0.00 75.00 wechat",
            "O1-2/1 B-PAPER 2×40.00 dp 0.00 ds 0.00 fr 5.00 | 0.00 0.00 85.00 wechat",
            "O1-3/1 C-TEA 1×17.99 dp 0.00 ds 0.00 fr 0.00 | 0.00 0.00 17.99 wechat",
        ])
        let first = outputs.orderLines[0]
        XCTAssertEqual(first.parentOrderID, "O1")
        XCTAssertEqual(first.supplierID, "SUP-A")
        XCTAssertEqual(first.buyerID, "alice")
        XCTAssertEqual(first.memberLevel, "")
        XCTAssertEqual(first.category, "digital/phone")
        XCTAssertEqual(first.costPrice, money("80.00"))
        XCTAssertEqual(first.orderedAt, MallFixture.at(0))
        XCTAssertEqual(first.paidAt, MallFixture.at(1))
        XCTAssertNil(first.completedAt)
        XCTAssertEqual(first.currency, "CNY")
        // 277.99 × 0.6 % = 1.66794 → 1.67.
        XCTAssertEqual(outputs.channels, [ChannelRow(channel: "wechat", txnID: "PAY-O1", kind: .pay, reference: "O1",
                                                     amount: money("277.99"), fee: money("1.67"),
                                                     occurredAt: MallFixture.at(1))])
        XCTAssertEqual(outputs.count, 5)
        XCTAssertEqual(state.status(ofOrder: "O1"), .paid)
    }

    func testSameSKUOnTwoCartLinesStaysTwoLines() {
        var state = fresh()
        accept(&state, placeOrder("O1", "alice", [("A-CASE", 1), ("A-CASE", 2)]), at: 0)
        XCTAssertEqual(state.childOrder("O1-1")?.lineCount, 2)
    }

    func testPlacementRefusals() {
        var state = fresh()
        XCTAssertEqual(refuse(&state, placeOrder("O1", "zed", [("A-CASE", 1)]), at: 0), .unknownBuyer("zed"))
        XCTAssertEqual(refuse(&state, placeOrder("O1", "alice", []), at: 0), .emptyCart)
        XCTAssertEqual(refuse(&state, placeOrder("O1", "alice", [("A-CASE", 0)]), at: 0), .badQuantity)
        XCTAssertEqual(refuse(&state, placeOrder("O1", "alice", [("A-CASE", 1_000_001)]), at: 0), .badQuantity)
        XCTAssertEqual(refuse(&state, placeOrder("O1", "alice", [("A-CASE", 1), ("NOPE", 1)]), at: 0), .unknownSKU("NOPE"))
        XCTAssertEqual(refuse(&state, placeOrder("O1", "alice", [("A-CASE", 1)], pointsLimit: money("-0.01")), at: 0)?.reason,
                       "invalid_state")
        accept(&state, placeOrder("O1", "alice", [("A-CASE", 1_000_000)]), at: 5)
        XCTAssertEqual(refuse(&state, placeOrder("O1", "bob", [("A-CASE", 1)]), at: 5), .duplicateID("O1"))
        XCTAssertEqual(refuse(&state, placeOrder("O2", "bob", [("A-CASE", 1)]), at: 4), .outOfOrder)
        accept(&state, placeOrder("O2", "bob", [("A-CASE", 1)]), at: 5) // an equal instant is in order
    }

    // MARK: coupons

    func testAmountOffIsAllocatedByRemainingAmountAndFreightFollowsTheDiscountedGoods() {
        var state = fresh()
        accept(&state, placeOrder("O1", "alice", [("A-PHONE", 1), ("B-PAPER", 2)], coupons: ["PLAT10"]), at: 0)
        let rows = accept(&state, .pay(orderID: "O1", channel: "alipay", txnID: "T-9"), at: 1)
        // 10.00 over 100.00 : 80.00 → 5.555… and 4.444…: 5.55 + 4.44 = 9.99, the last fen to the
        // larger remainder (A-PHONE). SUP-A goods fall to 94.44 < 99.00, so its freight of 8.00 applies.
        XCTAssertEqual(rows.orderLines.map(summary), [
            "O1-1/1 A-PHONE 1×100.00 dp 5.56 ds 0.00 fr 8.00 | 0.00 0.00 102.44 alipay",
            "O1-2/1 B-PAPER 2×40.00 dp 4.44 ds 0.00 fr 5.00 | 0.00 0.00 80.56 alipay",
        ])
        // 183.00 × 0.55 % = 1.0065 → 1.01.
        XCTAssertEqual(rows.channels.map { "\($0.txnID) \($0.amount) \($0.fee)" }, ["T-9 183.00 1.01"])
        XCTAssertEqual(state.couponUses(of: "PLAT10", by: "alice"), 1)
    }

    func testCouponsApplyInTheOrderListedOnWhatEarlierOnesLeft() {
        var state = fresh()
        accept(&state, placeOrder("O1", "alice", [("A-PHONE", 1), ("B-PAPER", 1)], coupons: ["PLAT10", "SUPA15"]), at: 0)
        // PLAT10: 10.00 over 100.00 : 40.00 → 7.142… and 2.857…: 7.14 + 2.85, the last fen to B-PAPER.
        // SUPA15 on SUP-A's remaining 92.86: 15 % = 13.929 → 13.93, supplier-funded, under the 20.00 cap.
        XCTAssertEqual(state.line("O1-1", lineNo: 1)?.discountPlatform, money("7.14"))
        XCTAssertEqual(state.line("O1-1", lineNo: 1)?.discountSupplier, money("13.93"))
        XCTAssertEqual(state.line("O1-1", lineNo: 1)?.goods, money("78.93"))
        XCTAssertEqual(state.line("O1-1", lineNo: 1)?.freight, money("8.00"))
        XCTAssertEqual(state.line("O1-2", lineNo: 1)?.discountPlatform, money("2.86"))
        XCTAssertEqual(state.line("O1-2", lineNo: 1)?.discountSupplier, money("0.00"))
    }

    func testPercentOffIsCapped() {
        var state = fresh()
        // 15 % of 200.00 = 30.00, capped at 20.00, split 10.00 / 10.00 over two equal lines.
        accept(&state, placeOrder("O1", "alice", [("A-PHONE", 1), ("A-PHONE", 1)], coupons: ["SUPA15"]), at: 0)
        XCTAssertEqual(state.line("O1-1", lineNo: 1)?.discountSupplier, money("10.00"))
        XCTAssertEqual(state.line("O1-1", lineNo: 2)?.discountSupplier, money("10.00"))
        // 15 % of 25.00 = 3.75, under the cap.
        accept(&state, placeOrder("O2", "bob", [("A-CASE", 1)], coupons: ["SUPA15"]), at: 0)
        // bob is gold: 25.00 × 95 % = 23.75; 15 % = 3.5625 → 3.56.
        XCTAssertEqual(state.line("O2-1", lineNo: 1)?.discountSupplier, money("3.56"))
    }

    func testAnAllocationTieGoesToTheLowerLine() {
        var state = fresh()
        accept(&state, placeOrder("O1", "alice", [("A-CASE", 1), ("A-CASE", 1), ("B-PAPER", 1)], coupons: ["PENNY"]), at: 0)
        // 0.01 over 25.00 : 25.00 : 40.00: no whole fen anywhere; the largest remainder is B-PAPER's.
        XCTAssertEqual(state.line("O1-2", lineNo: 1)?.discountPlatform, money("0.01"))
        accept(&state, placeOrder("O2", "alice", [("A-CASE", 1), ("A-CASE", 1)], coupons: ["PENNY"]), at: 0)
        XCTAssertEqual(state.line("O2-1", lineNo: 1)?.discountPlatform, money("0.01"), "equal remainders: the lower line")
        XCTAssertEqual(state.line("O2-1", lineNo: 2)?.discountPlatform, money("0.00"))
    }

    func testAThresholdNotReachedRefusesTheOrder() {
        var state = fresh()
        // 3 × 25.00 = 75.00 < 100.00.
        XCTAssertEqual(refuse(&state, placeOrder("O1", "alice", [("A-CASE", 3)], coupons: ["PLAT10"]), at: 0),
                       .couponNotApplicable("PLAT10"))
        // Exactly the threshold is enough: 4 × 25.00.
        accept(&state, placeOrder("O1", "alice", [("A-CASE", 4)], coupons: ["PLAT10"]), at: 0)
        // The threshold is measured after earlier coupons: 100.00 − 5.00 (DIGI5) = 95.00 < 100.00 …
        XCTAssertEqual(refuse(&state, placeOrder("O2", "dave", [("A-CASE", 4)], coupons: ["DIGI5", "PLAT10"]), at: 0),
                       .couponNotApplicable("PLAT10"))
        // … while listed the other way round both apply: 10.00, then 5.00 of the 90.00 left.
        accept(&state, placeOrder("O2", "dave", [("A-CASE", 4)], coupons: ["PLAT10", "DIGI5"]), at: 0)
        XCTAssertEqual(state.line("O2-1", lineNo: 1)?.discountPlatform, money("15.00"))
    }

    func testScopeBySupplierCategoryPrefixAndSKUList() {
        var state = fresh()
        XCTAssertEqual(refuse(&state, placeOrder("O1", "alice", [("B-PAPER", 1)], coupons: ["SUPA15"]), at: 0),
                       .couponNotApplicable("SUPA15"))
        // `digital` reaches digital/phone but not digitalx/gadget.
        XCTAssertEqual(refuse(&state, placeOrder("O1", "alice", [("X-GADGET", 1)], coupons: ["DIGI5"]), at: 0),
                       .couponNotApplicable("DIGI5"))
        accept(&state, placeOrder("O1", "alice", [("X-GADGET", 1), ("A-PHONE", 1)], coupons: ["DIGI5"]), at: 0)
        XCTAssertEqual(state.line("O1-1", lineNo: 1)?.discountPlatform, money("5.00"))
        XCTAssertEqual(state.line("O1-2", lineNo: 1)?.discountPlatform, money("0.00"))
        XCTAssertEqual(refuse(&state, placeOrder("O2", "alice", [("A-CASE", 1)], coupons: ["TEA3"]), at: 0),
                       .couponNotApplicable("TEA3"))
        accept(&state, placeOrder("O2", "alice", [("A-CASE", 1), ("C-TEA", 1)], coupons: ["TEA3"]), at: 0)
        XCTAssertEqual(state.line("O2-2", lineNo: 1)?.discountSupplier, money("3.00"))
        XCTAssertEqual(state.line("O2-1", lineNo: 1)?.discountSupplier, money("0.00"))
        XCTAssertTrue(CategoryPath.category("digital", isWithin: "digital"))
        XCTAssertTrue(CategoryPath.category("digital/phone/android", isWithin: "digital/phone"))
        XCTAssertFalse(CategoryPath.category("digitalx", isWithin: "digital"))
        XCTAssertFalse(CategoryPath.category("digital", isWithin: "digital/phone"))
    }

    func testTheValidityWindowIncludesItsStartAndExcludesItsEnd() {
        var atStart = fresh()
        accept(&atStart, placeOrder("O1", "alice", [("A-CASE", 1)], coupons: ["WINDOW"]), at: 0)
        var beforeEnd = fresh()
        accept(&beforeEnd, placeOrder("O1", "alice", [("A-CASE", 1)], coupons: ["WINDOW"]), at: 59)
        var atEnd = fresh()
        XCTAssertEqual(refuse(&atEnd, placeOrder("O1", "alice", [("A-CASE", 1)], coupons: ["WINDOW"]), at: 60),
                       .couponNotApplicable("WINDOW"))
        var before = fresh()
        XCTAssertEqual(refuse(&before, placeOrder("O1", "alice", [("A-CASE", 1)], coupons: ["WINDOW"]), at: -1),
                       .couponNotApplicable("WINDOW"))
        XCTAssertEqual(refuse(&before, placeOrder("O1", "alice", [("A-CASE", 1)], coupons: ["NOPE"]), at: 0),
                       .unknownCoupon("NOPE"))
    }

    func testThePerBuyerLimitCountsOrdersNotCancelled() {
        var state = fresh()
        accept(&state, placeOrder("O1", "alice", [("A-PHONE", 1)], coupons: ["PLAT10"]), at: 0)
        XCTAssertEqual(refuse(&state, placeOrder("O2", "alice", [("A-PHONE", 1)], coupons: ["PLAT10"]), at: 1),
                       .couponExhausted("PLAT10"))
        XCTAssertEqual(refuse(&state, placeOrder("O2", "bob", [("A-PHONE", 2)], coupons: ["PLAT10", "PLAT10"]), at: 1),
                       .couponExhausted("PLAT10"), "one order counts its own earlier uses")
        accept(&state, placeOrder("O2", "bob", [("A-PHONE", 2)], coupons: ["PLAT10"]), at: 1)
        accept(&state, .cancel(orderID: "O1", refundID: nil), at: 2)
        XCTAssertEqual(state.couponUses(of: "PLAT10", by: "alice"), 0)
        accept(&state, placeOrder("O3", "alice", [("A-PHONE", 1)], coupons: ["PLAT10"]), at: 3)
        XCTAssertEqual(state.couponUses(of: "PLAT10", by: "alice"), 1)
    }

    // MARK: freight

    func testFreightIsFreeFromExactlyTheThreshold() {
        var state = fresh()
        accept(&state, placeOrder("O1", "alice", [("A-CABLE", 3)]), at: 0) // 99.00
        XCTAssertEqual(state.line("O1-1", lineNo: 1)?.freight, money("0.00"))
        accept(&state, placeOrder("O2", "alice", [("A-CABLE", 2)]), at: 0) // 66.00
        XCTAssertEqual(state.line("O2-1", lineNo: 1)?.freight, money("8.00"))
        // SUP-B has no threshold: always 5.00, however much.
        accept(&state, placeOrder("O3", "alice", [("B-PAPER", 10)]), at: 0)
        XCTAssertEqual(state.line("O3-1", lineNo: 1)?.freight, money("5.00"))
    }

    func testFreightIsSplitOverTheChildsLinesByGoods() {
        var state = fresh()
        accept(&state, placeOrder("O1", "alice", [("A-CASE", 1), ("B-PAPER", 1), ("A-CASE", 2)]), at: 0)
        // 8.00 over 25.00 : 50.00 → 2.666… and 5.333…: 2.66 + 5.33, the last fen to line 1.
        XCTAssertEqual(state.line("O1-1", lineNo: 1)?.freight, money("2.67"))
        XCTAssertEqual(state.line("O1-1", lineNo: 2)?.freight, money("5.33"))
        XCTAssertEqual(state.line("O1-2", lineNo: 1)?.freight, money("5.00"))
    }

    func testFreightOverLinesWhoseGoodsAreAllZeroIsSplitEqually() {
        let free = MallFixture.coupon("FREE", .percentOff(Rate(ppm: 1_000_000), cap: nil))
        var state = MallState(catalog: MallFixture.catalog(coupons: [free]))
        accept(&state, placeOrder("O1", "alice", [("A-CASE", 1), ("A-CASE", 1), ("A-CASE", 1)], coupons: ["FREE"]), at: 0)
        XCTAssertEqual((1...3).map { state.line("O1-1", lineNo: $0)?.goods }, [.zero, .zero, .zero])
        XCTAssertEqual((1...3).map { state.line("O1-1", lineNo: $0)?.freight },
                       [money("2.67"), money("2.67"), money("2.66")])
    }

    // MARK: points

    func testPointsAreSpentEarliestExpiringFirstSkippingExpiredGrants() {
        var state = fresh()
        accept(&state, .grantPoints(grantID: "G0", buyerID: "alice", amount: money("50.00"), expiresAt: MallFixture.at(60)), at: 0)
        accept(&state, .grantPoints(grantID: "G1", buyerID: "alice", amount: money("10.00"),
                                    expiresAt: MallFixture.at(MallFixture.days(10))), at: 0)
        accept(&state, .grantPoints(grantID: "G2", buyerID: "alice", amount: money("5.00"),
                                    expiresAt: MallFixture.at(MallFixture.days(5))), at: 0)
        accept(&state, .grantPoints(grantID: "G3", buyerID: "alice", amount: money("3.00"),
                                    expiresAt: MallFixture.at(MallFixture.days(5))), at: 0)
        XCTAssertEqual(state.pointsBalance(of: "alice", at: MallFixture.at(59)), money("68.00"))
        XCTAssertEqual(state.pointsBalance(of: "alice", at: MallFixture.at(60)), money("18.00"), "G0 expires at 60")
        accept(&state, placeOrder("O1", "alice", [("C-TEA", 1)]), at: 60)
        // 17.99 paid in points: G2 (5.00) and G3 (3.00, same expiry, granted later), then 9.99 of G1.
        let rows = accept(&state, .pay(orderID: "O1", channel: nil, txnID: nil), at: 60)
        XCTAssertEqual(rows.orderLines.map(summary), ["O1-1/1 C-TEA 1×17.99 dp 0.00 ds 0.00 fr 0.00 | 17.99 0.00 0.00 "])
        XCTAssertEqual(rows.channels, [], "no cash, no channel row")
        XCTAssertEqual(state.pointsBalance(of: "alice", at: MallFixture.at(60)), money("0.01"))
        XCTAssertEqual(state.pointsBalance(of: "alice", at: MallFixture.at(MallFixture.days(6))), money("0.01"))
        XCTAssertEqual(state.pointsBalance(of: "alice", at: MallFixture.at(MallFixture.days(10))), money("0.00"))
    }

    func testPointsAreCappedAtAShareOfTheOrderAndByThePointsLimit() {
        var state = fresh(pointsCap: Rate(ppm: 300_000))
        accept(&state, .grantPoints(grantID: "G1", buyerID: "alice", amount: money("500.00"),
                                    expiresAt: MallFixture.at(MallFixture.days(30))), at: 0)
        accept(&state, placeOrder("O1", "alice", [("A-PHONE", 1), ("B-PAPER", 1)]), at: 0)
        // T = 100.00 (free freight from 99.00) + 40.00 + 5.00 = 145.00; 30 % = 43.50 of points,
        // over 100.00 : 45.00 → 30.00 and 13.50.
        let rows = accept(&state, .pay(orderID: "O1", channel: "wechat", txnID: nil), at: 1)
        XCTAssertEqual(rows.orderLines.map(summary), [
            "O1-1/1 A-PHONE 1×100.00 dp 0.00 ds 0.00 fr 0.00 | 30.00 0.00 70.00 wechat",
            "O1-2/1 B-PAPER 1×40.00 dp 0.00 ds 0.00 fr 5.00 | 13.50 0.00 31.50 wechat",
        ])
        XCTAssertEqual(rows.channels.map(\.amount), [money("101.50")])
        XCTAssertEqual(state.pointsBalance(of: "alice", at: MallFixture.at(1)), money("456.50"))

        accept(&state, placeOrder("O2", "alice", [("A-PHONE", 1)], pointsLimit: money("12.34")), at: 2)
        let limited = accept(&state, .pay(orderID: "O2", channel: "wechat", txnID: nil), at: 2)
        XCTAssertEqual(limited.orderLines.map(summary), ["O2-1/1 A-PHONE 1×100.00 dp 0.00 ds 0.00 fr 0.00 | 12.34 0.00 87.66 wechat"])

        accept(&state, placeOrder("O3", "alice", [("A-PHONE", 1)], pointsLimit: .zero), at: 3)
        let none = accept(&state, .pay(orderID: "O3", channel: "wechat", txnID: nil), at: 3)
        XCTAssertEqual(none.orderLines.first?.paidPoints, .zero)
    }

    func testPointsAreAllocatedOverLinesOfEveryChildByValue() {
        var state = fresh()
        accept(&state, .grantPoints(grantID: "G1", buyerID: "bob", amount: money("0.05"),
                                    expiresAt: MallFixture.at(MallFixture.days(30))), at: 0)
        // bob (gold, global ratio 95 %): A-CASE 23.75 (+ 8.00 freight) and C-TEA 17.99 × 95 % = 17.0905 → 17.09.
        // 0.05 over 31.75 : 17.09 → 0.0325 and 0.0175: 0.03 + 0.01, the last fen to the larger remainder, C-TEA.
        accept(&state, placeOrder("O1", "bob", [("C-TEA", 1), ("A-CASE", 1)]), at: 0)
        let rows = accept(&state, .pay(orderID: "O1", channel: "wechat", txnID: nil), at: 0)
        XCTAssertEqual(rows.orderLines.map(summary), [
            "O1-1/1 A-CASE 1×23.75 dp 0.00 ds 0.00 fr 8.00 | 0.03 0.00 31.72 wechat",
            "O1-2/1 C-TEA 1×17.09 dp 0.00 ds 0.00 fr 0.00 | 0.02 0.00 17.07 wechat",
        ])
        XCTAssertEqual(rows.orderLines.first?.memberLevel, "gold")
    }

    // MARK: credit and cash

    func testCreditLimitFrozenAccountsAndRepayment() {
        var state = fresh()
        accept(&state, placeOrder("O1", "carol", [("A-PHONE", 4)]), at: 0) // enterprise: 90.00 × 4 = 360.00
        accept(&state, placeOrder("O2", "carol", [("A-PHONE", 1), ("A-CASE", 2)]), at: 0) // 90.00 + 45.00 = 135.00
        accept(&state, placeOrder("O3", "carol", [("A-CASE", 1)]), at: 0) // 22.50 + 8.00
        let first = accept(&state, .pay(orderID: "O1", channel: "wechat", txnID: nil), at: 1)
        XCTAssertEqual(first.orderLines.map(summary), ["O1-1/1 A-PHONE 4×90.00 dp 0.00 ds 0.00 fr 0.00 | 0.00 360.00 0.00 "])
        XCTAssertEqual(first.channels, [], "credit needs no channel row")
        XCTAssertEqual(state.creditUsed(by: "carol"), money("360.00"))
        // 360.00 + 135.00 = 495.00 ≤ 500.00.
        accept(&state, .pay(orderID: "O2", channel: nil, txnID: nil), at: 2)
        // 495.00 + 30.50 > 500.00.
        XCTAssertEqual(refuse(&state, .pay(orderID: "O3", channel: nil, txnID: nil), at: 3), .creditLimitExceeded)
        let repaid = accept(&state, .repay(repaymentID: "R1", buyerID: "carol", amount: money("25.50")), at: 4)
        XCTAssertEqual(repaid, [.repayment(RepaymentRow(repaymentID: "R1", buyerID: "carol", amount: money("25.50"),
                                                        paidAt: MallFixture.at(4)))])
        XCTAssertEqual(state.creditUsed(by: "carol"), money("469.50"))
        // 469.50 + 30.50 = 500.00 exactly.
        accept(&state, .pay(orderID: "O3", channel: nil, txnID: nil), at: 5)
        XCTAssertEqual(state.creditUsed(by: "carol"), money("500.00"))
        accept(&state, .repay(repaymentID: "R2", buyerID: "carol", amount: money("600.00")), at: 6)
        XCTAssertEqual(state.creditUsed(by: "carol"), money("-100.00"), "repaid ahead")

        XCTAssertEqual(refuse(&state, .repay(repaymentID: "R2", buyerID: "carol", amount: money("1.00")), at: 7),
                       .duplicateID("R2"))
        XCTAssertEqual(refuse(&state, .repay(repaymentID: "R3", buyerID: "alice", amount: money("1.00")), at: 7),
                       .creditNotAllowed)
        XCTAssertEqual(refuse(&state, .repay(repaymentID: "R3", buyerID: "carol", amount: .zero), at: 7)?.reason,
                       "invalid_state")
        XCTAssertEqual(refuse(&state, .repay(repaymentID: "R3", buyerID: "zed", amount: money("1.00")), at: 7),
                       .unknownBuyer("zed"))
    }

    func testAFrozenAccountCannotPayOnCreditButPointsAlonePass() {
        var state = fresh()
        accept(&state, placeOrder("O1", "dave", [("C-TEA", 1)]), at: 0)
        XCTAssertEqual(refuse(&state, .pay(orderID: "O1", channel: "wechat", txnID: nil), at: 1), .creditFrozen)
        accept(&state, .grantPoints(grantID: "G1", buyerID: "dave", amount: money("17.99"),
                                    expiresAt: MallFixture.at(100)), at: 2)
        let rows = accept(&state, .pay(orderID: "O1", channel: nil, txnID: nil), at: 3)
        XCTAssertEqual(rows.orderLines.map(\.paidPoints), [money("17.99")])
        XCTAssertEqual(state.creditUsed(by: "dave"), .zero)
    }

    func testCashNeedsAChannelAndAnUnknownChannelCostsNoFee() {
        var state = fresh()
        accept(&state, placeOrder("O1", "alice", [("C-TEA", 1)]), at: 0)
        XCTAssertEqual(refuse(&state, .pay(orderID: "O1", channel: nil, txnID: nil), at: 1), .missingChannel)
        XCTAssertEqual(refuse(&state, .pay(orderID: "O1", channel: "", txnID: nil), at: 1), .missingChannel)
        let rows = accept(&state, .pay(orderID: "O1", channel: "unionpay", txnID: nil), at: 1)
        XCTAssertEqual(rows.channels.map { "\($0.channel) \($0.amount) \($0.fee)" }, ["unionpay 17.99 0.00"])
    }

    func testPayRefusals() {
        var state = fresh()
        XCTAssertEqual(refuse(&state, .pay(orderID: "O1", channel: "wechat", txnID: nil), at: 0), .unknownOrder("O1"))
        accept(&state, placeOrder("O1", "alice", [("C-TEA", 1)]), at: 0)
        accept(&state, .pay(orderID: "O1", channel: "wechat", txnID: nil), at: 0)
        XCTAssertEqual(refuse(&state, .pay(orderID: "O1", channel: "wechat", txnID: nil), at: 1)?.reason, "invalid_state")
        accept(&state, placeOrder("O2", "alice", [("C-TEA", 1)]), at: 1)
        accept(&state, .cancel(orderID: "O2", refundID: nil), at: 1)
        XCTAssertEqual(refuse(&state, .pay(orderID: "O2", channel: "wechat", txnID: nil), at: 1)?.reason, "invalid_state")
    }

    // MARK: stock

    func testStockIsCheckedAcrossTheOrdersLinesAndReservedAtPaymentOnly() {
        var state = fresh()
        accept(&state, placeOrder("O1", "alice", [("A-PHONE", 6), ("A-PHONE", 5)]), at: 0)
        XCTAssertEqual(refuse(&state, .pay(orderID: "O1", channel: "wechat", txnID: nil), at: 1), .outOfStock("A-PHONE"))
        accept(&state, placeOrder("O2", "alice", [("A-PHONE", 10)]), at: 1)
        accept(&state, placeOrder("O3", "bob", [("A-PHONE", 10)]), at: 1)
        XCTAssertEqual(state.stockLeft(of: "A-PHONE"), 10, "placing reserves nothing")
        accept(&state, .pay(orderID: "O3", channel: "wechat", txnID: nil), at: 2)
        XCTAssertEqual(state.stockLeft(of: "A-PHONE"), 0)
        XCTAssertEqual(refuse(&state, .pay(orderID: "O2", channel: "wechat", txnID: nil), at: 3), .outOfStock("A-PHONE"))
        accept(&state, .cancel(orderID: "O3", refundID: "RF-O3"), at: 4)
        XCTAssertEqual(state.stockLeft(of: "A-PHONE"), 10)
        accept(&state, .pay(orderID: "O2", channel: "wechat", txnID: nil), at: 5)
        XCTAssertEqual(state.stockLeft(of: "A-PHONE"), 0)
        XCTAssertNil(state.stockLeft(of: "NOPE"))
    }

    // MARK: ship and complete

    func testShipAndCompleteAChildOrder() {
        var state = fresh()
        accept(&state, placeOrder("O1", "alice", [("A-PHONE", 1), ("B-PAPER", 1)]), at: 0)
        XCTAssertEqual(refuse(&state, .ship(childOrderID: "O1-1"), at: 1)?.reason, "invalid_state", "unpaid")
        let paid = accept(&state, .pay(orderID: "O1", channel: "wechat", txnID: nil), at: 1)
        XCTAssertEqual(refuse(&state, .complete(childOrderID: "O1-1"), at: 2)?.reason, "invalid_state", "not shipped")
        XCTAssertEqual(refuse(&state, .ship(childOrderID: "O1-3"), at: 2), .unknownOrder("O1-3"))
        XCTAssertEqual(accept(&state, .ship(childOrderID: "O1-1"), at: 2), [])
        XCTAssertEqual(refuse(&state, .ship(childOrderID: "O1-1"), at: 3)?.reason, "invalid_state", "shipped twice")
        let completed = accept(&state, .complete(childOrderID: "O1-1"), at: 4)
        var expected = paid.orderLines[0]
        expected.completedAt = MallFixture.at(4)
        XCTAssertEqual(completed, [.orderLine(expected)])
        XCTAssertEqual(state.childOrder("O1-1")?.completedAt, MallFixture.at(4))
        XCTAssertEqual(refuse(&state, .complete(childOrderID: "O1-1"), at: 5)?.reason, "invalid_state", "completed twice")
        XCTAssertEqual(state.childOrder("O1-2")?.shipped, false)
    }

    func testAmountsStayInsideTheFeedRange() {
        var catalog = MallFixture.catalog()
        catalog.skus.append(CatalogSKU(sku: "BIG", spu: "BIG", supplierID: "SUP-A", category: "x", marketPrice: .zero,
                                       costPrice: .zero, salePrice: money("5000000000000.00"), stock: 10))
        var state = MallState(catalog: catalog)
        accept(&state, placeOrder("O1", "alice", [("BIG", 1)]), at: 0)
        XCTAssertEqual(refuse(&state, placeOrder("O2", "alice", [("BIG", 2)]), at: 0), .badQuantity, "a line beyond the range")
        XCTAssertEqual(refuse(&state, placeOrder("O2", "alice", [("BIG", 1), ("BIG", 1)]), at: 0), .badQuantity,
                       "an order beyond the range")

        accept(&state, .grantPoints(grantID: "G1", buyerID: "alice", amount: money("9000000000000.00"),
                                    expiresAt: MallFixture.at(10)), at: 0)
        XCTAssertEqual(refuse(&state, .grantPoints(grantID: "G2", buyerID: "alice", amount: money("0.01"),
                                                   expiresAt: MallFixture.at(10)), at: 0)?.reason, "invalid_state")
        accept(&state, .repay(repaymentID: "R1", buyerID: "carol", amount: money("9000000000000.00")), at: 0)
        XCTAssertEqual(refuse(&state, .repay(repaymentID: "R2", buyerID: "carol", amount: money("0.01")), at: 0)?.reason,
                       "invalid_state")

        catalog.suppliers[2].freight = FreightRule(flat: money("-1.00"))
        var negative = MallState(catalog: catalog)
        XCTAssertEqual(refuse(&negative, placeOrder("O1", "alice", [("B-PAPER", 1)]), at: 0)?.reason, "invalid_state")
    }

    func testGrantRefusals() {
        var state = fresh()
        accept(&state, .grantPoints(grantID: "G1", buyerID: "alice", amount: money("1.00"), expiresAt: MallFixture.at(1)), at: 0)
        XCTAssertEqual(refuse(&state, .grantPoints(grantID: "G1", buyerID: "alice", amount: money("1.00"),
                                                   expiresAt: MallFixture.at(9)), at: 0), .duplicateID("G1"))
        XCTAssertEqual(refuse(&state, .grantPoints(grantID: "G2", buyerID: "zed", amount: money("1.00"),
                                                   expiresAt: MallFixture.at(9)), at: 0), .unknownBuyer("zed"))
        XCTAssertEqual(refuse(&state, .grantPoints(grantID: "G2", buyerID: "alice", amount: .zero,
                                                   expiresAt: MallFixture.at(9)), at: 0)?.reason, "invalid_state")
        XCTAssertEqual(refuse(&state, .grantPoints(grantID: "G2", buyerID: "alice", amount: money("1.00"),
                                                   expiresAt: MallFixture.at(0)), at: 0)?.reason, "invalid_state")
        XCTAssertNil(state.pointsBalance(of: "zed", at: MallFixture.at(0)))
    }
}
