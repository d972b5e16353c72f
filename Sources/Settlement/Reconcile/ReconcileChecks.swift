// ReconcileChecks: what must always hold of reconciliation and payouts, checked by `verify`
// (Verify.swift calls `verify` last). Full scans are fine here: verify reads the whole store.

import MallStore

enum ReconcileChecks {
    /// The break kinds of the channel outcomes, as SQL text (constants only).
    private static let channelKinds = ChannelOutcome.breakKinds.map { "'\($0.rawValue)'" }.joined(separator: ", ")

    static func verify(_ db: Database, _ add: (Int, String) -> Void) throws {
        try everyChannelRowHasOneOutcome(db, add)
        try channelBreaksAreTheirItems(db, add)
        try dayCountsAreTheItems(db, add)
        try paidSheetsHaveTheirPayout(db, add)
    }

    /// 3. Every payments row read by reconciliation (of a reconciled channel, which every
    /// row's channel is) is in exactly one item: the first row of its reference in the
    /// reference's item (in recon_matched when matched), each later one in its own.
    private static func everyChannelRowHasOneOutcome(_ db: Database, _ add: (Int, String) -> Void) throws {
        try db.query("""
            WITH firsts(id) AS (SELECT min(id) FROM payments GROUP BY channel, kind, reference)
            SELECT p.channel, p.txn_id,
                   (SELECT count(*) FROM recon_items i WHERE i.channel = p.channel AND i.kind = p.kind
                       AND i.reference = p.reference
                       AND (i.txn_id = p.txn_id OR (i.txn_id = '' AND i.found IS NOT NULL AND p.id IN (SELECT id FROM firsts))))
                   + (SELECT count(*) FROM recon_matched m WHERE m.payment_key = p.id AND p.id IN (SELECT id FROM firsts))
                   AS outcomes
            FROM payments p WHERE p.id <= (SELECT payments_through FROM recon_progress) ORDER BY p.id
            """) { row in
            if row.int("outcomes") != 1 {
                add(3, "payments row \(row.string("channel"))/\(row.string("txn_id")) has \(row.int("outcomes")) reconciliation outcomes, not 1")
            }
        }
    }

    /// 3. Every item whose outcome is a break holds its open break of that kind, and every
    /// open channel break is held by one item.
    private static func channelBreaksAreTheirItems(_ db: Database, _ add: (Int, String) -> Void) throws {
        try db.query("""
            SELECT i.channel, i.reference, i.outcome FROM recon_items i LEFT JOIN breaks b ON b.break_id = i.break_id
            WHERE i.outcome IN (\(channelKinds)) AND (b.break_id IS NULL OR b.resolved_at IS NOT NULL OR b.kind != i.outcome)
            ORDER BY 1, 2
            """) { add(3, "\($0.string("outcome")) \($0.string("channel"))/\($0.string("reference")) has no open break") }
        try db.query("""
            SELECT b.break_id, b.kind, b.reference FROM breaks b
            WHERE b.kind IN (\(channelKinds)) AND b.resolved_at IS NULL
              AND (SELECT count(*) FROM recon_items i WHERE i.break_id = b.break_id AND i.outcome = b.kind) != 1
            ORDER BY 1
            """) { add(3, "open break \($0.int("break_id")) (\($0.string("kind")) \($0.string("reference"))) is not the outcome of one item") }
    }

    /// 3. The summary's counts are the items' outcomes (the matched ones' too).
    private static func dayCountsAreTheItems(_ db: Database, _ add: (Int, String) -> Void) throws {
        try db.query("""
            WITH counted(channel, day, outcome, n) AS (
                SELECT channel, day, outcome, count(*) FROM (\(MatchedItems.allItems)) GROUP BY channel, day, outcome)
            SELECT coalesce(c.channel, k.channel) AS channel, coalesce(c.day, k.day) AS day,
                   coalesce(c.outcome, k.outcome) AS outcome, coalesce(c.n, 0) AS item_count, coalesce(k.items, 0) AS summary_count
            FROM counted c FULL JOIN recon_day_counts k ON k.channel = c.channel AND k.day = c.day AND k.outcome = c.outcome
            WHERE coalesce(c.n, 0) != coalesce(k.items, 0) ORDER BY 1, 2, 3
            """) {
            add(3, "\($0.string("channel")) \($0.string("day")): \($0.int("item_count")) items \($0.string("outcome")) but the summary counts \($0.int("summary_count"))")
        }
    }

    /// 6. A paid sheet is closed and paid by exactly one payout of its payable.
    private static func paidSheetsHaveTheirPayout(_ db: Database, _ add: (Int, String) -> Void) throws {
        try db.query("""
            SELECT s.sheet_id, (SELECT count(*) FROM payouts p JOIN payout_outcomes o ON o.payout_key = p.id
                                WHERE p.sheet_id = s.sheet_id AND o.outcome = 'paid' AND p.amount = s.net) AS payout_count
            FROM sheets s WHERE s.status = 'paid' ORDER BY 1
            """) {
            if $0.int("payout_count") != 1 { add(6, "sheet \($0.string("sheet_id")) is paid by \($0.int("payout_count")) payouts of its payable, not 1") }
        }
    }
}
