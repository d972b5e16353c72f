// CreditAccountTests: `credit_accounts` as configured — each bad value named by its JSON
// path — and the due date of a bill.

import Foundation
import MallCore
import XCTest
@testable import Settlement

final class CreditAccountTests: XCTestCase {
    private func config(_ accounts: String) throws -> MallConfig {
        try Fixture.config(Fixture.configJSON.replacingOccurrences(of: #""credit_accounts": []"#,
                                                                  with: #""credit_accounts": [\#(accounts)]"#))
    }

    func testDueDatesFallOnTheFirstRepayDayAfterTheBill() throws {
        func due(_ bill: Int, _ repay: Int, _ on: String) -> String {
            CreditAccount(buyerID: "D", limit: .zero, billDay: bill, repayDay: repay, lateFeePPMPerDay: 0, freezeAfterDays: 0,
                          onTimeDiscounts: []).dueDate(of: Day(parsing: on)!).description
        }
        XCTAssertEqual(due(1, 20, "2026-11-01"), "2026-11-20")
        XCTAssertEqual(due(16, 1, "2026-11-16"), "2026-12-01")
        XCTAssertEqual(due(5, 5, "2026-12-05"), "2027-01-05")
    }

    func testBadCreditAccountsNameTheirJSONPath() {
        func error(_ accounts: String) -> String {
            do { _ = try config(accounts); return "no error" } catch { return "\(error)" }
        }
        let good = #""buyer_id": "D-1", "limit": "10.00", "bill_day": 1, "repay_day": 10, "late_fee_ppm_per_day": 500, "freeze_after_days": 30"#
        XCTAssertEqual(error("{\(good)}"), "no error")
        XCTAssertEqual(error("{\(good)}, {\(good)}"),
                       "test.json:23:161: $.credit_accounts[1].buyer_id: buyer 'D-1' already has a credit account (credit_accounts[0])")
        XCTAssertEqual(error("{\(good.replacingOccurrences(of: #""bill_day": 1"#, with: #""bill_day": 29"#))}"),
                       "test.json:23:73: $.credit_accounts[0].bill_day: 29 is not in 1..28")
        XCTAssertEqual(error("{\(good.replacingOccurrences(of: #""repay_day": 10"#, with: #""repay_day": 0"#))}"),
                       "test.json:23:89: $.credit_accounts[0].repay_day: 0 is not in 1..28")
        XCTAssertEqual(error("{\(good.replacingOccurrences(of: #""10.00""#, with: #""-1.00""#))}"),
                       "test.json:23:52: $.credit_accounts[0].limit: must not be negative")
        XCTAssertEqual(error("{\(good.replacingOccurrences(of: "500", with: "-1"))}"),
                       "test.json:23:117: $.credit_accounts[0].late_fee_ppm_per_day: -1 is not in 0..1000000000")
        XCTAssertEqual(error("{\(good.replacingOccurrences(of: #""freeze_after_days": 30"#, with: #""freeze_after_days": -2"#))}"),
                       "test.json:23:143: $.credit_accounts[0].freeze_after_days: -2 is not in 0..36500")
        XCTAssertTrue(error(#"{\#(good), "on_time_discounts": [{"min_bill": "100.00", "discount": "1.234"}]}"#)
                        .contains(": $.credit_accounts[0].on_time_discounts[0].discount: "))
        XCTAssertEqual(error(#"{\#(good), "on_time_discounts": [{"min_bill": "100.00"}]}"#),
                       "test.json:23:169: $.credit_accounts[0].on_time_discounts[0].discount: is required")
        XCTAssertTrue(error(#"{\#(good), "grace": 3}"#).contains(": $.credit_accounts[0].grace: unknown field"), error(#"{\#(good), "grace": 3}"#))
        XCTAssertEqual(error(#"{"limit": "1.00"}"#), "test.json:23:23: $.credit_accounts[0].buyer_id: is required")
    }

    /// A list long enough to be read in two halves at once reads as one read in order: every
    /// account in its place, and of a buyer listed twice and a wrong account, the error met
    /// first in order, whichever half each is in.
    func testManyAccountsReadInHalvesAsInOrder() throws {
        let count = CreditAccount.parseInHalvesFrom + 904  // 5,000: halves of 2,500
        func account(_ index: Int, buyer: Int? = nil, billDay: Int? = nil) -> String {
            #"{"buyer_id": "B-\#(buyer ?? index)", "limit": "\#(index).00", "bill_day": \#(billDay ?? index % 28 + 1), "repay_day": 10, "late_fee_ppm_per_day": 0, "freeze_after_days": 3}"#
        }
        func list(_ replaced: [Int: String]) -> String {
            (0..<count).map { replaced[$0] ?? account($0) }.joined(separator: ", ")
        }
        func error(_ replaced: [Int: String]) -> String {
            do { _ = try config(list(replaced)); return "no error" } catch { return "\(error)" }
        }
        let accounts = try config(list([:])).creditAccounts
        XCTAssertEqual(accounts.count, count)
        XCTAssertEqual(accounts.map(\.buyerID), (0..<count).map { "B-\($0)" })
        XCTAssertEqual(accounts.map(\.limit.fen), (0..<count).map { Int64($0) * 100 })
        XCTAssertEqual(accounts.map(\.billDay), (0..<count).map { $0 % 28 + 1 })
        let duplicate = "already has a credit account"
        // A repeat in the first half before a wrong account in the second.
        XCTAssertTrue(error([2_000: account(2_000, buyer: 10), 4_000: account(4_000, billDay: 29)])
                        .hasSuffix("$.credit_accounts[2000].buyer_id: buyer 'B-10' \(duplicate) (credit_accounts[10])"))
        // A wrong account in the first half before a repeat in the second.
        XCTAssertTrue(error([1_000: account(1_000, billDay: 29), 3_000: account(3_000, buyer: 10)])
                        .hasSuffix("$.credit_accounts[1000].bill_day: 29 is not in 1..28"))
        // A second-half account repeating a first-half buyer, before a wrong one later.
        XCTAssertTrue(error([2_600: account(2_600, buyer: 2_499), 4_999: account(4_999, billDay: 0)])
                        .hasSuffix("$.credit_accounts[2600].buyer_id: buyer 'B-2499' \(duplicate) (credit_accounts[2499])"))
        // Wrong accounts in both halves: the first half's.
        XCTAssertTrue(error([2_499: account(2_499, billDay: 0), 2_500: account(2_500, billDay: 29)])
                        .hasSuffix("$.credit_accounts[2499].bill_day: 0 is not in 1..28"))
        XCTAssertTrue(error([2_500: account(2_500, billDay: 29)]).hasSuffix("$.credit_accounts[2500].bill_day: 29 is not in 1..28"))
    }
}
