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
            SELECT s.buyer_id, coalesce(m.net_usage, 0) - coalesce(b.principal_paid, 0), s.unbilled,
                   coalesce(b.unpaid_principal, 0), coalesce(m.repaid, 0), coalesce(b.discounts, 0),
                   coalesce(b.fees_paid, 0), coalesce(b.principal_paid, 0), s.prepaid
            FROM credit_accounts_state s LEFT JOIN moved m ON m.buyer_id = s.buyer_id
            LEFT JOIN billed b ON b.buyer_id = s.buyer_id
            ORDER BY s.buyer_id
            """) { row in
            let buyer = row.string(0)
            let money = { (fen: Int64) in Money(fen: fen).description }
            let (used, unbilled, unpaid) = (row.int(1), row.int(2), row.int(3))
            if used != unbilled + unpaid {
                add(creditSection, "credit account \(buyer): credit used \(money(used)) ≠ unbilled \(money(unbilled)) + unpaid principal \(money(unpaid))")
            }
            let (repaid, discounts, feesPaid, principalPaid, prepaid) = (row.int(4), row.int(5), row.int(6), row.int(7), row.int(8))
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
            add(creditSection, "bill of \(row.string(0)) on \(row.string(1)): paid \(money(row.int(3))) (prepaid \(money(row.int(4)))) of \(money(row.int(2))) and late fees \(money(row.int(6))) of \(money(row.int(5))): more applied than owed")
        }
    }
}
