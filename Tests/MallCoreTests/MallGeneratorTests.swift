// MallGeneratorTests: the journal generator is deterministic, writes a valid configuration,
// refers only to what its catalog holds, follows the mall core's rules event by event, and
// shows the shapes a real mall has (rhythms, carts, coupons, points, credit, after-sale).

import Foundation
@testable import MallCore
import XCTest

final class MallGeneratorTests: XCTestCase {
    /// The small run most tests read: 20 days × 200 orders, 12 suppliers, 300 buyers.
    static let small = MallGenerator(settings: GeneratorSettings(days: 20, ordersPerDay: 200, suppliers: 12, buyers: 300, seed: 42))
    static let smallEvents = Array(small.events())

    // MARK: Determinism

    func testSameSeedGivesTheSameCatalogConfigAndEvents() {
        let again = MallGenerator(settings: Self.small.settings)
        XCTAssertEqual(again.catalog, Self.small.catalog)
        XCTAssertEqual(again.configJSON(), Self.small.configJSON())
        XCTAssertEqual(Array(again.events()), Self.smallEvents)
        XCTAssertEqual(Array(Self.small.events()), Self.smallEvents, "iterating twice gives the same journal")
    }

    func testDifferentSeedGivesADifferentMall() {
        var settings = Self.small.settings
        settings.seed = 43
        let other = MallGenerator(settings: settings)
        XCTAssertNotEqual(other.catalog, Self.small.catalog)
        XCTAssertNotEqual(Array(other.events().prefix(500)), Array(Self.smallEvents.prefix(500)))
    }

    // MARK: Order, lines, ids

    func testEventsAreInTimeOrderWithLinesAndUniqueIDs() {
        let events = Self.smallEvents
        XCTAssertGreaterThan(events.count, 10_000)
        var orders = Set<String>(), refunds = Set<String>(), grants = Set<String>(), repayments = Set<String>()
        var txns = Set<String>()
        for (index, event) in events.enumerated() {
            XCTAssertEqual(event.line, index + 1)
            if index > 0 { XCTAssertLessThanOrEqual(events[index - 1].at, event.at, "line \(event.line)") }
            switch event.command {
            case .placeOrder(let id, _, _, _, _): XCTAssertTrue(orders.insert(id).inserted, id)
            case .cancel(_, let refund?): XCTAssertTrue(refunds.insert(refund).inserted, refund)
            case .refund(let id, _, _, _, let txn):
                XCTAssertTrue(refunds.insert(id).inserted, id)
                if let txn { XCTAssertTrue(txns.insert(txn).inserted, txn) }
            case .pay(_, _, let txn?): XCTAssertTrue(txns.insert(txn).inserted, txn)
            case .grantPoints(let id, _, _, _): XCTAssertTrue(grants.insert(id).inserted, id)
            case .repay(let id, _, _): XCTAssertTrue(repayments.insert(id).inserted, id)
            default: break
            }
        }
        XCTAssertEqual(orders.count, 20 * 200, "the run places exactly days × orders per day")
    }

    func testIDsCarryTheirBusinessDate() throws {
        let calendar = try XCTUnwrap(BusinessCalendar(timezone: "Asia/Shanghai"))
        for event in Self.smallEvents {
            let date = calendar.businessDate(of: event.at).compact
            switch event.command {
            case .placeOrder(let id, _, _, _, _):
                XCTAssertTrue(id.hasPrefix("O" + date) && id.count == 14, id)
            case .refund(let id, let child, _, _, _):
                XCTAssertTrue(id.hasPrefix("R" + date), id)
                XCTAssertNotNil(child.range(of: #"^O\d{13}-\d+$"#, options: .regularExpression), child)
            case .grantPoints(let id, _, _, _): XCTAssertTrue(id.hasPrefix("G" + date), id)
            case .repay(let id, _, _): XCTAssertTrue(id.hasPrefix("P" + date), id)
            case .ship(let child), .complete(let child):
                XCTAssertNotNil(child.range(of: #"^O\d{13}-\d+$"#, options: .regularExpression), child)
            default: break
            }
        }
    }

    // MARK: Configuration

    func testConfigParsesAndNamesEverySupplierAndDealer() throws {
        let generator = Self.small
        let config = try parseConfig(generator)
        let suppliers = try XCTUnwrap(config["suppliers"] as? [[String: Any]])
        XCTAssertEqual(suppliers.compactMap { $0["id"] as? String }, generator.catalog.suppliers.map(\.id))
        for supplier in suppliers {
            let cycle = try XCTUnwrap(supplier["cycle"] as? String)
            XCTAssertEqual(supplier["cycle_day"] != nil, cycle == "monthly" || cycle == "weekly", "\(supplier)")
            XCTAssertNotNil(supplier["name"] as? String)
            XCTAssertNotNil(supplier["entity"] as? String)
        }
        let skuIDs = Set(generator.catalog.skus.map(\.sku))
        let supplierIDs = Set(generator.catalog.suppliers.map(\.id))
        let rules = try XCTUnwrap(config["fee_rules"] as? [[String: Any]])
        for rule in rules {
            if let sku = rule["sku"] as? String { XCTAssertTrue(skuIDs.contains(sku), sku) }
            if let supplier = rule["supplier_id"] as? String { XCTAssertTrue(supplierIDs.contains(supplier), supplier) }
            XCTAssertTrue((rule["rate_ppm"] == nil) != (rule["per_unit"] == nil), "\(rule)")
        }
        XCTAssertEqual(Set(rules.compactMap { $0["fee"] as? String }),
                       ["commission", "payment_fee", "refund_admin", "delivery_fee", "warehousing_fee", "return_service_fee"])
        XCTAssertTrue(rules.contains { $0["effective_from"] != nil })
        XCTAssertTrue(rules.contains { $0["effective_to"] != nil })
        XCTAssertTrue(rules.contains { $0["sku"] != nil })
        XCTAssertTrue(rules.contains { $0["category"] != nil && $0["supplier_id"] != nil })
        let accounts = try XCTUnwrap(config["credit_accounts"] as? [[String: Any]])
        let dealers = generator.catalog.buyers.filter(\.paysOnCredit)
        XCTAssertEqual(accounts.compactMap { $0["buyer_id"] as? String }, dealers.map(\.id))
        XCTAssertEqual(accounts.compactMap { $0["limit"] as? String }, dealers.map { $0.creditLimit.description })
        XCTAssertEqual((config["rebates"] as? [Any])?.count, 0)
    }

    func testEveryModeCycleAndTriggerOnceThereAreEightSuppliers() throws {
        for count in [8, 9, 25] {
            let generator = MallGenerator(settings: GeneratorSettings(days: 2, ordersPerDay: 10, suppliers: count, buyers: 40, seed: UInt64(count)))
            let suppliers = try XCTUnwrap(try parseConfig(generator)["suppliers"] as? [[String: Any]])
            XCTAssertEqual(suppliers.count, count)
            XCTAssertEqual(Set(suppliers.compactMap { $0["mode"] as? String }), ["commission", "purchase"])
            XCTAssertEqual(Set(suppliers.compactMap { $0["ships"] as? String }), ["supplier", "platform"])
            XCTAssertEqual(Set(suppliers.compactMap { $0["cycle"] as? String }), ["monthly", "semimonthly", "weekly", "daily"])
            XCTAssertEqual(Set(suppliers.compactMap { $0["settle_on"] as? String }), ["completed", "paid"])
            let rules = try XCTUnwrap(try parseConfig(generator)["fee_rules"] as? [[String: Any]])
            XCTAssertTrue(rules.contains { $0["rate_ppm"] != nil })
            XCTAssertTrue(rules.contains { $0["per_unit"] != nil })
        }
    }

    // MARK: Catalog

    func testCatalogHasTheShapeOfARealMall() {
        let catalog = Self.small.catalog
        let bySupplier = Dictionary(grouping: catalog.skus, by: \.supplierID)
        XCTAssertEqual(bySupplier.count, catalog.suppliers.count)
        for (_, skus) in bySupplier { XCTAssertTrue((5...40).contains(skus.count), "\(skus.count) SKUs") }
        for (_, skus) in Dictionary(grouping: catalog.skus, by: \.spu) { XCTAssertTrue((1...4).contains(skus.count)) }
        XCTAssertEqual(catalog.skus.map(\.sku), catalog.skus.map(\.sku).sorted(), "SKUs in id order")
        for sku in catalog.skus {
            XCTAssertTrue((2...3).contains(sku.category.split(separator: "/").count), sku.category)
            for price in [sku.marketPrice, sku.costPrice] + [sku.salePrice].compactMap({ $0 }) + Array(sku.levelPrices.values)
                + sku.tiers.map(\.unitPrice) {
                XCTAssertGreaterThan(price.fen, 0)
                XCTAssertEqual(price.fen % 10, 0, "\(sku.sku) price \(price) is whole or .x0")
            }
            XCTAssertGreaterThan(sku.stock, 0)
        }
        var modes = Set<String>()
        for supplier in catalog.suppliers {
            switch supplier.pricing {
            case .fixed: modes.insert("fixed")
            case .costPlus: modes.insert("cost_plus")
            case .marketMinus: modes.insert("market_minus")
            }
            XCTAssertTrue((0...1200).contains(supplier.freight.flat.fen))
        }
        XCTAssertEqual(modes, ["fixed", "cost_plus", "market_minus"])
        XCTAssertTrue(catalog.suppliers.contains { $0.freight.freeOver == Money(fen: 9900) })
        XCTAssertEqual(catalog.levelRatios.keys.sorted(), ["enterprise", "gold"])
        XCTAssertTrue(catalog.skus.contains { !$0.levelPrices.isEmpty })
        XCTAssertTrue(catalog.skus.contains { !$0.tiers.isEmpty })
        XCTAssertFalse(catalog.contracts.isEmpty)
        XCTAssertTrue(catalog.contracts.allSatisfy { $0.unitPrice.fen % 10 == 0 })
        XCTAssertTrue(catalog.buyers.contains { $0.level == "standard" })
        XCTAssertTrue(catalog.buyers.contains { $0.level == "gold" })
        XCTAssertTrue(catalog.buyers.contains { $0.paysOnCredit && $0.level == "enterprise" && $0.creditLimit.fen > 0 })
        XCTAssertTrue(catalog.buyers.contains { $0.frozen })
        XCTAssertEqual(Set(catalog.channels.map(\.channel)), ["wechat", "alipay", "unionpay"])
        let coupons = catalog.coupons
        XCTAssertTrue(coupons.contains { if case .amountOff = $0.kind { return true } else { return false } })
        XCTAssertTrue(coupons.contains { if case .percentOff = $0.kind { return true } else { return false } })
        XCTAssertEqual(Set(coupons.map(\.fundedBy)), [.platform, .supplier])
        XCTAssertTrue(coupons.contains { $0.scope.supplierID != nil })
        XCTAssertTrue(coupons.contains { $0.scope.category != nil })
        XCTAssertTrue(coupons.contains { !$0.scope.skus.isEmpty })
        XCTAssertTrue(coupons.allSatisfy { $0.validFrom < $0.validTo })
    }

    func testEverythingTheJournalNamesIsInTheCatalog() {
        let catalog = Self.small.catalog
        let skus = Set(catalog.skus.map(\.sku)), buyers = Set(catalog.buyers.map(\.id)), coupons = Set(catalog.coupons.map(\.id))
        let channels = Set(catalog.channels.map(\.channel))
        var orders = Set<String>()
        var children = Set<String>()
        for event in Self.smallEvents {
            switch event.command {
            case .placeOrder(let id, let buyer, let lines, let used, _):
                orders.insert(id)
                XCTAssertTrue(buyers.contains(buyer), buyer)
                XCTAssertFalse(lines.isEmpty)
                for line in lines { XCTAssertTrue(skus.contains(line.sku), line.sku); XCTAssertGreaterThan(line.quantity, 0) }
                for coupon in used { XCTAssertTrue(coupons.contains(coupon), coupon) }
                let suppliers = Set(lines.map { supplierOf($0.sku) })
                for k in 1...suppliers.count { children.insert(id + "-" + String(k)) }
            case .pay(let id, let channel, _):
                XCTAssertTrue(orders.contains(id), id)
                if let channel { XCTAssertTrue(channels.contains(channel), channel) }
            case .cancel(let id, _): XCTAssertTrue(orders.contains(id), id)
            case .ship(let child), .complete(let child): XCTAssertTrue(children.contains(child), child)
            case .refund(_, let child, _, _, _): XCTAssertTrue(children.contains(child), child)
            case .grantPoints(_, let buyer, _, _), .repay(_, let buyer, _): XCTAssertTrue(buyers.contains(buyer), buyer)
            }
        }
    }

    // MARK: The core's rules

    func testTheJournalFollowsTheCoreRules() {
        let problems = RuleCheck(catalog: Self.small.catalog).problems(in: Self.smallEvents)
        XCTAssertEqual(problems, [], problems.prefix(10).joined(separator: "\n"))
    }

    func testTheRuleCheckCatchesBrokenJournals() throws {
        let check = RuleCheck(catalog: Self.small.catalog)
        let events = Self.smallEvents
        func renumbered(_ events: [JournalEvent]) -> [JournalEvent] {
            events.enumerated().map { JournalEvent(line: $0.offset + 1, at: $0.element.at, command: $0.element.command) }
        }
        // A payment before its order.
        let pay = try XCTUnwrap(events.firstIndex { if case .pay = $0.command { return true } else { return false } })
        var early = events
        early.insert(JournalEvent(line: 0, at: events[0].at, command: events[pay].command), at: 0)
        XCTAssertFalse(check.problems(in: renumbered(early)).isEmpty)
        // A return of more units than were bought.
        let ret = try XCTUnwrap(events.firstIndex { if case .refund(_, _, .return, _, _) = $0.command { return true } else { return false } })
        guard case .refund(let id, let child, _, let lines, let txn) = events[ret].command else { return XCTFail() }
        var over = events
        over[ret].command = .refund(refundID: id, childOrderID: child, kind: .return,
                                    lines: [RefundRequestLine(lineNo: lines[0].lineNo, quantity: 1_000_000)], txnID: txn)
        XCTAssertFalse(check.problems(in: over).isEmpty)
        // A cancellation after payment without a refund id (an employee's: a frozen dealer's
        // refused payment leaves nothing to refund).
        var employeeOrders = Set<String>()
        for event in events {
            if case .placeOrder(let id, let buyer, _, _, _) = event.command, buyer.hasPrefix("EMP-") { employeeOrders.insert(id) }
        }
        let cancel = try XCTUnwrap(events.firstIndex {
            if case .cancel(let id, _?) = $0.command { return employeeOrders.contains(id) } else { return false }
        })
        guard case .cancel(let order, _) = events[cancel].command else { return XCTFail() }
        var bare = events
        bare[cancel].command = .cancel(orderID: order, refundID: nil)
        XCTAssertFalse(check.problems(in: bare).isEmpty)
        // Events out of time order.
        var swapped = events
        swapped.swapAt(100, 5000)
        XCTAssertFalse(check.problems(in: swapped).isEmpty)
    }

    func testRulesHoldInAnotherZoneAcrossADaylightSavingChange() {
        // US daylight saving time ends on 2026-11-01: one local day has 25 hours.
        let generator = MallGenerator(settings: GeneratorSettings(days: 6, ordersPerDay: 150, suppliers: 9, buyers: 120, seed: 5,
                                                                  start: day("2026-10-29"), timezone: "America/New_York"))
        let events = Array(generator.events())
        XCTAssertEqual(RuleCheck(catalog: generator.catalog).problems(in: events), [])
        XCTAssertEqual(generator.catalog.timezone, "America/New_York")
        for (index, event) in events.enumerated().dropFirst() { XCTAssertLessThanOrEqual(events[index - 1].at, event.at) }
        XCTAssertTrue(generator.configJSON().contains("\"timezone\": \"America/New_York\""))
    }

    // MARK: Shape of a small run

    func testASmallRunShowsEveryKindOfActivity() {
        let catalog = Self.small.catalog
        let dealers = Set(catalog.buyers.filter(\.paysOnCredit).map(\.id))
        var multiSupplier = 0, placed = 0, dealerOrders = 0, twoCoupons = 0
        var couponsUsed = Set<String>(), channels = Set<String>()
        var pointsLimits = Set<String>()
        var kinds: [String: Int] = [:]
        var shipped = Set<String>(), completed = Set<String>()
        for event in Self.smallEvents {
            switch event.command {
            case .placeOrder(_, let buyer, let lines, let coupons, let limit):
                placed += 1
                if Set(lines.map { supplierOf($0.sku) }).count > 1 { multiSupplier += 1 }
                if dealers.contains(buyer) { dealerOrders += 1 }
                couponsUsed.formUnion(coupons)
                if coupons.count == 2 { twoCoupons += 1 }
                pointsLimits.insert(limit == nil ? "cap" : (limit == .zero ? "none" : "part"))
            case .pay(_, let channel, _):
                kinds["pay", default: 0] += 1
                channels.insert(channel ?? "credit")
            case .cancel(_, let refund): kinds[refund == nil ? "cancel before payment" : "cancel after payment", default: 0] += 1
            case .ship(let child): shipped.insert(child)
            case .complete(let child): completed.insert(child)
            case .refund(_, _, let kind, _, _): kinds[kind.rawValue, default: 0] += 1
            case .grantPoints: kinds["grant", default: 0] += 1
            case .repay: kinds["repay", default: 0] += 1
            }
        }
        XCTAssertTrue((0.12...0.32).contains(Double(multiSupplier) / Double(placed)), "multi-supplier carts: \(multiSupplier) of \(placed)")
        XCTAssertTrue((0.05...0.30).contains(Double(dealerOrders) / Double(placed)), "dealer orders: \(dealerOrders)")
        XCTAssertGreaterThan(couponsUsed.count, 3)
        XCTAssertGreaterThan(twoCoupons, 0)
        let usedCoupons = catalog.coupons.filter { couponsUsed.contains($0.id) }
        XCTAssertEqual(Set(usedCoupons.map(\.fundedBy)), [.platform, .supplier])
        XCTAssertEqual(channels, ["wechat", "alipay", "unionpay", "credit"])
        XCTAssertEqual(pointsLimits, ["cap", "none", "part"])
        for kind in ["grant", "repay", "refund_only", "return", "cancel before payment", "cancel after payment"] {
            XCTAssertGreaterThan(kinds[kind, default: 0], 0, kind)
        }
        XCTAssertLessThan(kinds["pay", default: 0], placed, "some orders are never paid")
        let refunds = kinds["refund_only", default: 0] + kinds["return", default: 0]
        XCTAssertTrue((0.01...0.08).contains(Double(refunds) / Double(placed)), "\(refunds) after-sales")
        XCTAssertFalse(shipped.subtracting(completed).isEmpty, "some shipped child orders are never completed")
        XCTAssertGreaterThan(Double(completed.count) / Double(shipped.count), 0.7)
    }

    func testOrdersFollowTheDailyAndWeeklyRhythm() throws {
        let calendar = try XCTUnwrap(BusinessCalendar(timezone: "Asia/Shanghai"))
        var byHour = [Int](repeating: 0, count: 24)
        var byDay: [Day: Int] = [:]
        for event in Self.smallEvents {
            guard case .placeOrder = event.command else { continue }
            let local = event.at.epochSeconds + Int64(calendar.offsetSeconds(at: event.at))
            byHour[Int(local % 86_400 / 3600)] += 1
            byDay[calendar.businessDate(of: event.at), default: 0] += 1
        }
        let night = byHour[2...5].reduce(0, +), lunch = byHour[11...13].reduce(0, +), evening = byHour[19...22].reduce(0, +)
        XCTAssertGreaterThan(lunch, 4 * night, "\(byHour)")
        XCTAssertGreaterThan(evening, 4 * night, "\(byHour)")
        XCTAssertGreaterThan(byHour[12], byHour[16])
        let saturday = try XCTUnwrap(byDay[day("2026-10-10")]), wednesday = try XCTUnwrap(byDay[day("2026-10-14")])
        XCTAssertNotEqual(saturday, wednesday)
        XCTAssertGreaterThan(try XCTUnwrap(byDay[day("2026-10-01")]), wednesday, "fresh points at the month start")
    }

    func testPopularityHasALongTail() {
        var units: [String: Int] = [:]
        for event in Self.smallEvents {
            if case .placeOrder(_, _, let lines, _, _) = event.command { for line in lines { units[line.sku, default: 0] += 1 } }
        }
        let counts = units.values.sorted(by: >)
        let top = counts.prefix(counts.count / 10).reduce(0, +), all = counts.reduce(0, +)
        XCTAssertGreaterThan(Double(top) / Double(all), 0.3, "the top tenth of SKUs sells a large share")
        XCTAssertTrue(counts.contains(1) || counts.contains(2), "and some SKUs sell once or twice")
    }

    func testDealersBuyInBulkAtTierPricesAndEmployeesLiveOnPoints() {
        let catalog = Self.small.catalog
        let skus = Dictionary(uniqueKeysWithValues: catalog.skus.map { ($0.sku, $0) })
        let dealers = Set(catalog.buyers.filter(\.paysOnCredit).map(\.id))
        var dealerUnits: [Int64] = [], employeeUnits: [Int64] = [], tierHits = 0
        var grantsTo = Set<String>()
        for event in Self.smallEvents {
            switch event.command {
            case .placeOrder(_, let buyer, let lines, _, _):
                for line in lines {
                    if dealers.contains(buyer) {
                        dealerUnits.append(line.quantity)
                        if let tiers = skus[line.sku]?.tiers, tiers.contains(where: { $0.minQuantity <= line.quantity }) { tierHits += 1 }
                    } else {
                        employeeUnits.append(line.quantity)
                    }
                }
            case .grantPoints(_, let buyer, let amount, let expires):
                grantsTo.insert(buyer)
                XCTAssertGreaterThan(expires, event.at)
                XCTAssertGreaterThan(amount.fen, 0)
                XCTAssertFalse(dealers.contains(buyer))
            default: break
            }
        }
        XCTAssertGreaterThan(dealerUnits.reduce(0, +) / Int64(dealerUnits.count), 3 * employeeUnits.reduce(0, +) / Int64(employeeUnits.count))
        XCTAssertGreaterThan(tierHits, 10)
        XCTAssertEqual(grantsTo.count, catalog.buyers.filter { !$0.paysOnCredit }.count, "every employee gets points")
    }

    func testStockRunsOutOnlyForAFewLimitedSKUs() {
        var ordered: [String: Int64] = [:]
        for event in Self.smallEvents {
            if case .placeOrder(_, _, let lines, _, _) = event.command { for line in lines { ordered[line.sku, default: 0] += line.quantity } }
        }
        let catalog = Self.small.catalog
        let soldOut = catalog.skus.filter { ordered[$0.sku, default: 0] > $0.stock }
        XCTAssertFalse(soldOut.isEmpty, "some SKU is ordered beyond its stock")
        XCTAssertLessThan(soldOut.count * 20, catalog.skus.count, "but only a few")
    }

    // MARK: Laziness and helpers

    func testTheJournalIsProducedLazily() {
        // Ten years of 50,000 orders a day would not fit in memory; the first events come at once.
        let huge = MallGenerator(settings: GeneratorSettings(days: 3600, ordersPerDay: 50_000, suppliers: 30, buyers: 1_000, seed: 9))
        let first = Array(huge.events().prefix(2000))
        XCTAssertEqual(first.count, 2000)
        XCTAssertEqual(first.last?.line, 2000)
    }

    func testAliasTableDrawsInProportionAndNeverDrawsAZeroWeight() {
        let table = GenWeightTable([5, 0, 1, 4, 0, 10])
        var rng = GeneratorRandom(seed: 1, stream: 1)
        var counts = [Int](repeating: 0, count: 6)
        for _ in 0..<200_000 { counts[table.draw(&rng)] += 1 }
        XCTAssertEqual(counts[1], 0)
        XCTAssertEqual(counts[4], 0)
        for (index, weight) in [5, 0, 1, 4, 0, 10].enumerated() where weight > 0 {
            XCTAssertEqual(Double(counts[index]) / 200_000, Double(weight) / 20, accuracy: 0.01)
        }
    }

    func testDatedIDsArePaddedAndNeverCollide() {
        let date = GeneratorText.dateBytes(day("2026-10-01"))
        XCTAssertEqual(GeneratorText.dated(Array("O".utf8), date, 42, width: 5), "O2026100100042")
        XCTAssertEqual(GeneratorText.dated(Array("O".utf8), date, 123_456, width: 5), "O20261001123456")
        XCTAssertEqual(GeneratorText.numbered("SUP-", 7, width: 4), "SUP-0007")
        XCTAssertEqual(JSONText.quoted("a \"b\" \\ 银杏\n"), "\"a \\\"b\\\" \\\\ 银杏\\n\"")
    }

    func testSettingsProblemsAreNamed() {
        XCTAssertNil(GeneratorSettings().problem)
        XCTAssertEqual(GeneratorSettings().start, day("2026-10-01"))
        XCTAssertNotNil(GeneratorSettings(days: 0).problem)
        XCTAssertNotNil(GeneratorSettings(suppliers: 0).problem)
        XCTAssertEqual(GeneratorSettings(timezone: "CST").problem, "'CST' is not a known IANA time zone")
    }

    // MARK: Helpers

    private func parseConfig(_ generator: MallGenerator) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(generator.configJSON().utf8))
        return try XCTUnwrap(object as? [String: Any])
    }

    private func supplierOf(_ sku: String) -> String { Self.supplierBySKU[sku] ?? "?" }
    private static let supplierBySKU = Dictionary(uniqueKeysWithValues: small.catalog.skus.map { ($0.sku, $0.supplierID) })
}

/// Replays a journal against the rules the mall core enforces (as far as they can be checked
/// without pricing): states, windows, limits and bounds. Returns what it finds wrong.
struct RuleCheck {
    let catalog: Catalog
    private let skus: [String: CatalogSKU]
    private let suppliers: [String: CatalogSupplier]
    private let buyers: [String: Buyer]
    private let coupons: [String: Coupon]

    init(catalog: Catalog) {
        self.catalog = catalog
        skus = Dictionary(uniqueKeysWithValues: catalog.skus.map { ($0.sku, $0) })
        suppliers = Dictionary(uniqueKeysWithValues: catalog.suppliers.map { ($0.id, $0) })
        buyers = Dictionary(uniqueKeysWithValues: catalog.buyers.map { ($0.id, $0) })
        coupons = Dictionary(uniqueKeysWithValues: catalog.coupons.map { ($0.id, $0) })
    }

    /// The lowest price any reading of the pricing rules could give a unit of `sku`.
    func lowestPrice(_ sku: CatalogSKU) -> Int64 {
        let sale: Int64
        switch suppliers[sku.supplierID]!.pricing {
        case .fixed: sale = sku.salePrice!.fen
        case .costPlus(let markup): sale = sku.costPrice.applying(Rate(ppm: 1_000_000 + markup.ppm)).fen
        case .marketMinus(let discount): sale = sku.marketPrice.applying(Rate(ppm: 1_000_000 - discount.ppm)).fen
        }
        var low = sale
        for price in sku.levelPrices.values { low = min(low, price.fen) }
        for ratio in catalog.levelRatios.values { low = min(low, Money(fen: sale).applying(ratio).fen) }
        for tier in sku.tiers { low = min(low, tier.unitPrice.fen) }
        for contract in catalog.contracts where contract.sku == sku.sku { low = min(low, contract.unitPrice.fen) }
        return low
    }

    private struct Child {
        var lines: [CartLine]
        var shipped = false
        var completed = false
        var returned: [Int64]
        var refundedOnly: [Int64]
        var closed: Bool { zip(lines, returned).allSatisfy { $0.quantity == $1 } }
    }

    private struct Order {
        var buyer: String
        var coupons: [String]
        var children: [Child]
        var paid = false
        var cancelled = false
    }

    func problems(in events: [JournalEvent]) -> [String] {
        var problems: [String] = []
        var orders: [String: Order] = [:]
        var openCoupons: [String: Int] = [:]
        var last = Instant(nanos: Int64.min)
        func child(_ id: String) -> (String, Int)? {
            guard let dash = id.lastIndex(of: "-"), let k = Int(id[id.index(after: dash)...]) else { return nil }
            return (String(id[..<dash]), k - 1)
        }
        for event in events {
            let at = event.at
            func fail(_ text: String) { problems.append("line \(event.line): \(text)") }
            if at < last { fail("out of order") }
            last = at
            switch event.command {
            case .placeOrder(let id, let buyer, let lines, let used, _):
                let bySupplier = Dictionary(grouping: lines, by: { skus[$0.sku]!.supplierID })
                let children = bySupplier.keys.sorted().map { supplier in
                    Child(lines: bySupplier[supplier]!, returned: bySupplier[supplier]!.map { _ in 0 },
                          refundedOnly: bySupplier[supplier]!.map { _ in 0 })
                }
                for coupon in used {
                    let terms = coupons[coupon]!
                    if !(terms.validFrom <= at && at < terms.validTo) { fail("coupon \(coupon) outside its window") }
                    openCoupons[buyer + coupon, default: 0] += 1
                    if openCoupons[buyer + coupon]! > terms.perBuyerLimit { fail("coupon \(coupon) over its per-buyer limit") }
                }
                if buyers[buyer]!.paysOnCredit && !used.isEmpty { fail("a dealer used a coupon") }
                orders[id] = Order(buyer: buyer, coupons: used, children: children)
            case .pay(let id, let channel, _):
                guard let order = orders[id], !order.paid, !order.cancelled else { fail("pay of \(id) in a wrong state"); continue }
                if !buyers[order.buyer]!.paysOnCredit && channel == nil { fail("cash order \(id) paid without a channel") }
                // A frozen dealer's payment is refused by the core; the order stays unpaid.
                orders[id]!.paid = !buyers[order.buyer]!.frozen
            case .cancel(let id, let refund):
                guard let order = orders[id], !order.cancelled else { fail("cancel of \(id) in a wrong state"); continue }
                if order.paid && refund == nil { fail("cancel after payment of \(id) without a refund id") }
                if order.children.contains(where: \.shipped) { fail("cancel of \(id) after shipping") }
                orders[id]!.cancelled = true
                for coupon in order.coupons { openCoupons[order.buyer + coupon]! -= 1 }
            case .ship(let childID):
                guard let (id, k) = child(childID), let order = orders[id], k < order.children.count,
                      order.paid, !order.cancelled, !order.children[k].shipped else { fail("ship of \(childID) in a wrong state"); continue }
                orders[id]!.children[k].shipped = true
            case .complete(let childID):
                guard let (id, k) = child(childID), let order = orders[id], k < order.children.count,
                      order.children[k].shipped, !order.children[k].completed, !order.children[k].closed
                else { fail("complete of \(childID) in a wrong state"); continue }
                orders[id]!.children[k].completed = true
            case .refund(_, let childID, let kind, let lines, _):
                guard let (id, k) = child(childID), let order = orders[id], k < order.children.count,
                      order.children[k].shipped, !order.cancelled else { fail("refund of \(childID) in a wrong state"); continue }
                for request in lines {
                    let index = Int(request.lineNo) - 1
                    guard index >= 0 && index < order.children[k].lines.count else { fail("refund of a missing line"); continue }
                    let line = order.children[k].lines[index]
                    switch kind {
                    case .refundOnly:
                        guard let amount = request.amount, amount.fen > 0 else { fail("refund only without an amount"); continue }
                        orders[id]!.children[k].refundedOnly[index] += amount.fen
                        let bound = line.quantity * lowestPrice(skus[line.sku]!) * 30 / 100
                        if orders[id]!.children[k].refundedOnly[index] > bound { fail("refund only over 30% of \(childID) line \(index + 1)") }
                    case .return:
                        orders[id]!.children[k].returned[index] += request.quantity
                        if request.quantity <= 0 || orders[id]!.children[k].returned[index] > line.quantity {
                            fail("return of more units than \(childID) line \(index + 1) has")
                        }
                    }
                }
            case .grantPoints(_, let buyer, let amount, let expires):
                if expires <= at || amount.fen <= 0 { fail("grant to \(buyer) expires before it is given or is empty") }
            case .repay(_, let buyer, let amount):
                if !buyers[buyer]!.paysOnCredit || amount.fen <= 0 { fail("repayment by \(buyer) who does not pay on credit") }
            }
        }
        return problems
    }
}
