// BuyerReports: the buyer-side reports (SPEC §7–8) — rebates (会员返利结算), credit_summary
// (授信统计), overdue_bills (到期未结账单) and arrears (实时欠款), read from the rebate
// movements and the credit ledger as the latest credit run left them; "overdue" is judged
// against the window's end. Columns and definitions: Reports/README.md.

import MallCore
import MallIO
import MallStore

enum BuyerReports {
    static let rebatesColumns = ["period_id", "policy_id", "kind", "funded_by", "buyers", "base", "amount", "clawbacks",
                                 "rebate_rate"]

    /// Per rebate period settled (starting on or before the window's end) and policy: the
    /// buyers with a movement, their base and amount, the negative amounts among them
    /// (clawbacks), and amount / base.
    static func rebates(_ window: ReportWindow, db: Database) throws -> ReportTable {
        var table = ReportTable(name: .rebates, columns: rebatesColumns)
        try db.query("""
            SELECT period_start, policy_id, kind, funded_by, count(*) AS buyers, sum(base) AS base, sum(amount) AS amount,
                   sum(CASE WHEN amount < 0 THEN amount ELSE 0 END) AS clawbacks
            FROM rebate_movements WHERE period_start <= ?
            GROUP BY period_start, policy_id, kind, funded_by ORDER BY period_start, policy_id, kind, funded_by
            """, [.text(window.to.description)]) { row in
            table.rows.append([ReportCell.text(row.string("period_start")), ReportCell.text(row.string("policy_id")),
                               ReportCell.text(row.string("kind")), ReportCell.text(row.string("funded_by")),
                               ReportCell.count(row.int("buyers")), ReportCell.money(row.int("base")),
                               ReportCell.money(row.int("amount")), ReportCell.money(row.int("clawbacks")),
                               ReportCell.rate(row.int("amount"), row.int("base"))])
        }
        return table
    }

    /// Per buyer with a credit account: the bills' unpaid principal, the part of it due on or
    /// before `asOf`, and unpaid late fees.
    private static let billSums = """
        SELECT buyer_id, sum(amount - principal_paid) AS unpaid,
               sum(CASE WHEN due_date <= ?1 THEN amount - principal_paid ELSE 0 END) AS overdue,
               sum(late_fees - late_fees_paid) AS late_unpaid,
               min(CASE WHEN due_date <= ?1 AND (principal_paid < amount OR late_fees_paid < late_fees) THEN due_date END)
                   AS oldest_due
        FROM credit_bills GROUP BY buyer_id
        """

    static let creditSummaryColumns = ["buyer_id", "limit", "unbilled", "unpaid_principal", "used", "available",
                                       "utilization", "prepaid", "overdue_principal", "late_fees_unpaid", "frozen"]

    /// One row per credit account, by buyer_id: used = unbilled + unpaid principal (SPEC §8),
    /// available = limit − used, utilization = used / limit.
    static func creditSummary(_ window: ReportWindow, db: Database) throws -> ReportTable {
        var table = ReportTable(name: .creditSummary, columns: creditSummaryColumns)
        try db.query("""
            SELECT s.buyer_id AS buyer_id, s.credit_limit AS credit_limit, s.unbilled AS unbilled,
                   coalesce(b.unpaid, 0) AS unpaid, s.prepaid AS prepaid, coalesce(b.overdue, 0) AS overdue,
                   coalesce(b.late_unpaid, 0) AS late_unpaid, s.frozen_from IS NOT NULL AS frozen
            FROM credit_accounts_state s LEFT JOIN (\(billSums)) b ON b.buyer_id = s.buyer_id
            ORDER BY s.buyer_id
            """, [.text(window.to.description)]) { row in
            let limit = row.int("credit_limit"), unbilled = row.int("unbilled"), unpaid = row.int("unpaid")
            let used = unbilled + unpaid
            table.rows.append([ReportCell.text(row.string("buyer_id")), ReportCell.money(limit), ReportCell.money(unbilled),
                               ReportCell.money(unpaid), ReportCell.money(used), ReportCell.money(limit - used),
                               ReportCell.rate(used, limit), ReportCell.money(row.int("prepaid")),
                               ReportCell.money(row.int("overdue")), ReportCell.money(row.int("late_unpaid")),
                               ReportCell.count(row.int("frozen"))])
        }
        return table
    }

    static let overdueBillsColumns = ["buyer_id", "bill_date", "due_date", "days_past_due", "amount", "principal_unpaid",
                                      "late_fees_unpaid", "unpaid", "frozen"]

    /// Bills due on or before the window's end with principal or late fees still unpaid,
    /// oldest due date first, then buyer and bill date; days_past_due = end − due date.
    static func overdueBills(_ window: ReportWindow, db: Database) throws -> ReportTable {
        var table = ReportTable(name: .overdueBills, columns: overdueBillsColumns)
        try db.query("""
            SELECT b.buyer_id AS buyer_id, b.bill_date AS bill_date, b.due_date AS due_date, b.amount AS amount,
                   b.amount - b.principal_paid AS principal_unpaid, b.late_fees - b.late_fees_paid AS late_fees_unpaid,
                   coalesce(s.frozen_from IS NOT NULL, 0) AS frozen
            FROM credit_bills b LEFT JOIN credit_accounts_state s ON s.buyer_id = b.buyer_id
            WHERE b.due_date <= ? AND (b.principal_paid < b.amount OR b.late_fees_paid < b.late_fees)
            ORDER BY b.due_date, b.buyer_id, b.bill_date
            """, [.text(window.to.description)]) { row in
            let dueDate = row.string("due_date")
            let due = Day(parsing: dueDate)
            let principalUnpaid = row.int("principal_unpaid"), lateFeesUnpaid = row.int("late_fees_unpaid")
            table.rows.append([ReportCell.text(row.string("buyer_id")), ReportCell.text(row.string("bill_date")),
                               ReportCell.text(dueDate), due.map { ReportCell.count(window.to.ordinal - $0.ordinal) } ?? .empty,
                               ReportCell.money(row.int("amount")), ReportCell.money(principalUnpaid),
                               ReportCell.money(lateFeesUnpaid), ReportCell.money(principalUnpaid + lateFeesUnpaid),
                               ReportCell.count(row.int("frozen"))])
        }
        return table
    }

    static let arrearsColumns = ["buyer_id", "unbilled", "billed_unpaid", "late_fees_unpaid", "prepaid", "owed",
                                 "overdue", "oldest_due_date", "frozen"]

    /// What each credit buyer owes now: owed = unbilled + billed principal unpaid + late fees
    /// unpaid − prepaid; overdue is the part of billed principal due on or before the window's
    /// end. Buyers who owe nothing and have no unpaid bill are left out; the largest owed
    /// first, then buyer_id.
    static func arrears(_ window: ReportWindow, db: Database) throws -> ReportTable {
        var rows: [(owed: Int64, buyer: String, cells: [CSVCell])] = []
        try db.query("""
            SELECT s.buyer_id AS buyer_id, s.unbilled AS unbilled, coalesce(b.unpaid, 0) AS unpaid,
                   coalesce(b.late_unpaid, 0) AS late_unpaid, s.prepaid AS prepaid, coalesce(b.overdue, 0) AS overdue,
                   b.oldest_due AS oldest_due, s.frozen_from IS NOT NULL AS frozen
            FROM credit_accounts_state s LEFT JOIN (\(billSums)) b ON b.buyer_id = s.buyer_id
            """, [.text(window.to.description)]) { row in
            let buyer = row.string("buyer_id")
            let unbilled = row.int("unbilled"), unpaid = row.int("unpaid"), lateUnpaid = row.int("late_unpaid")
            let prepaid = row.int("prepaid")
            let owed = unbilled + unpaid + lateUnpaid - prepaid
            guard owed != 0 || unpaid != 0 || lateUnpaid != 0 else { return }
            rows.append((owed, buyer, [
                ReportCell.text(buyer), ReportCell.money(unbilled), ReportCell.money(unpaid), ReportCell.money(lateUnpaid),
                ReportCell.money(prepaid), ReportCell.money(owed), ReportCell.money(row.int("overdue")),
                row.text("oldest_due").map(ReportCell.text) ?? .empty, ReportCell.count(row.int("frozen")),
            ]))
        }
        rows.sort { $0.owed != $1.owed ? $0.owed > $1.owed : bytesBefore($0.buyer, $1.buyer) }
        return ReportTable(name: .arrears, columns: arrearsColumns, rows: rows.map(\.cells))
    }
}
