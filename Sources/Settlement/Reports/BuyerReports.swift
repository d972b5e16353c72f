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
            SELECT period_start, policy_id, kind, funded_by, count(*), sum(base), sum(amount),
                   sum(CASE WHEN amount < 0 THEN amount ELSE 0 END)
            FROM rebate_movements WHERE period_start <= ?
            GROUP BY period_start, policy_id, kind, funded_by ORDER BY period_start, policy_id, kind, funded_by
            """, [.text(window.to.description)]) { row in
            table.rows.append([ReportCell.text(row.string(0)), ReportCell.text(row.string(1)), ReportCell.text(row.string(2)),
                               ReportCell.text(row.string(3)), ReportCell.count(row.int(4)), ReportCell.money(row.int(5)),
                               ReportCell.money(row.int(6)), ReportCell.money(row.int(7)), ReportCell.rate(row.int(6), row.int(5))])
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
            SELECT s.buyer_id, s.credit_limit, s.unbilled, coalesce(b.unpaid, 0), s.prepaid, coalesce(b.overdue, 0),
                   coalesce(b.late_unpaid, 0), s.frozen_from IS NOT NULL
            FROM credit_accounts_state s LEFT JOIN (\(billSums)) b ON b.buyer_id = s.buyer_id
            ORDER BY s.buyer_id
            """, [.text(window.to.description)]) { row in
            let used = row.int(2) + row.int(3)
            table.rows.append([ReportCell.text(row.string(0)), ReportCell.money(row.int(1)), ReportCell.money(row.int(2)),
                               ReportCell.money(row.int(3)), ReportCell.money(used), ReportCell.money(row.int(1) - used),
                               ReportCell.rate(used, row.int(1)), ReportCell.money(row.int(4)), ReportCell.money(row.int(5)),
                               ReportCell.money(row.int(6)), ReportCell.count(row.int(7))])
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
            SELECT b.buyer_id, b.bill_date, b.due_date, b.amount, b.amount - b.principal_paid, b.late_fees - b.late_fees_paid,
                   coalesce(s.frozen_from IS NOT NULL, 0)
            FROM credit_bills b LEFT JOIN credit_accounts_state s ON s.buyer_id = b.buyer_id
            WHERE b.due_date <= ? AND (b.principal_paid < b.amount OR b.late_fees_paid < b.late_fees)
            ORDER BY b.due_date, b.buyer_id, b.bill_date
            """, [.text(window.to.description)]) { row in
            let due = Day(parsing: row.string(2))
            table.rows.append([ReportCell.text(row.string(0)), ReportCell.text(row.string(1)), ReportCell.text(row.string(2)),
                               due.map { ReportCell.count(window.to.ordinal - $0.ordinal) } ?? .empty,
                               ReportCell.money(row.int(3)), ReportCell.money(row.int(4)), ReportCell.money(row.int(5)),
                               ReportCell.money(row.int(4) + row.int(5)), ReportCell.count(row.int(6))])
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
            SELECT s.buyer_id, s.unbilled, coalesce(b.unpaid, 0), coalesce(b.late_unpaid, 0), s.prepaid,
                   coalesce(b.overdue, 0), b.oldest_due, s.frozen_from IS NOT NULL
            FROM credit_accounts_state s LEFT JOIN (\(billSums)) b ON b.buyer_id = s.buyer_id
            """, [.text(window.to.description)]) { row in
            let owed = row.int(1) + row.int(2) + row.int(3) - row.int(4)
            guard owed != 0 || row.int(2) != 0 || row.int(3) != 0 else { return }
            rows.append((owed, row.string(0), [
                ReportCell.text(row.string(0)), ReportCell.money(row.int(1)), ReportCell.money(row.int(2)), ReportCell.money(row.int(3)),
                ReportCell.money(row.int(4)), ReportCell.money(owed), ReportCell.money(row.int(5)),
                row.text(6).map(ReportCell.text) ?? .empty, ReportCell.count(row.int(7)),
            ]))
        }
        rows.sort { $0.owed != $1.owed ? $0.owed > $1.owed : bytesBefore($0.buyer, $1.buyer) }
        return ReportTable(name: .arrears, columns: arrearsColumns, rows: rows.map(\.cells))
    }
}
