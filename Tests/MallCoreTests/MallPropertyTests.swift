// Property tests of the mall core: random catalogs and random journals (a fixed-seed SplitMix64,
// `SeededGenerator` in TestSupport.swift, so every run replays the same cases) must keep the books:
// tender balance on every order line, refund tenders summing to what is refunded, no tender
// refunded beyond what was paid, everything back exactly once everything is refunded, and a
// refused event changing nothing.

import MallCore
import XCTest

final class MallPropertyTests: XCTestCase {
    // MARK: the tender split of refunds

    /// Exhaustively for small lines: each fen more refunded moves each tender by 0 or 1 fen, the
    /// tenders always sum to the amount refunded, and they end exactly at what was paid.
    func testTenderSplitMovesOneFenAtATimeAndEndsAtWhatWasPaid() {
        var random = SeededGenerator(seed: 0x5445_4E44_4552)
        for _ in 0..<400 {
            let paid = TenderSplit(points: Money(fen: Int64.random(in: 0...60, using: &random)),
                                   credit: Money(fen: [0, Int64.random(in: 0...60, using: &random)].randomElement(using: &random)!),
                                   cash: Money(fen: [0, Int64.random(in: 0...60, using: &random)].randomElement(using: &random)!))
            var previous = TenderSplit.zero
            for refunded in 0...paid.total.fen {
                let now = paid.refunded(cumulative: Money(fen: refunded))
                XCTAssertEqual(now.total, Money(fen: refunded), "\(paid) at \(refunded)")
                let step = now - previous
                for part in [step.points, step.credit, step.cash] {
                    XCTAssertTrue(part >= .zero && part <= Money(fen: 1), "\(paid) at \(refunded): step \(step)")
                }
                previous = now
            }
            XCTAssertEqual(previous, paid)
        }
    }

    /// Large lines, random sequences of partial refunds: no step is negative, each step's tenders
    /// sum to the step, and the sequence ends exactly at what was paid.
    func testTenderSplitOfAnyRefundSequenceNetsExactly() {
        var random = SeededGenerator(seed: 0x4E45_5453)
        for _ in 0..<3_000 {
            let magnitude: Int64 = [100, 100_000, 1_000_000_000_000].randomElement(using: &random)!
            let paid = TenderSplit(points: Money(fen: Int64.random(in: 0...magnitude, using: &random)),
                                   credit: Money(fen: Int64.random(in: 0...magnitude, using: &random)),
                                   cash: Money(fen: Int64.random(in: 0...magnitude, using: &random)))
            let value = paid.total.fen
            var refunded: Int64 = 0
            var total = TenderSplit.zero
            while refunded < value {
                let next = Bool.random(using: &random) ? value : Int64.random(in: refunded...value, using: &random)
                let step = paid.refunded(cumulative: Money(fen: next)) - paid.refunded(cumulative: Money(fen: refunded))
                XCTAssertTrue(step.points >= .zero && step.credit >= .zero && step.cash >= .zero, "\(paid): \(step)")
                XCTAssertEqual(step.total, Money(fen: next - refunded))
                total = total + step
                refunded = next
            }
            XCTAssertEqual(total, paid)
        }
    }

    // MARK: random journals

    func testRandomJournalsKeepTheBooks() {
        var random = SeededGenerator(seed: 0x4A4F_5552_4E41)
        var tally = Tally()
        for journal in 0..<2_000 {
            var driver = JournalDriver(catalog: RandomCatalog.make(&random), journal: journal)
            var book = Book()
            var state = MallState(catalog: driver.catalog)
            let events = Int.random(in: 20...45, using: &random)
            for _ in 0..<events {
                let event = driver.next(state: state, &random)
                play(event, on: &state, book: &book, tally: &tally)
            }
            for event in driver.refundEverything(state: state) {
                play(event, on: &state, book: &book, tally: &tally, mustAccept: true)
            }
            checkEverythingCameBack(state: state, book: book, journal: journal)
        }
        // The journals must exercise every path, else the properties above prove little.
        XCTAssertGreaterThan(tally.accepted["pay", default: 0], 3_000)
        XCTAssertGreaterThan(tally.accepted["refund", default: 0], 3_000)
        XCTAssertGreaterThan(tally.accepted["cancel", default: 0], 1_000)
        XCTAssertGreaterThan(tally.accepted["ship", default: 0], 1_500)
        XCTAssertGreaterThan(tally.accepted["complete", default: 0], 400)
        XCTAssertGreaterThan(tally.lostPoints, 200)
        for reason in ["out_of_order", "duplicate_id", "coupon_not_applicable", "coupon_exhausted", "out_of_stock",
                       "over_refund", "invalid_state", "already_shipped", "credit_limit_exceeded", "missing_channel"]
        {
            XCTAssertGreaterThan(tally.refused[reason, default: 0], 0, reason)
        }
    }

    /// Applies one event and checks every row it emitted against the book of what happened before.
    private func play(_ event: JournalEvent, on state: inout MallState, book: inout Book, tally: inout Tally,
                      mustAccept: Bool = false)
    {
        let before = state
        let result = state.apply(event)
        guard case .success(let outputs) = result else {
            if case .failure(let refusal) = result {
                XCTAssertFalse(mustAccept, "refused \(refusal.reason): \(refusal.message) — \(event.command)")
                tally.refused[refusal.reason, default: 0] += 1
            }
            XCTAssertEqual(state, before, "a refused event changed the state: \(event.command)")
            return
        }
        tally.accepted[event.command.kind, default: 0] += 1
        let isPay = if case .pay = event.command { true } else { false }
        var cashPaid = Money.zero
        var cashRefunded = Money.zero
        for output in outputs {
            switch output {
            case .orderLine(let row):
                XCTAssertTrue(row.goods >= .zero && row.freight >= .zero, "\(row)")
                XCTAssertTrue(row.paidPoints >= .zero && row.paidCredit >= .zero && row.paidCash >= .zero, "\(row)")
                XCTAssertEqual(row.paidPoints + row.paidCredit + row.paidCash, row.goods + row.freight, "tender balance \(row)")
                XCTAssertEqual(row.paymentChannel.isEmpty, row.paidCash == .zero)
                let key = LineKey(order: row.orderID, line: row.lineNo)
                if isPay {
                    XCTAssertNil(row.completedAt)
                    XCTAssertNil(book.lines[key], "paid twice: \(key)")
                    book.lines[key] = LineBook(paid: row)
                    book.credit[row.buyerID, default: .zero] += row.paidCredit
                    cashPaid += row.paidCash
                } else {
                    var expected = book.lines[key]?.paid
                    expected?.completedAt = event.at
                    XCTAssertEqual(row, expected, "a completion repeats the pay row")
                    XCTAssertEqual(book.lines[key]?.isFullyRefunded, false, "a fully refunded line is not completed")
                }
            case .refund(let row):
                let tenders = TenderSplit(points: row.refundPoints, credit: row.refundCredit, cash: row.refundCash)
                XCTAssertTrue(tenders.points >= .zero && tenders.credit >= .zero && tenders.cash >= .zero, "\(row)")
                XCTAssertTrue(row.refundGoods >= .zero && row.refundFreight >= .zero && row.quantity >= 0, "\(row)")
                XCTAssertEqual(tenders.total, row.refundGoods + row.refundFreight, "refund tenders \(row)")
                let key = LineKey(order: row.orderID, line: row.lineNo)
                guard var line = book.lines[key] else { XCTFail("refund of a line never paid: \(key)"); continue }
                line.quantity += row.quantity
                line.goods += row.refundGoods
                line.freight += row.refundFreight
                line.tenders = line.tenders + tenders
                switch row.type {
                case .return: line.restocked += row.quantity
                case .cancel: line.restocked = line.paid.quantity // nothing shipped: every unit is back
                case .refundOnly: break // goods kept
                }
                let paid = line.paid
                XCTAssertLessThanOrEqual(line.quantity, paid.quantity, "\(key)")
                XCTAssertLessThanOrEqual(line.goods, paid.goods, "\(key)")
                XCTAssertLessThanOrEqual(line.freight, paid.freight, "\(key)")
                XCTAssertLessThanOrEqual(line.tenders.points, paid.paidPoints, "\(key)")
                XCTAssertLessThanOrEqual(line.tenders.credit, paid.paidCredit, "\(key)")
                XCTAssertLessThanOrEqual(line.tenders.cash, paid.paidCash, "\(key)")
                book.lines[key] = line
                book.credit[paid.buyerID, default: .zero] -= tenders.credit
                cashRefunded += tenders.cash
                let seen = state.line(row.orderID, lineNo: row.lineNo)
                XCTAssertEqual(seen?.refunded, line.tenders)
                XCTAssertEqual(seen?.refundedGoods, line.goods)
                XCTAssertEqual(seen?.refundedQuantity, line.quantity)
            case .channel(let row):
                XCTAssertGreaterThan(row.amount, .zero)
                XCTAssertEqual(row.occurredAt, event.at)
                switch row.kind {
                case .pay:
                    XCTAssertEqual(row.amount, cashPaid, "the pay row is the order's cash")
                    XCTAssertEqual(row.fee, row.amount.applying(Rate(ppm: 6_000)))
                case .refund:
                    XCTAssertEqual(row.amount, cashRefunded, "the refund row is the refund's cash")
                    XCTAssertEqual(row.fee, .zero)
                }
            case .repayment(let row):
                book.credit[row.buyerID, default: .zero] -= row.amount
            case .pointsLost(let lost):
                XCTAssertGreaterThan(lost.amount, .zero)
                XCTAssertLessThanOrEqual(lost.expiredAt, event.at)
                tally.lostPoints += 1
            }
        }
        if cashPaid > .zero { XCTAssertEqual(outputs.channels.filter { $0.kind == .pay }.count, 1) }
        if cashRefunded > .zero { XCTAssertEqual(outputs.channels.filter { $0.kind == .refund }.count, 1) }
        for buyer in state.catalog.buyers {
            XCTAssertEqual(state.creditUsed(by: buyer.id), book.credit[buyer.id, default: .zero], buyer.id)
            XCTAssertGreaterThanOrEqual(state.pointsBalance(of: buyer.id, at: event.at) ?? .zero, .zero)
        }
        var expectedStock = Dictionary(uniqueKeysWithValues: state.catalog.skus.map { ($0.sku, $0.stock) })
        for line in book.lines.values { expectedStock[line.paid.sku, default: 0] -= line.paid.quantity - line.restocked }
        for sku in state.catalog.skus {
            XCTAssertEqual(state.stockLeft(of: sku.sku), expectedStock[sku.sku], sku.sku)
            XCTAssertGreaterThanOrEqual(state.stockLeft(of: sku.sku) ?? -1, 0)
        }
    }

    /// After `refundEverything`: every order is cancelled or closed; every line has had back all of its
    /// goods and every tender in proportion — exactly what was paid where freight came back too.
    private func checkEverythingCameBack(state: MallState, book: Book, journal: Int) {
        for (key, line) in book.lines {
            let paid = line.paid
            XCTAssertEqual(line.goods, paid.goods, "journal \(journal) \(key)")
            let paidTenders = TenderSplit(points: paid.paidPoints, credit: paid.paidCredit, cash: paid.paidCash)
            XCTAssertEqual(line.tenders, paidTenders.refunded(cumulative: line.goods + line.freight), "journal \(journal) \(key)")
            if line.freight == paid.freight {
                XCTAssertEqual(line.tenders, paidTenders, "journal \(journal) \(key): every tender back exactly")
            }
            let status = state.status(ofOrder: paid.parentOrderID)
            XCTAssertTrue(status == .cancelled || status == .closed, "journal \(journal) \(paid.parentOrderID): \(String(describing: status))")
        }
    }
}

// MARK: - Bookkeeping of emitted rows

private struct LineKey: Hashable, CustomStringConvertible {
    var order: String
    var line: Int64
    var description: String { "\(order)/\(line)" }
}

private struct LineBook {
    var paid: OrderLineRow
    var quantity: Int64 = 0
    var goods = Money.zero
    var freight = Money.zero
    var tenders = TenderSplit.zero
    /// Units back in stock: returned, or all of them on cancellation.
    var restocked: Int64 = 0
    var isFullyRefunded: Bool { paid.goods > .zero ? goods == paid.goods : quantity == paid.quantity }
}

private struct Book {
    var lines: [LineKey: LineBook] = [:]
    var credit: [String: Money] = [:]
}

private struct Tally {
    var accepted: [String: Int] = [:]
    var refused: [String: Int] = [:]
    var lostPoints = 0
}

private extension MallCommand {
    var kind: String {
        switch self {
        case .placeOrder: "place"
        case .pay: "pay"
        case .cancel: "cancel"
        case .ship: "ship"
        case .complete: "complete"
        case .refund: "refund"
        case .grantPoints: "grant"
        case .repay: "repay"
        }
    }
}

// MARK: - Random catalogs

private enum RandomCatalog {
    static let categories = ["digital", "digital/phone", "digital/phone/android", "office", "digitalx"]
    static let levels = ["", "gold", "silver"]

    static func make(_ random: inout SeededGenerator) -> Catalog {
        let supplierIDs = ["S-b", "S-a", "S-c"].prefix(Int.random(in: 1...3, using: &random))
        let suppliers = supplierIDs.map { id in
            let pricing: PricingMode = switch Int.random(in: 0..<3, using: &random) {
            case 0: .fixed
            case 1: .costPlus(markup: Rate(ppm: Int64.random(in: 0...500_000, using: &random)))
            default: .marketMinus(discount: Rate(ppm: Int64.random(in: 0...500_000, using: &random)))
            }
            let freeOver: Money? = Bool.random(using: &random) ? Money(fen: Int64.random(in: 0...20_000, using: &random)) : nil
            return CatalogSupplier(id: id, pricing: pricing,
                                   freight: FreightRule(flat: Money(fen: Int64.random(in: 0...1_000, using: &random)),
                                                        freeOver: freeOver))
        }
        let skus = (0..<Int.random(in: 2...6, using: &random)).map { index in
            let market = Int64.random(in: 1...20_000, using: &random)
            var levelPrices: [String: Money] = [:]
            if Int.random(in: 0..<4, using: &random) == 0 { levelPrices["gold"] = Money(fen: Int64.random(in: 0...market, using: &random)) }
            let tiers = (0..<Int.random(in: 0...2, using: &random)).map { _ in
                TierPrice(minQuantity: Int64.random(in: 1...4, using: &random), unitPrice: Money(fen: Int64.random(in: 0...market, using: &random)))
            }
            return CatalogSKU(sku: "K\(index)", spu: "P\(index)", supplierID: supplierIDs.randomElement(using: &random)!,
                              category: categories.randomElement(using: &random)!, marketPrice: Money(fen: market),
                              costPrice: Money(fen: Int64.random(in: 0...market, using: &random)),
                              salePrice: Bool.random(using: &random) ? Money(fen: Int64.random(in: 0...market, using: &random)) : nil,
                              stock: Int64.random(in: 0...30, using: &random), levelPrices: levelPrices, tiers: tiers)
        }
        let buyers = (0..<Int.random(in: 2...3, using: &random)).map { index in
            Buyer(id: "B\(index)", level: levels.randomElement(using: &random)!, paysOnCredit: Bool.random(using: &random),
                  creditLimit: Money(fen: Int64.random(in: 0...100_000, using: &random)),
                  frozen: Int.random(in: 0..<8, using: &random) == 0)
        }
        let coupons = (0..<Int.random(in: 0...3, using: &random)).map { index in
            let kind: CouponKind = Bool.random(using: &random)
                ? .amountOff(Money(fen: Int64.random(in: 1...3_000, using: &random)))
                : .percentOff(Rate(ppm: Int64.random(in: 1...1_000_000, using: &random)),
                              cap: Bool.random(using: &random) ? Money(fen: Int64.random(in: 0...2_000, using: &random)) : nil)
            var scope = CouponScope()
            switch Int.random(in: 0..<4, using: &random) {
            case 0: scope.supplierID = supplierIDs.randomElement(using: &random)
            case 1: scope.category = ["digital", "office", "digital/phone"].randomElement(using: &random)
            case 2: scope.skus = skus.map(\.sku).filter { _ in Bool.random(using: &random) }
            default: break
            }
            let from = JournalDriver.start + Int64.random(in: -600...600, using: &random) * 60 * Instant.nanosPerSecond
            return Coupon(id: "C\(index)", kind: kind, threshold: Money(fen: Int64.random(in: 0...10_000, using: &random)),
                          scope: scope, validFrom: Instant(nanos: from),
                          validTo: Instant(nanos: from + Int64.random(in: 1...5_000, using: &random) * 60 * Instant.nanosPerSecond),
                          fundedBy: Bool.random(using: &random) ? .platform : .supplier,
                          perBuyerLimit: Int.random(in: 0...3, using: &random))
        }
        let contracts = buyers.compactMap { buyer -> PriceContract? in
            guard Int.random(in: 0..<4, using: &random) == 0 else { return nil }
            return PriceContract(buyerID: buyer.id, sku: skus.randomElement(using: &random)!.sku,
                                 unitPrice: Money(fen: Int64.random(in: 0...20_000, using: &random)))
        }
        return Catalog(suppliers: suppliers, skus: skus, levelRatios: ["gold": Rate(ppm: Int64.random(in: 500_000...1_000_000, using: &random))],
                       contracts: contracts, coupons: coupons, buyers: buyers,
                       channels: [ChannelTerms(channel: "wechat", feeRate: Rate(ppm: 6_000))],
                       pointsCap: Rate(ppm: [1_000_000, 500_000, Int64.random(in: 0...1_000_000, using: &random)].randomElement(using: &random)!))
    }
}

// MARK: - Random journals

/// Writes plausible events (and some implausible ones) against what the state knows.
private struct JournalDriver {
    static let start: Int64 = 1_793_671_200 * Instant.nanosPerSecond
    static let nanosPerMinute: Int64 = 60 * Instant.nanosPerSecond

    let catalog: Catalog
    let journal: Int
    var clock = JournalDriver.start
    var orderIDs: [String] = []
    var serial = 0

    init(catalog: Catalog, journal: Int) {
        self.catalog = catalog
        self.journal = journal
    }

    mutating func newID(_ prefix: String) -> String {
        serial += 1
        return "\(prefix)\(serial)"
    }

    mutating func next(state: MallState, _ random: inout SeededGenerator) -> JournalEvent {
        var at = clock
        if Int.random(in: 0..<50, using: &random) == 0 {
            at -= JournalDriver.nanosPerMinute // out of order: refused, the clock stays
        } else {
            clock += Int64.random(in: 0...180, using: &random) * JournalDriver.nanosPerMinute
            at = clock
        }
        return JournalEvent(line: serial, at: Instant(nanos: at), command: command(state: state, at: at, &random))
    }

    private mutating func command(state: MallState, at: Int64, _ random: inout SeededGenerator) -> MallCommand {
        let buyer = Int.random(in: 0..<40, using: &random) == 0 ? "nobody" : catalog.buyers.randomElement(using: &random)!.id
        let roll = Int.random(in: 0..<100, using: &random)
        if roll < 10 {
            let expires = at + Int64.random(in: -60...7_200, using: &random) * JournalDriver.nanosPerMinute
            let id = Int.random(in: 0..<30, using: &random) == 0 && serial > 0 ? "G1" : newID("G")
            return .grantPoints(grantID: id, buyerID: buyer, amount: Money(fen: Int64.random(in: 1...5_000, using: &random)),
                                expiresAt: Instant(nanos: expires))
        }
        if roll < 35 || orderIDs.isEmpty {
            let cart = (0..<Int.random(in: 1...4, using: &random)).map { _ in
                CartLine(sku: Int.random(in: 0..<60, using: &random) == 0 ? "none" : catalog.skus.randomElement(using: &random)!.sku,
                         quantity: Int.random(in: 0..<60, using: &random) == 0 ? 0 : Int64.random(in: 1...4, using: &random))
            }
            let coupons = catalog.coupons.map(\.id).filter { _ in Int.random(in: 0..<4, using: &random) == 0 }
            let limit: Money? = Int.random(in: 0..<5, using: &random) == 0 ? Money(fen: Int64.random(in: 0...3_000, using: &random)) : nil
            let id = Int.random(in: 0..<40, using: &random) == 0 ? orderIDs.first ?? newID("O") : newID("O")
            if !orderIDs.contains(id) { orderIDs.append(id) }
            return .placeOrder(orderID: id, buyerID: buyer, lines: cart, coupons: coupons, pointsLimit: limit)
        }
        // Mostly events that fit the order's state, sometimes any order at all.
        let wild = Int.random(in: 0..<10, using: &random) == 0
        func pick(_ wanted: (MallOrderStatus) -> Bool) -> String {
            let fitting = orderIDs.filter { state.status(ofOrder: $0).map(wanted) ?? false }
            return wild || fitting.isEmpty ? orderIDs.randomElement(using: &random)! : fitting.randomElement(using: &random)!
        }
        func child(of order: String, _ wanted: (MallChildOrderState) -> Bool = { _ in true }) -> String {
            let children = state.childOrderIDs(of: order) ?? ["\(order)-1"]
            let fitting = children.filter { state.childOrder($0).map(wanted) ?? false }
            return wild || fitting.isEmpty ? children.randomElement(using: &random)! : fitting.randomElement(using: &random)!
        }
        switch roll {
        case 35..<55:
            return .pay(orderID: pick { $0 == .placed }, channel: Int.random(in: 0..<10, using: &random) == 0 ? nil : "wechat",
                        txnID: nil)
        case 55..<65:
            return .ship(childOrderID: child(of: pick { $0 == .paid }) { !$0.shipped })
        case 65..<72:
            return .complete(childOrderID: child(of: pick { $0 == .paid }) { $0.shipped && $0.completedAt == nil })
        case 72..<76:
            return .cancel(orderID: pick { $0 == .placed || $0 == .paid },
                           refundID: Int.random(in: 0..<5, using: &random) == 0 ? nil : newID("RF"))
        case 76..<95:
            return refund(child: child(of: pick { $0 == .paid }), state: state, &random)
        default:
            return .repay(repaymentID: newID("RP"), buyerID: buyer, amount: Money(fen: Int64.random(in: 1...20_000, using: &random)))
        }
    }

    private mutating func refund(child: String, state: MallState, _ random: inout SeededGenerator) -> MallCommand {
        let lineCount = Int64(state.childOrder(child)?.lineCount ?? 1)
        let kind: RefundKind = Bool.random(using: &random) ? .return : .refundOnly
        var lineNos = Array(1...lineCount).filter { _ in Bool.random(using: &random) }
        if lineNos.isEmpty || Int.random(in: 0..<40, using: &random) == 0 { lineNos.append(lineCount + (lineNos.isEmpty ? 0 : 1)) }
        let requests = lineNos.map { lineNo -> RefundRequestLine in
            let line = state.line(child, lineNo: lineNo)
            switch kind {
            case .return:
                return RefundRequestLine(lineNo: lineNo, quantity: Int64.random(in: 1...3, using: &random))
            case .refundOnly:
                let left = (line?.goods ?? .zero) - (line?.refundedGoods ?? .zero)
                let amount = switch Int.random(in: 0..<4, using: &random) {
                case 0: left
                case 1: left + Money(fen: 1)
                default: Money(fen: Int64.random(in: 0...max(0, left.fen), using: &random))
                }
                return RefundRequestLine(lineNo: lineNo, quantity: Int64.random(in: 0...1, using: &random), amount: amount)
            }
        }
        return .refund(refundID: newID("R"), childOrderID: child, kind: kind, lines: requests, txnID: nil)
    }

    /// Events that take back everything still out: an unpaid order is cancelled; a paid one with no
    /// child shipped is cancelled (every tender back exactly); otherwise every child is shipped,
    /// the units not yet refunded are returned and the goods still left are refunded.
    mutating func refundEverything(state: MallState) -> [JournalEvent] {
        clock += JournalDriver.nanosPerMinute
        let at = Instant(nanos: clock)
        var events: [JournalEvent] = []
        func add(_ command: MallCommand) { events.append(JournalEvent(line: 0, at: at, command: command)) }
        for order in orderIDs {
            guard let status = state.status(ofOrder: order), status == .placed || status == .paid else { continue }
            let children = state.childOrderIDs(of: order)!
            let shipped = children.contains { state.childOrder($0)!.shipped }
            if status == .placed || !shipped {
                add(.cancel(orderID: order, refundID: status == .placed ? nil : newID("RF-END")))
                continue
            }
            for child in children {
                let record = state.childOrder(child)!
                let open = (1...Int64(record.lineCount)).filter { !state.line(child, lineNo: $0)!.isFullyRefunded }
                guard !open.isEmpty else { continue }
                if !record.shipped { add(.ship(childOrderID: child)) }
                let returns = open.compactMap { lineNo -> RefundRequestLine? in
                    let line = state.line(child, lineNo: lineNo)!
                    let units = line.quantity - line.refundedQuantity
                    return units > 0 ? RefundRequestLine(lineNo: lineNo, quantity: units) : nil
                }
                if !returns.isEmpty {
                    add(.refund(refundID: newID("R-END"), childOrderID: child, kind: .return, lines: returns, txnID: nil))
                }
                // What the returns leave of the goods (a line whose units went partly by refund only).
                let rest = open.compactMap { lineNo -> RefundRequestLine? in
                    let line = state.line(child, lineNo: lineNo)!
                    let units = line.quantity - line.refundedQuantity
                    let back = units > 0
                        ? cumulativeDifference(of: line.goods, from: Share(line.returnedQuantity, of: line.quantity),
                                               to: Share(line.returnedQuantity + units, of: line.quantity))
                        : .zero
                    let left = line.goods - line.refundedGoods - min(back, line.goods - line.refundedGoods)
                    return left > .zero ? RefundRequestLine(lineNo: lineNo, amount: left) : nil
                }
                if !rest.isEmpty {
                    add(.refund(refundID: newID("R-END"), childOrderID: child, kind: .refundOnly, lines: rest, txnID: nil))
                }
            }
        }
        return events
    }
}
