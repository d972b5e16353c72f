// CreditLedgerTests: the credit rules as pure code, without a store: windows that net ≤ 0
// carry, give-backs lower the next bill, prepaid (an on-time discount) pays the next bill.

import Foundation
import MallCore
import XCTest
@testable import Settlement

final class CreditLedgerTests: XCTestCase {
    /// A window that nets ≤ 0 issues no bill and carries; a give-back after its usage was
    /// billed lowers the next bill. Pure: the ledger without a store.
    func testAWindowNettingBelowZeroCarriesIntoTheNext() throws {
        let account = CreditAccount(buyerID: "DLR-1", limit: Money(fen: 100_000), billDay: 1, repayDay: 10,
                                    lateFeePPMPerDay: 1000, freezeAfterDays: 3,
                                    onTimeDiscounts: [OnTimeDiscount(minBill: Money(fen: 10_000), discount: Money(fen: 500))])
        var ledgers = ["DLR-1": CreditLedger(account: account)]
        func event(_ kind: CreditEventKind, _ key: String, _ amount: Int64, _ date: String) -> CreditEvent {
            CreditEvent(kind: kind, sourceKey: Int64(key.utf8.last ?? 0), buyerID: "DLR-1", at: 0,
                        date: Day(parsing: date)!, amount: amount, key1: key, key3: 1)
        }
        // 100.00 billed 1 Nov (repaid 5 Nov, on time: 5.00 to prepaid on 10 Nov); 80.00 given
        // back 3 Nov; 60.00 used 20 Nov: −20.00 on 1 Dec, no bill; 70.00 used 5 Dec: a bill of
        // 50.00 on 1 Jan, due 10 Jan.
        let rows = [event(.usage, "U-1", 10_000, "2026-10-05"), event(.giveBack, "G-1", 8_000, "2026-11-03"),
                    event(.usage, "U-2", 6_000, "2026-11-20"), event(.usage, "U-3", 7_000, "2026-12-05"),
                    event(.repayment, "P-1", 10_000, "2026-11-05")]
        let days = (Day(parsing: "2026-10-05")!.ordinal...Day(parsing: "2027-01-02")!.ordinal).map(Day.init(ordinal:))
        let outcome = CreditNight.settle(&ledgers, late: [], timely: rows, days: days)
        XCTAssertEqual(outcome.breaks, [])
        let ledger = try XCTUnwrap(ledgers["DLR-1"])
        XCTAssertEqual(ledger.bills.map { "\($0.billDate) \($0.dueDate) \(Money(fen: $0.amount)) \(Money(fen: $0.onTimeDiscount))" },
                       ["2026-11-01 2026-11-10 100.00 5.00", "2027-01-01 2027-01-10 50.00 0.00"])
        // The 5.00 discount sat in prepaid and paid 5.00 of January's bill when issued.
        XCTAssertEqual(ledger.bills.last?.prepaidApplied, 500)
        XCTAssertEqual(ledger.prepaid, 0)
        XCTAssertEqual(ledger.unbilled, 0)
    }
}
