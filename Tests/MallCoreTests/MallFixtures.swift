// Shared fixtures for the mall core tests: a small catalog whose prices are easy to check by
// hand, a clock in minutes, and helpers that apply events and pick rows out of the outputs.

import MallCore
import XCTest

enum MallFixture {
    /// 2026-11-03T10:00:00+08:00, the fixtures' time zero.
    static let start = Instant(nanos: 1_793_671_200 * Instant.nanosPerSecond)
    static let nanosPerMinute: Int64 = 60 * Instant.nanosPerSecond

    /// `start` plus `minutes`.
    static func at(_ minutes: Int64) -> Instant { Instant(nanos: start.nanos + minutes * nanosPerMinute) }
    static func days(_ days: Int64) -> Int64 { days * 24 * 60 }

    /// Three suppliers, one per pricing mode, listed out of byte order:
    /// - SUP-C: market minus 10 %, free freight; C-TEA market 19.99 → 17.99.
    /// - SUP-A: fixed; freight 8.00, free from 99.00; A-PHONE 100.00 (gold 90.00, 5+ at 95.00),
    ///   A-CASE 25.00, A-CABLE 33.00.
    /// - SUP-B: cost plus 20 %, freight 5.00; B-PAPER cost 33.33 → 40.00.
    /// X-GADGET (SUP-C, category `digitalx/gadget`) tests the category prefix rule.
    /// Buyers: alice (no level, cash), bob (gold, cash), carol (enterprise, credit 500.00),
    /// dave (credit, frozen). Channels: wechat 0.6 %, alipay 0.55 %.
    static func catalog(pointsCap: Rate = Rate(ppm: 1_000_000), coupons: [Coupon] = MallFixture.coupons,
                        contracts: [PriceContract] = []) -> Catalog
    {
        Catalog(
            suppliers: [
                CatalogSupplier(id: "SUP-C", pricing: .marketMinus(discount: Rate(ppm: 100_000)), freight: .free),
                CatalogSupplier(id: "SUP-A", pricing: .fixed,
                                freight: FreightRule(flat: money("8.00"), freeOver: money("99.00"))),
                CatalogSupplier(id: "SUP-B", pricing: .costPlus(markup: Rate(ppm: 200_000)),
                                freight: FreightRule(flat: money("5.00"))),
            ],
            skus: [
                CatalogSKU(sku: "A-PHONE", spu: "PHONE", supplierID: "SUP-A", category: "digital/phone",
                           marketPrice: money("120.00"), costPrice: money("80.00"), salePrice: money("100.00"),
                           stock: 10, levelPrices: ["gold": money("90.00")],
                           tiers: [TierPrice(minQuantity: 5, unitPrice: money("95.00"))]),
                CatalogSKU(sku: "A-CASE", spu: "CASE", supplierID: "SUP-A", category: "digital/accessory",
                           marketPrice: money("30.00"), costPrice: money("10.00"), salePrice: money("25.00"),
                           stock: 100),
                CatalogSKU(sku: "A-CABLE", spu: "CABLE", supplierID: "SUP-A", category: "digital/accessory",
                           marketPrice: money("40.00"), costPrice: money("12.00"), salePrice: money("33.00"),
                           stock: 100),
                CatalogSKU(sku: "B-PAPER", spu: "PAPER", supplierID: "SUP-B", category: "office/paper",
                           marketPrice: money("50.00"), costPrice: money("33.33"), stock: 50),
                CatalogSKU(sku: "C-TEA", spu: "TEA", supplierID: "SUP-C", category: "food/tea",
                           marketPrice: money("19.99"), costPrice: money("10.00"), stock: 20),
                CatalogSKU(sku: "X-GADGET", spu: "GADGET", supplierID: "SUP-C", category: "digitalx/gadget",
                           marketPrice: money("10.00"), costPrice: money("5.00"), stock: 20),
            ],
            levelRatios: ["gold": Rate(ppm: 950_000), "enterprise": Rate(ppm: 900_000)],
            contracts: contracts,
            coupons: coupons,
            buyers: [
                Buyer(id: "alice", level: ""),
                Buyer(id: "bob", level: "gold"),
                Buyer(id: "carol", level: "enterprise", paysOnCredit: true, creditLimit: money("500.00")),
                Buyer(id: "dave", level: "", paysOnCredit: true, creditLimit: money("500.00"), frozen: true),
            ],
            channels: [ChannelTerms(channel: "wechat", feeRate: Rate(ppm: 6_000)),
                       ChannelTerms(channel: "alipay", feeRate: Rate(ppm: 5_500))],
            pointsCap: pointsCap)
    }

    /// Valid from a day before `start` to a day after, limit 1 unless said otherwise.
    static func coupon(_ id: String, _ kind: CouponKind, threshold: String = "0", scope: CouponScope = CouponScope(),
                       fundedBy: Funder = .platform, limit: Int = 1,
                       from: Instant = at(-days(1)), to: Instant = at(days(1))) -> Coupon
    {
        Coupon(id: id, kind: kind, threshold: money(threshold), scope: scope, validFrom: from, validTo: to,
               fundedBy: fundedBy, perBuyerLimit: limit)
    }

    static let coupons: [Coupon] = [
        coupon("PLAT10", .amountOff(money("10.00")), threshold: "100.00"),
        coupon("SUPA15", .percentOff(Rate(ppm: 150_000), cap: money("20.00")), scope: CouponScope(supplierID: "SUP-A"),
               fundedBy: .supplier),
        coupon("DIGI5", .amountOff(money("5.00")), scope: CouponScope(category: "digital")),
        coupon("TEA3", .amountOff(money("3.00")), scope: CouponScope(skus: ["C-TEA"]), fundedBy: .supplier),
        coupon("PENNY", .amountOff(money("0.01")), limit: 5),
        coupon("WINDOW", .amountOff(money("1.00")), from: at(0), to: at(60)),
    ]
}

// MARK: - Commands

func placeOrder(_ id: String, _ buyer: String, _ cart: [(String, Int64)], coupons: [String] = [],
                pointsLimit: Money? = nil) -> MallCommand
{
    .placeOrder(orderID: id, buyerID: buyer, lines: cart.map { CartLine(sku: $0.0, quantity: $0.1) },
                coupons: coupons, pointsLimit: pointsLimit)
}

func returnLines(_ refundID: String, _ child: String, _ lines: [(Int64, Int64)], txnID: String? = nil) -> MallCommand {
    .refund(refundID: refundID, childOrderID: child, kind: .return,
            lines: lines.map { RefundRequestLine(lineNo: $0.0, quantity: $0.1) }, txnID: txnID)
}

func refundOnly(_ refundID: String, _ child: String, _ lines: [(Int64, String)], txnID: String? = nil) -> MallCommand {
    .refund(refundID: refundID, childOrderID: child, kind: .refundOnly,
            lines: lines.map { RefundRequestLine(lineNo: $0.0, amount: money($0.1)) }, txnID: txnID)
}

// MARK: - Applying events

/// Applies a command that must be accepted; returns what it emitted.
@discardableResult
func accept(_ state: inout MallState, _ command: MallCommand, at minutes: Int64,
            file: StaticString = #filePath, line: UInt = #line) -> [MallOutput]
{
    switch state.apply(JournalEvent(line: 1, at: MallFixture.at(minutes), command: command)) {
    case .success(let outputs): return outputs
    case .failure(let refusal):
        XCTFail("refused \(refusal.reason): \(refusal.message)", file: file, line: line)
        return []
    }
}

/// Applies a command that must be refused; checks the state did not change; returns the refusal.
@discardableResult
func refuse(_ state: inout MallState, _ command: MallCommand, at minutes: Int64,
            file: StaticString = #filePath, line: UInt = #line) -> Refusal?
{
    let before = state
    switch state.apply(JournalEvent(line: 1, at: MallFixture.at(minutes), command: command)) {
    case .success(let outputs):
        XCTFail("accepted, emitting \(outputs.count) outputs", file: file, line: line)
        return nil
    case .failure(let refusal):
        XCTAssertEqual(state, before, "a refused event changed the state", file: file, line: line)
        return refusal
    }
}

// MARK: - Picking rows

extension Array where Element == MallOutput {
    var orderLines: [OrderLineRow] { compactMap { if case .orderLine(let row) = $0 { row } else { nil } } }
    var refunds: [RefundRow] { compactMap { if case .refund(let row) = $0 { row } else { nil } } }
    var channels: [ChannelRow] { compactMap { if case .channel(let row) = $0 { row } else { nil } } }
    var repayments: [RepaymentRow] { compactMap { if case .repayment(let row) = $0 { row } else { nil } } }
    var lostPoints: [LostPoints] { compactMap { if case .pointsLost(let row) = $0 { row } else { nil } } }
}

/// A compact, exact view of an orders row: `order/line sku qty×price dp ds freight | points credit cash channel`.
func summary(_ row: OrderLineRow) -> String {
    "\(row.orderID)/\(row.lineNo) \(row.sku) \(row.quantity)×\(row.unitPrice) dp \(row.discountPlatform) "
        + "ds \(row.discountSupplier) fr \(row.freight) | \(row.paidPoints) \(row.paidCredit) \(row.paidCash) \(row.paymentChannel)"
}

/// A compact, exact view of a refunds row: `order/line type qty goods freight | points credit cash`.
func summary(_ row: RefundRow) -> String {
    "\(row.orderID)/\(row.lineNo) \(row.type.rawValue) \(row.quantity) \(row.refundGoods) \(row.refundFreight) "
        + "| \(row.refundPoints) \(row.refundCredit) \(row.refundCash)"
}
