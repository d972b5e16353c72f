// OrderChecksTests: the order checks both ingest paths share, on hand-worked rows.

import XCTest
@testable import Settlement

final class OrderChecksTests: XCTestCase {
    func testTheChecksOfStepsSixAndSevenInTheOrderTheyAreReported() {
        // SPEC §5's worked line: 2 × 100.00 − 10.00 − 5.00 = 185.00 of goods, 8.00 freight,
        // tenders 20.00 points + 173.00 cash = 193.00.
        let goods = OrderChecks.goods(quantity: 2, unitPrice: 10_000, discountPlatform: 1_000, discountSupplier: 500)
        XCTAssertEqual(goods, 18_500)
        func failure(known: Bool = true, currency: String? = nil, goods: Int64 = 18_500, tenders: Int64 = 19_300) -> OrderChecks.Failure? {
            OrderChecks.failure(supplierKnown: known, currency: currency, storeCurrency: "CNY", goods: goods,
                                tenders: tenders, freight: 800)
        }
        XCTAssertNil(failure())
        XCTAssertNil(failure(currency: "CNY"))
        XCTAssertEqual(failure(tenders: 19_299), .tenderMismatch)
        XCTAssertEqual(failure(goods: -1, tenders: 799), .negativeGoods)
        XCTAssertEqual(failure(currency: "USD", goods: -1), .badCurrency)
        XCTAssertEqual(failure(known: false, currency: "USD"), .unknownSupplier)
    }

    func testCellsNeededGivenTheOthersAndProductsInRange() {
        XCTAssertTrue(OrderChecks.needsChannel(cash: 1))
        XCTAssertFalse(OrderChecks.needsChannel(cash: 0))
        XCTAssertFalse(OrderChecks.needsChannel(cash: nil))
        XCTAssertTrue(OrderChecks.needsBuyer(credit: 17_300))
        XCTAssertFalse(OrderChecks.needsBuyer(credit: nil))
        XCTAssertTrue(OrderChecks.needsCostPrice(mode: .purchase))
        XCTAssertFalse(OrderChecks.needsCostPrice(mode: .commission))
        XCTAssertFalse(OrderChecks.needsCostPrice(mode: nil))
        // Money holds ±9,000,000,000,000.00: 900,000 × 1,000,000.00 = 900,000,000,000.00 is in
        // range; 1,000,000 × 9,000,000,000.01 is not.
        XCTAssertTrue(OrderChecks.productInRange(quantity: 900_000, price: 100_000_000))
        XCTAssertFalse(OrderChecks.productInRange(quantity: 1_000_000, price: 900_000_000_001))
    }
}
