import XCTest
@testable import Settlement

final class HashSlotsTests: XCTestCase {
    /// Entries whose hashes collide (every seventh shares one) are told apart by the caller's
    /// check, across the table's growth from 64 slots to 8,192.
    func testEntriesWithEqualHashesAreFoundApartAcrossGrowth() {
        let names = (0..<3_000).map { "entry-\($0)" }
        func hash(_ n: Int) -> UInt64 { n % 7 == 0 ? 42 : UInt64(n) &* 0x1000_0001 }
        var slots = HashSlots()
        for (position, name) in names.enumerated() {
            XCTAssertNil(slots.position(of: hash(position)) { names[$0] == name && $0 < position })
            if slots.isFull { slots.grow((0..<position).map(hash)) }
            slots.add(hash(position), at: position)
        }
        for (position, name) in names.enumerated() {
            XCTAssertEqual(slots.position(of: hash(position)) { names[$0] == name }, position)
        }
        XCTAssertNil(slots.position(of: 42) { _ in false }, "a hash whose entries all differ from the one looked for")
        XCTAssertNil(HashSlots().position(of: 42) { _ in true })
    }

    /// A date's lines add up per SKU as they come, one entry per SKU in order of first line,
    /// and settle to what appending every line and merging them by hash gives.
    func testADatesLinesAddUpPerSKUAsMergingEveryLineWould() {
        func key(_ n: Int) -> SKUKey {
            SKUKey(sku: TextKey("SKU-\(n)"), supplier: TextKey(n % 3 == 0 ? "S-1" : "S-2"), category: TextKey("food/tea"))
        }
        let cash = Tenders(points: 0, credit: 0, cash: 100, channel: "alipay")
        var date = DayWork()
        var everyLine: [(key: SKUKey, sums: SalesSums)] = []
        for n in 0..<500 {
            let line = LineRow(quantity: Int64(n % 4 + 1), unitPrice: 100, discountPlatform: Int64(n % 5), discountSupplier: 0,
                               goods: Int64(n % 4 + 1) * 100 - Int64(n % 5), freight: Int64(n % 2))
            date.add(line, key(n * 7 % 90), cash, parent: TextKey("P-\(n / 3)"), buyer: TextKey("B-\(n % 40)"))
            var sums = SalesSums()
            sums.add(line, nil)
            everyLine.append((key(n * 7 % 90), sums))
        }
        date.addRefund(units: 2, goods: 190, key(7), paidWith: cash, refunded: cash)
        var refund = SalesSums()
        refund.refundUnits = 2
        refund.refundGoods = 190
        everyLine.append((key(7), refund))

        XCTAssertEqual(date.facts.products.map(\.key), (0..<90).map { key($0 * 7 % 90) }, "one entry per SKU, by first line")
        XCTAssertEqual(date.buyers.map(\.text), (0..<40).map { "B-\($0)" })
        let seven = date.facts.products.first { $0.key == key(7) }!.sums
        XCTAssertEqual(seven.lines, 6)
        XCTAssertEqual(seven.refundGoods, 190)

        let settled = date.settled()
        let reference = DayWork.merged(everyLine)
        XCTAssertEqual(settled.facts.products.map(\.key), reference.map(\.key))
        XCTAssertEqual(settled.facts.products.map { [$0.sums.lines, $0.sums.units, $0.sums.gmv, $0.sums.discountPlatform,
                                                     $0.sums.goods, $0.sums.freight, $0.sums.refundGoods, $0.sums.refundUnits] },
                       reference.map { [$0.sums.lines, $0.sums.units, $0.sums.gmv, $0.sums.discountPlatform,
                                        $0.sums.goods, $0.sums.freight, $0.sums.refundGoods, $0.sums.refundUnits] })
        XCTAssertEqual(settled.facts.buyers, 40)
        XCTAssertEqual(settled.facts.orders, 167)
        XCTAssertEqual(settled.facts.totals.lines, 500)
    }

    /// A date whose lines are mostly SKUs and buyers of their own stops looking them up and
    /// appends; settled, it holds what looking every line up would have given.
    func testADateOfMostlyNewSKUsAppendsAndSettlesTheSame() {
        let cash = Tenders(points: 0, credit: 0, cash: 100, channel: "alipay")
        var date = DayWork()
        var everyLine: [(key: SKUKey, sums: SalesSums)] = []
        let lines = DayWork.lookUpsJudged * 3
        for n in 0..<lines {
            // Unique SKUs and buyers at first, then SKUs and buyers seen before come back.
            let sku = n < DayWork.lookUpsJudged * 2 ? n : n % 100
            let key = SKUKey(sku: TextKey("SKU-\(sku)"), supplier: TextKey("S-1"), category: TextKey("food/tea"))
            let line = LineRow(quantity: 1, unitPrice: 100 + Int64(n % 7), discountPlatform: 0, discountSupplier: 0,
                               goods: 100 + Int64(n % 7), freight: 0)
            date.add(line, key, cash, parent: TextKey("P-\(n)"), buyer: TextKey("B-\(sku)"))
            var sums = SalesSums()
            sums.add(line, nil)
            everyLine.append((key, sums))
        }
        XCTAssertEqual(date.productsLookedUp, -1, "the date gave up looking SKUs up")
        XCTAssertEqual(date.buyersLookedUp, -1)
        XCTAssertGreaterThan(date.facts.products.count, DayWork.lookUpsJudged * 2, "repeated SKUs appended again")
        let settled = date.settled()
        let reference = DayWork.merged(everyLine)
        XCTAssertEqual(settled.facts.products.count, DayWork.lookUpsJudged * 2)
        XCTAssertEqual(settled.facts.products.map(\.key), reference.map(\.key))
        XCTAssertEqual(settled.facts.products.map(\.sums.lines), reference.map(\.sums.lines))
        XCTAssertEqual(settled.facts.products.map(\.sums.goods), reference.map(\.sums.goods))
        XCTAssertEqual(settled.facts.buyers, DayWork.lookUpsJudged * 2)
        XCTAssertEqual(settled.facts.orders, lines)
    }
}
