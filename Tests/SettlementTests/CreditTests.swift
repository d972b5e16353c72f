// CreditTests: the credit lines of SPEC §8, with numbers worked by hand (in the comments)
// from the feeds written inline: a month of one dealer, each break kind, rows that arrive
// late, re-running a night.

import Foundation
import MallCore
import XCTest
@testable import Settlement

final class CreditTests: XCTestCase {
    /// SPEC §4's configuration with the given credit accounts.
    static func config(_ accounts: String) throws -> MallConfig {
        try Fixture.config(Fixture.configJSON.replacingOccurrences(of: #""credit_accounts": []"#,
                                                                  with: #""credit_accounts": [\#(accounts)]"#))
    }

    /// An order line of SUP-B paid wholly on credit.
    static func usage(_ orderID: String, _ buyer: String, _ amount: String, _ at: String) -> String {
        "\(orderID),,1,SUP-B,\(buyer),enterprise,SKU-PAPER,office/paper,1,\(amount),,0,0,0,0,\(amount),0,,\(at),\(at),,CNY"
    }

    /// A refund of `amount` of an order line's goods, given back on credit.
    static func giveBack(_ refundID: String, _ orderID: String, _ amount: String, _ at: String) -> String {
        "\(refundID),\(orderID),1,refund_only,0,\(amount),0,0,\(amount),0,\(at)"
    }

    static func repayments(_ rows: String...) -> String {
        (["repayment_id,buyer_id,amount,paid_at"] + rows).joined(separator: "\n") + "\n"
    }

    /// Bills on the 1st, due on the 10th, 0.1% a day late, frozen more than 3 days after a
    /// due date; 5.00 off a bill of 100.00 or more paid on time, 20.00 off 500.00.
    static let dealer = """
        {"buyer_id": "DLR-1", "limit": "1000.00", "bill_day": 1, "repay_day": 10, "late_fee_ppm_per_day": 1000,
         "freeze_after_days": 3, "on_time_discounts": [{"min_bill": "500.00", "discount": "20.00"},
                                                       {"min_bill": "100.00", "discount": "5.00"}]}
        """

    func testAMonthOfOneDealer() throws {
        let ws = try Workspace()
        let config = try Self.config(Self.dealer)
        // October: 600.00 and 300.00 on credit, 100.00 of the second given back.
        try ws.write("orders-10.csv", Fixture.orders(Self.usage("O-1", "DLR-1", "600.00", "2026-10-05T10:00:00+08:00"),
                                                     Self.usage("O-2", "DLR-1", "300.00", "2026-10-12T10:00:00+08:00")))
        try ws.write("refunds-10.csv", Fixture.refunds(Self.giveBack("R-1", "O-2", "100.00", "2026-10-20T10:00:00+08:00")))
        XCTAssertEqual(try ws.run("2026-10-31", config: config).1, .done)
        XCTAssertEqual(try ws.export(.bills), CreditExport.billColumns.joined(separator: ",") + "\n", "no bill before the 1st")
        XCTAssertEqual(try ws.export(.credit), """
            buyer_id,limit,unbilled,unpaid_principal,prepaid,available,frozen
            DLR-1,1000.00,800.00,0.00,0.00,200.00,0

            """)

        // 1 Nov: a bill of 600 + 300 − 100 = 800.00, due 10 Nov. Late fees of 0.1% of 800.00 =
        // 0.80 on 11, 12 and 13 Nov (on 13 Nov before that day's repayment): 2.40. The
        // repayment of 300.00 on 13 Nov pays the 2.40 of fees, then 297.60 of principal.
        try ws.write("repayments-1113.csv", Self.repayments("P-1,DLR-1,300.00,2026-11-13T15:00:00+08:00"))
        XCTAssertEqual(try ws.run("2026-11-13", config: config).1, .done)
        XCTAssertEqual(try ws.export(.bills), """
            buyer_id,bill_date,due_date,amount,prepaid_applied,principal_paid,late_fees,late_fees_paid,on_time_discount,unpaid
            DLR-1,2026-11-01,2026-11-10,800.00,0.00,297.60,2.40,2.40,0.00,502.40

            """)
        XCTAssertEqual(try ws.export(.freezes), "buyer_id,frozen_from,unfrozen_on\n", "13 − 10 = 3 days is not more than 3")

        // 14 Nov: 14 − 10 = 4 > 3 days past due, still unpaid: frozen at the end of 14 Nov.
        // Late fees of 0.1% of 502.40 = 0.5024 → 0.50 on 14, 15 and 16 Nov: 3.90 in all.
        // 15 Nov: 50.00 used while frozen. 16 Nov: 510.00 repaid after that day's fee pays
        // 1.50 of fees and 502.40 of principal; 6.10 is left as prepaid. Nothing due before
        // 16 Nov is unpaid at its end: unfrozen on 16 Nov.
        try ws.write("orders-1115.csv", Fixture.orders(Self.usage("O-3", "DLR-1", "50.00", "2026-11-15T11:00:00+08:00")))
        try ws.write("repayments-1116.csv", Self.repayments("P-2,DLR-1,510.00,2026-11-16T09:00:00+08:00"))
        XCTAssertEqual(try ws.run("2026-11-16", config: config).1, .doneWithFindings)
        XCTAssertEqual(try String(contentsOfFile: ws.reports + "/reconciliation/2026-11-16/breaks.csv", encoding: .utf8), """
            break_id,kind,channel,reference,expected,found,first_seen,resolved_at,detail
            1,credit_while_frozen,,O-3/1,,50.00,2026-11-16,,usage of order O-3 line 1 by buyer DLR-1 dated 2026-11-15 while the account was frozen (from the end of 2026-11-14)

            """)

        // 20 Nov: 100.00 more. 1 Dec: a bill of 50 + 100 = 150.00, the 6.10 prepaid applied,
        // due 10 Dec; 143.90 repaid on 8 Dec pays it off on time: 5.00 (the rung of 100.00)
        // credited to prepaid at the end of 10 Dec.
        try ws.write("orders-1120.csv", Fixture.orders(Self.usage("O-4", "DLR-1", "100.00", "2026-11-20T11:00:00+08:00")))
        try ws.write("repayments-1208.csv", Self.repayments("P-3,DLR-1,143.90,2026-12-08T09:00:00+08:00"))
        XCTAssertEqual(try ws.run("2026-12-11", config: config).1, .done)
        XCTAssertEqual(try ws.export(.bills), """
            buyer_id,bill_date,due_date,amount,prepaid_applied,principal_paid,late_fees,late_fees_paid,on_time_discount,unpaid
            DLR-1,2026-11-01,2026-11-10,800.00,0.00,800.00,3.90,3.90,0.00,0.00
            DLR-1,2026-12-01,2026-12-10,150.00,6.10,150.00,0.00,0.00,5.00,0.00

            """)
        XCTAssertEqual(try ws.export(.credit), """
            buyer_id,limit,unbilled,unpaid_principal,prepaid,available,frozen
            DLR-1,1000.00,0.00,0.00,5.00,1000.00,0

            """)
        XCTAssertEqual(try ws.export(.freezes), """
            buyer_id,frozen_from,unfrozen_on
            DLR-1,2026-11-14,2026-11-16

            """)
        XCTAssertEqual(try ws.export(.bills, ExportFilter(period: "2026-12-01", buyer: "DLR-1")).split(separator: "\n").count, 2)
        XCTAssertEqual(try ws.export(.bills, ExportFilter(buyer: "DLR-2")).split(separator: "\n").count, 1)
        XCTAssertEqual(try Verifier.verify(ws.db).map(\.description), [])
    }

    func testEachBreakKindWithItsColumnsAndARerunChangesNothing() throws {
        let ws = try Workspace()
        let config = try Self.config(#"""
            {"buyer_id": "DLR-2", "limit": "100.00", "bill_day": 1, "repay_day": 10, "late_fee_ppm_per_day": 0,
             "freeze_after_days": 0}
            """#)
        // DLR-2 uses 80.00, then 30.00 with 20.00 left; DLR-9 has no account.
        try ws.write("orders-10.csv", Fixture.orders(Self.usage("A-1", "DLR-2", "80.00", "2026-10-05T10:00:00+08:00"),
                                                     Self.usage("A-2", "DLR-2", "30.00", "2026-10-06T10:00:00+08:00"),
                                                     Self.usage("N-1", "DLR-9", "10.00", "2026-10-07T10:00:00+08:00")))
        try ws.write("repayments-10.csv", Self.repayments("P-9,DLR-9,5.00,2026-10-08T10:00:00+08:00"))
        XCTAssertEqual(try ws.run("2026-10-31", config: config).1, .doneWithFindings)
        let breaks = """
            break_id,kind,channel,reference,expected,found,first_seen,resolved_at,detail
            1,credit_limit_exceeded,,A-2/1,20.00,30.00,2026-10-31,,"usage of order A-2 line 1 by buyer DLR-2 dated 2026-10-06: available credit 20.00 before, -10.00 after (limit 100.00)"
            2,no_credit_account,,N-1/1,,10.00,2026-10-31,,"usage of order N-1 line 1 dated 2026-10-07 by buyer DLR-9, who has no credit account"
            3,no_credit_account,,P-9,,5.00,2026-10-31,,"repayment P-9 dated 2026-10-08 by buyer DLR-9, who has no credit account"

            """
        XCTAssertEqual(try ws.export(.breaks), breaks)
        XCTAssertEqual(try String(contentsOfFile: ws.reports + "/reconciliation/2026-10-31/breaks.csv", encoding: .utf8), breaks)
        XCTAssertEqual(try ws.export(.credit), """
            buyer_id,limit,unbilled,unpaid_principal,prepaid,available,frozen
            DLR-2,100.00,110.00,0.00,0.00,-10.00,0

            """)

        let before = try [ExportKind.bills, .credit, .freezes, .breaks].map { try ws.export($0) }
        XCTAssertEqual(try ws.run("2026-10-31", config: config).1, .done, "nothing new: no new break")
        XCTAssertEqual(try [ExportKind.bills, .credit, .freezes, .breaks].map { try ws.export($0) }, before)
        XCTAssertEqual(try Verifier.verify(ws.db).map(\.description), [])
    }

    func testRowsThatArriveLateAreAppliedAtTheStartOfTheAcceptingRun() throws {
        let ws = try Workspace()
        let config = try Self.config(#"""
            {"buyer_id": "DLR-3", "limit": "1000.00", "bill_day": 1, "repay_day": 10, "late_fee_ppm_per_day": 1000,
             "freeze_after_days": 30, "on_time_discounts": [{"min_bill": "100.00", "discount": "5.00"}]}
            """#)
        // 200.00 used on 5 Oct: billed 1 Nov, due 10 Nov; 0.20 late on 11 and 12 Nov.
        try ws.write("orders-10.csv", Fixture.orders(Self.usage("L-1", "DLR-3", "200.00", "2026-10-05T10:00:00+08:00")))
        XCTAssertEqual(try ws.run("2026-11-12", config: config).1, .done)
        XCTAssertEqual(try ws.export(.bills), """
            buyer_id,bill_date,due_date,amount,prepaid_applied,principal_paid,late_fees,late_fees_paid,on_time_discount,unpaid
            DLR-3,2026-11-01,2026-11-10,200.00,0.00,0.00,0.40,0.00,0.00,200.40

            """)

        // Arriving on the 13th: a repayment dated 9 Nov (before the due date) and 30.00 used on
        // 20 Oct. Applied at the start of the run, nothing earlier recomputed: the 0.40 of late
        // fees stand and are paid first, then 199.60 of principal; no on-time discount. The
        // usage joins the open window. 13 Nov's fee on 0.40 is 0.0004 → 0.00.
        try ws.write("repayments-1113.csv", Self.repayments("P-L,DLR-3,200.00,2026-11-09T12:00:00+08:00"))
        try ws.write("orders-1113.csv", Fixture.orders(Self.usage("L-2", "DLR-3", "30.00", "2026-10-20T10:00:00+08:00")))
        XCTAssertEqual(try ws.run("2026-11-13", config: config).1, .done)
        let bills = """
            buyer_id,bill_date,due_date,amount,prepaid_applied,principal_paid,late_fees,late_fees_paid,on_time_discount,unpaid
            DLR-3,2026-11-01,2026-11-10,200.00,0.00,199.60,0.40,0.40,0.00,0.40

            """
        let credit = """
            buyer_id,limit,unbilled,unpaid_principal,prepaid,available,frozen
            DLR-3,1000.00,30.00,0.40,0.00,969.60,0

            """
        XCTAssertEqual(try ws.export(.bills), bills)
        XCTAssertEqual(try ws.export(.credit), credit)

        // Re-running the night changes nothing.
        XCTAssertEqual(try ws.run("2026-11-13", config: config).1, .done)
        XCTAssertEqual(try ws.export(.bills), bills)
        XCTAssertEqual(try ws.export(.credit), credit)
        XCTAssertEqual(try Verifier.verify(ws.db).map(\.description), [])
    }

    /// verify: credit used = unbilled + unpaid principal; nothing applied beyond what was owed.
    func testVerifyCatchesCreditThatDoesNotAddUp() throws {
        let ws = try Workspace()
        let config = try Self.config(Self.dealer)
        try ws.write("orders-10.csv", Fixture.orders(Self.usage("O-1", "DLR-1", "600.00", "2026-10-05T10:00:00+08:00")))
        try ws.write("repayments-11.csv", Self.repayments("P-1,DLR-1,700.00,2026-11-05T10:00:00+08:00"))
        XCTAssertEqual(try ws.run("2026-11-06", config: config).1, .done)
        XCTAssertEqual(try Verifier.verify(ws.db).map(\.description), [])
        try ws.db.run("UPDATE credit_accounts_state SET unbilled = unbilled + 1")
        try ws.db.run("UPDATE credit_bills SET principal_paid = principal_paid + 5000")
        XCTAssertEqual(try Verifier.verify(ws.db).map(\.description), [
            "§8: credit account DLR-1: credit used -50.00 ≠ unbilled 0.01 + unpaid principal -50.00",
            "§8: credit account DLR-1: repayments 700.00 + discounts 0.00 ≠ late fees paid 0.00 + principal paid 650.00 + prepaid 100.00",
            "§8: bill of DLR-1 on 2026-11-01: paid 650.00 (prepaid 0.00) of 600.00 and late fees 0.00 of 0.00: more applied than owed",
        ])
    }

    /// Usage dated after the as-of date, and a give-back whose line has not arrived, wait;
    /// each is applied once by the run that reaches it.
    func testRowsWaitForTheirDateAndForTheirRefundToBeAccepted() throws {
        let ws = try Workspace()
        let config = try Self.config(Self.dealer)
        try ws.write("orders-1010.csv", Fixture.orders(Self.usage("W-1", "DLR-1", "100.00", "2026-10-12T10:00:00+08:00")))
        try ws.write("refunds-1010.csv", Fixture.refunds(Self.giveBack("G-1", "W-2", "40.00", "2026-10-09T10:00:00+08:00")))
        XCTAssertEqual(try ws.run("2026-10-10", config: config).1, .done)
        XCTAssertEqual(try ws.export(.credit), """
            buyer_id,limit,unbilled,unpaid_principal,prepaid,available,frozen
            DLR-1,1000.00,0.00,0.00,0.00,1000.00,0

            """)
        XCTAssertEqual(try ws.db.scalar("SELECT count(*) FROM credit_waiting"), .int(2))

        // W-2 (100.00 on 8 Oct) arrives: G-1 is accepted and gives 40.00 back; W-1's date is
        // reached. 100 + 100 − 40 = 160.00 unbilled.
        try ws.write("orders-1013.csv", Fixture.orders(Self.usage("W-2", "DLR-1", "100.00", "2026-10-08T10:00:00+08:00")))
        XCTAssertEqual(try ws.run("2026-10-13", config: config).1, .done)
        XCTAssertEqual(try ws.export(.credit), """
            buyer_id,limit,unbilled,unpaid_principal,prepaid,available,frozen
            DLR-1,1000.00,160.00,0.00,0.00,840.00,0

            """)
        XCTAssertEqual(try ws.db.scalar("SELECT count(*) FROM credit_waiting"), .int(0))
        XCTAssertEqual(try ws.db.scalar("SELECT count(*) FROM credit_movements"), .int(3))
        XCTAssertEqual(try Verifier.verify(ws.db).map(\.description), [])
    }
}
