// RebateVerify: what `verify` checks of the rebates (SPEC §7): each buyer's rebate account is
// the sum of its movements, and the REBATE_FUNDING lines of each (policy, buyer, period) sum to
// the supplier-funded amount (none for the platform-funded ones).

import MallCore
import MallStore

extension Verifier {
    /// Violations of the rebates are reported under this number (`§7:` in messages).
    public static let rebateSection = -7

    static func rebatesAddUp(_ db: Database, _ add: (Int, String) -> Void) throws {
        let money = { (fen: Int64) in Money(fen: fen).description }
        try db.query("""
            WITH moved AS (SELECT buyer_id, sum(amount) AS total FROM rebate_movements GROUP BY buyer_id)
            SELECT m.buyer_id AS buyer_id, m.total AS total, a.balance AS balance
            FROM moved m LEFT JOIN rebate_accounts a ON a.buyer_id = m.buyer_id
            WHERE a.balance IS NOT m.total
            UNION ALL
            SELECT a.buyer_id AS buyer_id, NULL AS total, a.balance AS balance FROM rebate_accounts a
            WHERE NOT EXISTS (SELECT 1 FROM rebate_movements m WHERE m.buyer_id = a.buyer_id) AND a.balance != 0
            ORDER BY 1
            """) { row in
            let total = row.optionalInt("total") ?? 0
            let balance = row.optionalInt("balance").map(money) ?? "missing"
            add(rebateSection, "rebate account \(row.string("buyer_id")): balance \(balance) ≠ the sum of its movements \(money(total))")
        }
        try db.query("""
            WITH funded AS (SELECT source_key, sum(amount) AS total, count(*) AS lines FROM other_fee_lines
                            WHERE source_type = ? GROUP BY source_key)
            SELECT m.policy_id AS policy_id, m.buyer_id AS buyer_id, m.period_start AS period_start,
                   m.funded_by AS funded_by, m.amount AS amount, coalesce(f.total, 0) AS funding
            FROM rebate_movements m LEFT JOIN funded f ON f.source_key = m.id
            WHERE coalesce(f.total, 0) != CASE m.funded_by WHEN 'supplier' THEN -m.amount ELSE 0 END
               OR (m.funded_by != 'supplier' AND f.lines IS NOT NULL)
            UNION ALL
            SELECT '?' AS policy_id, '?' AS buyer_id, '?' AS period_start, 'nothing' AS funded_by, 0 AS amount,
                   f.total AS funding
            FROM funded f
            WHERE NOT EXISTS (SELECT 1 FROM rebate_movements m WHERE m.id = f.source_key)
            ORDER BY 1, 2, 3
            """, [.int(SourceType.rebate.rawValue)]) { row in
            let movement = "\(row.string("policy_id"))/\(row.string("buyer_id"))/\(row.string("period_start"))"
            add(rebateSection, "REBATE_FUNDING lines of \(movement) sum to \(money(row.int("funding"))), but the \(row.string("funded_by"))-funded amount is \(money(row.int("amount")))")
        }
    }
}
