// After-sale (SPEC §13, rules 6, 8 and 9): cancel before and after payment, refund only, return,
// tenders by the cumulative-difference rule, points restored or lost, coupons, channel rows.

import MallCore
import XCTest

final class MallAfterSaleTests: XCTestCase {
    private func fresh() -> MallState { MallState(catalog: MallFixture.catalog()) }

    func testCancelBeforePaymentRestoresCouponsAndEmitsNothing() {
        var state = fresh()
        accept(&state, placeOrder("O1", "alice", [("A-PHONE", 1)], coupons: ["PLAT10"]), at: 0)
        XCTAssertEqual(state.couponUses(of: "PLAT10", by: "alice"), 1)
        XCTAssertEqual(accept(&state, .cancel(orderID: "O1", refundID: nil), at: 1), [])
        XCTAssertEqual(state.status(ofOrder: "O1"), .cancelled)
        XCTAssertEqual(state.couponUses(of: "PLAT10", by: "alice"), 0)
        XCTAssertEqual(state.stockLeft(of: "A-PHONE"), 10)
        XCTAssertEqual(refuse(&state, .cancel(orderID: "O1", refundID: nil), at: 2)?.reason, "invalid_state")
        XCTAssertEqual(refuse(&state, .cancel(orderID: "O9", refundID: nil), at: 2), .unknownOrder("O9"))
        // A refund id named by an unpaid cancellation counts as used.
        accept(&state, placeOrder("O2", "alice", [("A-PHONE", 1)]), at: 3)
        accept(&state, .cancel(orderID: "O2", refundID: "RF-1"), at: 3)
        accept(&state, placeOrder("O3", "alice", [("A-PHONE", 1)]), at: 3)
        accept(&state, .pay(orderID: "O3", channel: "wechat", txnID: nil), at: 3)
        XCTAssertEqual(refuse(&state, .cancel(orderID: "O3", refundID: "RF-1"), at: 4), .duplicateID("RF-1"))
        XCTAssertEqual(refuse(&state, refundOnly("RF-1", "O3-1", [(1, "1.00")]), at: 4), .duplicateID("RF-1"))
    }

    func testCancelAfterPaymentRefundsWhatIsLeftOfEveryLineAndTender() {
        var state = fresh()
        accept(&state, .grantPoints(grantID: "G1", buyerID: "alice", amount: money("20.00"),
                                    expiresAt: MallFixture.at(MallFixture.days(30))), at: 0)
        accept(&state, placeOrder("O1", "alice", [("A-PHONE", 1), ("B-PAPER", 1)], coupons: ["PLAT10"]), at: 0)
        let paid = accept(&state, .pay(orderID: "O1", channel: "wechat", txnID: nil), at: 1)
        // PLAT10: 7.14 / 2.86 (see the coupon tests); SUP-A falls below 99.00 and pays 8.00 freight.
        // 20.00 of points over 100.86 : 42.14 → 14.106… and 5.893…: 14.10 + 5.89, the last fen to A-PHONE.
        XCTAssertEqual(paid.orderLines.map(summary), [
            "O1-1/1 A-PHONE 1×100.00 dp 7.14 ds 0.00 fr 8.00 | 14.11 0.00 86.75 wechat",
            "O1-2/1 B-PAPER 1×40.00 dp 2.86 ds 0.00 fr 5.00 | 5.89 0.00 36.25 wechat",
        ])
        XCTAssertEqual(state.stockLeft(of: "A-PHONE"), 9)
        XCTAssertEqual(state.pointsBalance(of: "alice", at: MallFixture.at(1)), .zero)

        // A refund only of 10.00 first: points round(5.89 × 10.00 / 42.14) = 1.40, cash 8.60.
        let partial = accept(&state, refundOnly("RO-1", "O1-2", [(1, "10.00")]), at: 2)
        XCTAssertEqual(partial.refunds.map(summary), ["O1-2/1 refund_only 0 10.00 0.00 | 1.40 0.00 8.60"])
        XCTAssertEqual(partial.channels, [ChannelRow(channel: "wechat", txnID: "REF-RO-1", kind: .refund, reference: "RO-1",
                                                     amount: money("8.60"), fee: .zero, occurredAt: MallFixture.at(2))])
        XCTAssertEqual(state.status(ofOrder: "O1"), .paid)
        XCTAssertEqual(state.pointsBalance(of: "alice", at: MallFixture.at(2)), money("1.40"))

        XCTAssertEqual(refuse(&state, .cancel(orderID: "O1", refundID: nil), at: 3)?.reason, "invalid_state",
                       "a paid order needs a refund id")
        let cancelled = accept(&state, .cancel(orderID: "O1", refundID: "RF-C1"), at: 3)
        XCTAssertEqual(cancelled.refunds.map(summary), [
            "O1-1/1 cancel 1 92.86 8.00 | 14.11 0.00 86.75",
            "O1-2/1 cancel 1 27.14 5.00 | 4.49 0.00 27.65",
        ])
        XCTAssertEqual(cancelled.refunds.map(\.refundID), ["RF-C1", "RF-C1"])
        XCTAssertEqual(cancelled.refunds.map(\.refundedAt), [MallFixture.at(3), MallFixture.at(3)])
        XCTAssertEqual(cancelled.channels, [ChannelRow(channel: "wechat", txnID: "REF-RF-C1", kind: .refund,
                                                       reference: "RF-C1", amount: money("114.40"), fee: .zero,
                                                       occurredAt: MallFixture.at(3))])
        XCTAssertEqual(cancelled.lostPoints, [])
        XCTAssertEqual(cancelled.count, 3)
        XCTAssertEqual(state.status(ofOrder: "O1"), .cancelled)
        XCTAssertEqual(state.stockLeft(of: "A-PHONE"), 10)
        XCTAssertEqual(state.stockLeft(of: "B-PAPER"), 50)
        XCTAssertEqual(state.couponUses(of: "PLAT10", by: "alice"), 0)
        XCTAssertEqual(state.pointsBalance(of: "alice", at: MallFixture.at(3)), money("20.00"))
        for child in ["O1-1", "O1-2"] {
            let line = state.line(child, lineNo: 1)
            XCTAssertEqual(line?.refunded, line?.paid, "every tender back exactly")
            XCTAssertEqual(line?.isFullyRefunded, true)
        }
        XCTAssertEqual(refuse(&state, .cancel(orderID: "O1", refundID: "RF-C2"), at: 4)?.reason, "invalid_state")
        XCTAssertEqual(refuse(&state, refundOnly("RO-2", "O1-1", [(1, "1.00")]), at: 4)?.reason, "invalid_state")
        XCTAssertEqual(refuse(&state, .ship(childOrderID: "O1-1"), at: 4)?.reason, "invalid_state")
    }

    func testCancelAfterAChildShippedIsRefused() {
        var state = fresh()
        accept(&state, placeOrder("O1", "alice", [("A-PHONE", 1), ("B-PAPER", 1)]), at: 0)
        accept(&state, .pay(orderID: "O1", channel: "wechat", txnID: nil), at: 1)
        accept(&state, .ship(childOrderID: "O1-2"), at: 2)
        XCTAssertEqual(refuse(&state, .cancel(orderID: "O1", refundID: "RF-1"), at: 3), .alreadyShipped)
    }

    func testARefundOnlyKeepsTheOrderOpenAndReturningEverythingClosesIt() {
        var state = fresh()
        accept(&state, placeOrder("O1", "alice", [("A-CASE", 3)]), at: 0) // 75.00 + 8.00 freight
        accept(&state, .pay(orderID: "O1", channel: "wechat", txnID: nil), at: 1)
        accept(&state, .ship(childOrderID: "O1-1"), at: 2)
        XCTAssertEqual(state.stockLeft(of: "A-CASE"), 97)

        let first = accept(&state, refundOnly("R1", "O1-1", [(1, "10.00")]), at: 3)
        XCTAssertEqual(first.refunds.map(summary), ["O1-1/1 refund_only 0 10.00 0.00 | 0.00 0.00 10.00"])
        XCTAssertEqual(state.status(ofOrder: "O1"), .paid)
        XCTAssertEqual(state.stockLeft(of: "A-CASE"), 97, "goods kept")

        // One unit of three: round(75.00 × 1/3) = 25.00.
        let second = accept(&state, returnLines("R2", "O1-1", [(1, 1)]), at: 4)
        XCTAssertEqual(second.refunds.map(summary), ["O1-1/1 return 1 25.00 0.00 | 0.00 0.00 25.00"])
        XCTAssertEqual(state.status(ofOrder: "O1"), .paid)
        XCTAssertEqual(state.stockLeft(of: "A-CASE"), 98)

        // The last two: 75.00 − 25.00 = 50.00 by share, but only 40.00 of goods is left.
        let third = accept(&state, returnLines("R3", "O1-1", [(1, 2)]), at: 5)
        XCTAssertEqual(third.refunds.map(summary), ["O1-1/1 return 2 40.00 0.00 | 0.00 0.00 40.00"])
        XCTAssertEqual(third.channels.map { "\($0.txnID) \($0.reference) \($0.amount)" }, ["REF-R3 R3 40.00"])
        XCTAssertEqual(state.status(ofOrder: "O1"), .closed)
        XCTAssertEqual(state.stockLeft(of: "A-CASE"), 100)
        let line = state.line("O1-1", lineNo: 1)
        XCTAssertEqual(line?.refundedGoods, money("75.00"))
        XCTAssertEqual(line?.refundedFreight, .zero, "freight is refunded only by a cancellation")
        XCTAssertEqual(line?.refunded, TenderSplit(points: .zero, credit: .zero, cash: money("75.00")))
        XCTAssertEqual(refuse(&state, refundOnly("R4", "O1-1", [(1, "0.00")]), at: 6)?.reason, "invalid_state")
        XCTAssertEqual(refuse(&state, .cancel(orderID: "O1", refundID: "R4"), at: 6)?.reason, "invalid_state")
    }

    func testReturnsByThirdsNetTheGoodsExactly() {
        let coupon = MallFixture.coupon("C", .amountOff(money("74.90")))
        var state = MallState(catalog: MallFixture.catalog(coupons: [coupon]))
        accept(&state, placeOrder("O1", "alice", [("A-CASE", 3)], coupons: ["C"]), at: 0) // goods 0.10
        accept(&state, .pay(orderID: "O1", channel: "wechat", txnID: nil), at: 1)
        accept(&state, .ship(childOrderID: "O1-1"), at: 2)
        var goods: [Money] = []
        for (index, refundID) in ["R1", "R2", "R3"].enumerated() {
            let rows = accept(&state, returnLines(refundID, "O1-1", [(1, 1)]), at: Int64(3 + index))
            goods.append(contentsOf: rows.refunds.map(\.refundGoods))
        }
        XCTAssertEqual(goods, [Money(fen: 3), Money(fen: 4), Money(fen: 3)]) // 3.33 → 3, 6.67 → 7, 10
        XCTAssertEqual(state.status(ofOrder: "O1"), .closed)
    }

    func testOverRefundsAndMalformedRequestsAreRefused() {
        var state = fresh()
        accept(&state, placeOrder("O1", "alice", [("A-CASE", 3), ("B-PAPER", 1)]), at: 0)
        XCTAssertEqual(refuse(&state, refundOnly("R1", "O1-1", [(1, "1.00")]), at: 0)?.reason, "invalid_state", "unpaid")
        accept(&state, .pay(orderID: "O1", channel: "wechat", txnID: nil), at: 1)
        XCTAssertEqual(refuse(&state, returnLines("R1", "O1-1", [(1, 1)]), at: 2)?.reason, "invalid_state", "not shipped")
        accept(&state, .ship(childOrderID: "O1-1"), at: 2)
        XCTAssertEqual(refuse(&state, returnLines("R1", "O1-1", [(1, 4)]), at: 3), .overRefund(1))
        XCTAssertEqual(refuse(&state, refundOnly("R1", "O1-1", [(1, "75.01")]), at: 3), .overRefund(1))
        XCTAssertEqual(refuse(&state, .refund(refundID: "R1", childOrderID: "O1-1", kind: .refundOnly,
                                              lines: [RefundRequestLine(lineNo: 1, quantity: 4, amount: money("1.00"))],
                                              txnID: nil), at: 3), .overRefund(1))
        XCTAssertEqual(refuse(&state, returnLines("R1", "O1-1", [(2, 1)]), at: 3), .unknownLine(2))
        XCTAssertEqual(refuse(&state, returnLines("R1", "O1-1", [(0, 1)]), at: 3), .unknownLine(0))
        XCTAssertEqual(refuse(&state, returnLines("R1", "O1-1", [(1, 1), (1, 1)]), at: 3)?.reason, "invalid_state")
        XCTAssertEqual(refuse(&state, returnLines("R1", "O1-1", []), at: 3)?.reason, "invalid_state")
        XCTAssertEqual(refuse(&state, returnLines("R1", "O1-1", [(1, 0)]), at: 3), .badQuantity)
        XCTAssertEqual(refuse(&state, .refund(refundID: "R1", childOrderID: "O1-1", kind: .return,
                                              lines: [RefundRequestLine(lineNo: 1, quantity: 1, amount: money("1.00"))],
                                              txnID: nil), at: 3)?.reason, "invalid_state")
        XCTAssertEqual(refuse(&state, .refund(refundID: "R1", childOrderID: "O1-1", kind: .refundOnly,
                                              lines: [RefundRequestLine(lineNo: 1, quantity: 1)], txnID: nil), at: 3)?.reason,
                       "invalid_state")
        XCTAssertEqual(refuse(&state, refundOnly("R1", "O1-1", [(1, "-0.01")]), at: 3)?.reason, "invalid_state")
        XCTAssertEqual(refuse(&state, returnLines("R1", "O1-9", [(1, 1)]), at: 3), .unknownOrder("O1-9"))

        accept(&state, returnLines("R1", "O1-1", [(1, 2)]), at: 3)
        XCTAssertEqual(refuse(&state, returnLines("R1", "O1-1", [(1, 1)]), at: 4), .duplicateID("R1"))
        XCTAssertEqual(refuse(&state, returnLines("R2", "O1-1", [(1, 2)]), at: 4), .overRefund(1))
        // 50.00 of 75.00 refunded: 25.01 is too much, 25.00 is exactly what is left.
        XCTAssertEqual(refuse(&state, refundOnly("R2", "O1-1", [(1, "25.01")]), at: 4), .overRefund(1))
        accept(&state, refundOnly("R2", "O1-1", [(1, "25.00")]), at: 4)
        // The goods are all refunded; a return of the last unit still takes it back, refunding nothing.
        let last = accept(&state, returnLines("R3", "O1-1", [(1, 1)]), at: 5)
        XCTAssertEqual(last.refunds.map(summary), ["O1-1/1 return 1 0.00 0.00 | 0.00 0.00 0.00"])
        XCTAssertEqual(last.channels, [])
        XCTAssertEqual(state.status(ofOrder: "O1"), .paid, "O1-2 is still open")
    }

    func testARefundOfNothingIsStillEmitted() {
        var state = fresh()
        accept(&state, placeOrder("O1", "alice", [("A-CASE", 3)]), at: 0)
        accept(&state, .pay(orderID: "O1", channel: "wechat", txnID: nil), at: 1)
        let rows = accept(&state, refundOnly("R1", "O1-1", [(1, "0.00")]), at: 2)
        XCTAssertEqual(rows, [.refund(RefundRow(refundID: "R1", orderID: "O1-1", lineNo: 1, type: .refundOnly, quantity: 0,
                                                refundGoods: .zero, refundFreight: .zero, refundPoints: .zero,
                                                refundCredit: .zero, refundCash: .zero, refundedAt: MallFixture.at(2)))])
    }

    func testPointsGoBackToTheirGrantsLatestExpiringFirstAndAreLostOnceExpired() {
        var state = fresh()
        let dayOne = MallFixture.at(MallFixture.days(1))
        accept(&state, .grantPoints(grantID: "GA", buyerID: "alice", amount: money("30.00"), expiresAt: dayOne), at: 0)
        accept(&state, .grantPoints(grantID: "GB", buyerID: "alice", amount: money("20.00"),
                                    expiresAt: MallFixture.at(MallFixture.days(30))), at: 0)
        accept(&state, placeOrder("O1", "alice", [("A-PHONE", 1)]), at: 60)
        let paid = accept(&state, .pay(orderID: "O1", channel: "wechat", txnID: nil), at: 60)
        XCTAssertEqual(paid.orderLines.map(summary), ["O1-1/1 A-PHONE 1×100.00 dp 0.00 ds 0.00 fr 0.00 | 50.00 0.00 50.00 wechat"])

        // 40.00 back: points round(50.00 × 40 / 100) = 20.00, all to GB (it expires last).
        let first = accept(&state, refundOnly("R1", "O1-1", [(1, "40.00")]), at: 120)
        XCTAssertEqual(first.refunds.map(summary), ["O1-1/1 refund_only 0 40.00 0.00 | 20.00 0.00 20.00"])
        XCTAssertEqual(first.lostPoints, [])
        XCTAssertEqual(state.pointsBalance(of: "alice", at: MallFixture.at(120)), money("20.00"))
        XCTAssertEqual(state.pointsBalance(of: "alice", at: dayOne), money("20.00"), "GB keeps its own expiry")

        // The rest after GA expired: GB has had back all it paid, GA's 30.00 is lost.
        let twoDays = MallFixture.days(2)
        let second = accept(&state, refundOnly("R2", "O1-1", [(1, "60.00")]), at: twoDays)
        XCTAssertEqual(second.refunds.map(summary), ["O1-1/1 refund_only 0 60.00 0.00 | 30.00 0.00 30.00"])
        XCTAssertEqual(second.lostPoints, [LostPoints(buyerID: "alice", grantID: "GA", refundID: "R2", amount: money("30.00"),
                                                      expiredAt: dayOne, at: MallFixture.at(twoDays))])
        XCTAssertEqual(second.count, 3, "refund row, channel row, lost points")
        XCTAssertEqual(state.pointsBalance(of: "alice", at: MallFixture.at(twoDays)), money("20.00"))
        XCTAssertEqual(state.status(ofOrder: "O1"), .closed)
    }

    func testPointsRestoredToALiveGrantCanBeSpentAgain() {
        var state = fresh()
        accept(&state, .grantPoints(grantID: "G1", buyerID: "alice", amount: money("17.99"),
                                    expiresAt: MallFixture.at(MallFixture.days(1))), at: 0)
        accept(&state, placeOrder("O1", "alice", [("C-TEA", 1)]), at: 0)
        accept(&state, .pay(orderID: "O1", channel: nil, txnID: nil), at: 0)
        accept(&state, .cancel(orderID: "O1", refundID: "RF-1"), at: 1)
        accept(&state, placeOrder("O2", "alice", [("C-TEA", 1)]), at: 2)
        let again = accept(&state, .pay(orderID: "O2", channel: nil, txnID: nil), at: 2)
        XCTAssertEqual(again.orderLines.map(\.paidPoints), [money("17.99")])
    }

    func testCouponsComeBackOnAFullCancellationOnly() {
        var state = fresh()
        accept(&state, placeOrder("O1", "alice", [("A-PHONE", 1)], coupons: ["PLAT10"]), at: 0)
        accept(&state, .pay(orderID: "O1", channel: "wechat", txnID: nil), at: 1)
        accept(&state, .ship(childOrderID: "O1-1"), at: 2)
        accept(&state, returnLines("R1", "O1-1", [(1, 1)]), at: 3)
        XCTAssertEqual(state.status(ofOrder: "O1"), .closed)
        XCTAssertEqual(state.couponUses(of: "PLAT10", by: "alice"), 1)
        XCTAssertEqual(refuse(&state, placeOrder("O2", "alice", [("A-PHONE", 1)], coupons: ["PLAT10"]), at: 4),
                       .couponExhausted("PLAT10"))
    }

    func testCreditRefundsLowerTheCreditUsedAndNeedNoChannelRow() {
        var state = fresh()
        accept(&state, placeOrder("O1", "carol", [("A-PHONE", 2)]), at: 0) // 2 × 90.00 on credit
        accept(&state, .pay(orderID: "O1", channel: nil, txnID: nil), at: 1)
        accept(&state, .ship(childOrderID: "O1-1"), at: 2)
        let rows = accept(&state, returnLines("R1", "O1-1", [(1, 1)]), at: 3)
        XCTAssertEqual(rows, [.refund(RefundRow(refundID: "R1", orderID: "O1-1", lineNo: 1, type: .return, quantity: 1,
                                                refundGoods: money("90.00"), refundFreight: .zero, refundPoints: .zero,
                                                refundCredit: money("90.00"), refundCash: .zero,
                                                refundedAt: MallFixture.at(3)))])
        XCTAssertEqual(state.creditUsed(by: "carol"), money("90.00"))
    }

    func testARefundCarriesTheEventsChannelTransactionId() {
        var state = fresh()
        accept(&state, placeOrder("O1", "alice", [("A-CASE", 3)]), at: 0)
        accept(&state, .pay(orderID: "O1", channel: "alipay", txnID: "ALI-1"), at: 1)
        let rows = accept(&state, refundOnly("R1", "O1-1", [(1, "5.00")], txnID: "ALI-R-1"), at: 2)
        XCTAssertEqual(rows.channels, [ChannelRow(channel: "alipay", txnID: "ALI-R-1", kind: .refund, reference: "R1",
                                                  amount: money("5.00"), fee: .zero, occurredAt: MallFixture.at(2))])
    }

    func testCompletionRepeatsThePayRowsOfLinesNotFullyRefunded() {
        var state = fresh()
        accept(&state, placeOrder("O1", "alice", [("A-CASE", 1), ("A-CABLE", 1)]), at: 0)
        let paid = accept(&state, .pay(orderID: "O1", channel: "wechat", txnID: nil), at: 1)
        // 8.00 of freight over 25.00 : 33.00 → 3.448… and 4.551…: 3.44 + 4.55, the last fen to line 1.
        XCTAssertEqual(paid.orderLines.map(\.freight), [money("3.45"), money("4.55")])
        accept(&state, .ship(childOrderID: "O1-1"), at: 2)
        accept(&state, refundOnly("R1", "O1-1", [(1, "25.00"), (2, "1.00")]), at: 3)
        let completed = accept(&state, .complete(childOrderID: "O1-1"), at: 4)
        var expected = paid.orderLines[1]
        expected.completedAt = MallFixture.at(4)
        XCTAssertEqual(completed, [.orderLine(expected)])
    }

    func testALineWhoseGoodsAreZeroIsFullyRefundedByQuantity() {
        let free = MallFixture.coupon("FREE", .percentOff(Rate(ppm: 1_000_000), cap: nil))
        var state = MallState(catalog: MallFixture.catalog(coupons: [free]))
        accept(&state, placeOrder("O1", "alice", [("A-CASE", 2)], coupons: ["FREE"]), at: 0)
        let paid = accept(&state, .pay(orderID: "O1", channel: "wechat", txnID: nil), at: 1)
        XCTAssertEqual(paid.orderLines.map(summary), ["O1-1/1 A-CASE 2×25.00 dp 50.00 ds 0.00 fr 8.00 | 0.00 0.00 8.00 wechat"])
        accept(&state, .ship(childOrderID: "O1-1"), at: 2)
        accept(&state, returnLines("R1", "O1-1", [(1, 1)]), at: 3)
        XCTAssertEqual(state.status(ofOrder: "O1"), .paid)
        accept(&state, returnLines("R2", "O1-1", [(1, 1)]), at: 4)
        XCTAssertEqual(state.status(ofOrder: "O1"), .closed)
    }
}
