// CreditVerify: what `verify` checks of the credit lines (SPEC §8): each account's credit
// used is its unbilled net usage plus its unpaid principal, and no repayment was applied
// beyond what was owed.

import MallCore
import MallStore

extension Verifier {
    /// Violations of the credit lines are reported under this number (`§8:` in messages);
    /// SPEC §12 numbers its own items 1–8.
    public static let creditSection = 0

    /// Credit used (net usage applied − principal paid) = unbilled + unpaid principal, per
    /// account; and per account, repayments + on-time discounts = late fees paid + principal
    /// paid + prepaid, with no bill paid beyond its amount or late fees and no balance below 0.
    static func creditLinesAddUp(_ db: Database, _ add: (Int, String) -> Void) throws {
        try db.query("""
            WITH moved AS (
                SELECT buyer_id,
                       sum(CASE kind WHEN 1 THEN amount WHEN 2 THEN -amount ELSE 0 END) AS net_usage,
                       sum(CASE kind WHEN 3 THEN amount ELSE 0 END) AS repaid
                FROM credit_movements WHERE has_account = 1 GROUP BY buyer_id),
            billed AS (
                SELECT buyer_id, sum(principal_paid) AS principal_paid, sum(amount - principal_paid) AS unpaid_principal,
                       sum(late_fees_paid) AS fees_paid, sum(on_time_discount) AS discounts
                FROM credit_bills GROUP BY buyer_id)
            SELECT s.buyer_id AS buyer_id, coalesce(m.net_usage, 0) - coalesce(b.principal_paid, 0) AS used,
                   s.unbilled AS unbilled, coalesce(b.unpaid_principal, 0) AS unpaid_principal, coalesce(m.repaid, 0) AS repaid,
                   coalesce(b.discounts, 0) AS discounts, coalesce(b.fees_paid, 0) AS fees_paid,
                   coalesce(b.principal_paid, 0) AS principal_paid, s.prepaid AS prepaid
            FROM credit_accounts_state s LEFT JOIN moved m ON m.buyer_id = s.buyer_id
            LEFT JOIN billed b ON b.buyer_id = s.buyer_id
            ORDER BY s.buyer_id
            """) { row in
            let buyer = row.string("buyer_id")
            let money = { (fen: Int64) in Money(fen: fen).description }
            let (used, unbilled, unpaid) = (row.int("used"), row.int("unbilled"), row.int("unpaid_principal"))
            if used != unbilled + unpaid {
                add(creditSection, "credit account \(buyer): credit used \(money(used)) ≠ unbilled \(money(unbilled)) + unpaid principal \(money(unpaid))")
            }
            let (repaid, discounts, feesPaid, principalPaid, prepaid) = (row.int("repaid"), row.int("discounts"), row.int("fees_paid"),
                                                                         row.int("principal_paid"), row.int("prepaid"))
            if repaid + discounts != feesPaid + principalPaid + prepaid || prepaid < 0 {
                add(creditSection, "credit account \(buyer): repayments \(money(repaid)) + discounts \(money(discounts)) ≠ late fees paid \(money(feesPaid)) + principal paid \(money(principalPaid)) + prepaid \(money(prepaid))")
            }
        }
        try db.query("""
            SELECT buyer_id, bill_date, amount, principal_paid, prepaid_applied, late_fees, late_fees_paid FROM credit_bills
            WHERE principal_paid > amount OR late_fees_paid > late_fees OR prepaid_applied > principal_paid
               OR principal_paid < 0 OR late_fees_paid < 0 OR prepaid_applied < 0
            ORDER BY buyer_id, bill_date
            """) { row in
            let money = { (fen: Int64) in Money(fen: fen).description }
            let (buyer, billDate) = (row.string("buyer_id"), row.string("bill_date"))
            let (amount, principalPaid, prepaid) = (row.int("amount"), row.int("principal_paid"), row.int("prepaid_applied"))
            let (lateFees, lateFeesPaid) = (row.int("late_fees"), row.int("late_fees_paid"))
            add(creditSection, "bill of \(buyer) on \(billDate): paid \(money(principalPaid)) (prepaid \(money(prepaid))) of \(money(amount)) and late fees \(money(lateFeesPaid)) of \(money(lateFees)): more applied than owed")
        }
    }
}
