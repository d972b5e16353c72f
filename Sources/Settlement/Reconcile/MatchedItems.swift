// MatchedItems: how a matched item is stored (store migration 13). A month's reconciliation
// matches about a million references, and a matched item is implied by its first channel row
// (the row it matched: channel, kind, reference, amount, txn_id) and its dates, so it is kept
// as one row of `recon_matched` with integer columns only, keyed by that payments row's id.
// `recon_items` keeps the other items (pending, breaks, duplicates), as before. A matched item
// also implies its reference's expectation (the row's amount, the item's day): the night a
// channel is first named stores in `recon_expected` only the expectations not matched, and a
// later night stores a matched one there before adding to it.

import MallCore
import MallStore

enum MatchedItems {
    /// Every item with the columns `recon_items` has: its own rows, then the matched ones
    /// (expected and found are the channel row's amount, which matched the expectation).
    static let allItems = """
        SELECT channel, kind, reference, txn_id, outcome, expected, found, day, due, detail, break_id FROM recon_items
        UNION ALL
        SELECT p.channel, p.kind, p.reference, '', 'matched', p.amount, p.amount, \(StoreViews.date("m.day")),
               \(StoreViews.date("m.due")), p.kind || '; txn_id ' || p.txn_id, NULL
        FROM recon_matched m JOIN payments p ON p.id = m.payment_key
        """

    /// Moves the matched items of `recon_items` to `recon_matched` and recreates the view that
    /// shows them, which keeps its rows.
    static let migration = Migration(version: 13, name: "matched channel items by their payments row", sql: """
        -- A reference's first item while matched: payment_key is the id of its first channel
        -- row (the row it matched), day and due its dates as day numbers.
        CREATE TABLE recon_matched (
            payment_key INTEGER PRIMARY KEY,
            day INTEGER NOT NULL,
            due INTEGER NOT NULL
        ) STRICT;
        INSERT INTO recon_matched(payment_key, day, due)
            SELECT (SELECT min(p.id) FROM payments p WHERE p.channel = i.channel AND p.kind = i.kind AND p.reference = i.reference),
                   CAST(strftime('%s', i.day) AS INTEGER) / 86400, CAST(strftime('%s', i.due) AS INTEGER) / 86400
            FROM recon_items i WHERE i.outcome = 'matched' AND i.txn_id = ''
            ORDER BY 1;
        DELETE FROM recon_items WHERE outcome = 'matched' AND txn_id = '';
        DROP VIEW IF EXISTS v_recon_items;
        CREATE VIEW v_recon_items AS
        \(StoreViews.select(of: "v_recon_items"));
        """)
}

extension ChannelReconciler {
    /// The item of `key` kept in recon_matched, if its first item is matched. With `keep`,
    /// what was read is kept for the key's next look-up (its judging); without, a kept one is
    /// taken instead of reading again.
    func storedMatch(_ key: ChannelKey, keep: Bool) throws -> ReconItem? {
        if let seen = matchesSeen.removeValue(forKey: key) { return seen }
        var matched: ReconItem?
        try db.query("""
            SELECT p.txn_id, p.amount, m.day, m.due FROM payments p JOIN recon_matched m ON m.payment_key = p.id
            WHERE p.channel = ? AND p.kind = ? AND p.reference = ?
            """, key.values) { row in
            let amount = row.int("amount")
            matched = ReconItem(txnID: "", outcome: .matched, expected: amount, found: amount,
                                day: Day(ordinal: Int(row.int("day"))), due: Day(ordinal: Int(row.int("due"))),
                                detail: "\(key.kind); txn_id \(row.string("txn_id"))")
        }
        if keep { matchesSeen[key] = .some(matched) }
        return matched
    }

    /// Stores `item`, the matched first item of `key`, by the id of the channel row it matched
    /// (at the end of the night: `writeMatches`); the item it replaces, if not matched, leaves
    /// recon_items.
    func storeMatch(_ key: ChannelKey, _ item: ReconItem, paymentKey: Int64, replacing old: ReconItem?) throws {
        if let old, old.outcome != .matched {
            try db.run("DELETE FROM recon_items WHERE channel = ? AND kind = ? AND reference = ? AND txn_id = ''", key.values)
        }
        matches.append((paymentKey, item.day, item.due))
    }

    /// Writes tonight's matched items (each reference is judged once a night, so none of them
    /// is read back before), `matchesPerInsertMax` to a statement: a month's million items cost
    /// more in running a statement per item than in storing them.
    func writeMatches() throws {
        let ordered = matches.sorted(by: { $0.paymentKey < $1.paymentKey })
        matches = []
        var start = 0
        while start < ordered.count {
            let batch = ordered[start..<min(start + Self.matchesPerInsertMax, ordered.count)]
            let insert = try db.prepare(Self.insertMatches(batch.count))
            for (offset, match) in batch.enumerated() {
                let first = Int32(3 * offset + 1)
                try insert.bind(first, match.paymentKey)
                try insert.bind(first + 1, Int64(match.day.ordinal))
                try insert.bind(first + 2, Int64(match.due.ordinal))
            }
            try insert.run()
            start += batch.count
        }
    }

    /// Matched items stored by one statement (three parameters each, far below SQLite's limit).
    static let matchesPerInsertMax = 128

    /// The statement that stores `count` matched items.
    private static func insertMatches(_ count: Int) -> String {
        "INSERT OR REPLACE INTO recon_matched(payment_key, day, due) VALUES "
            + Array(repeating: "(?, ?, ?)", count: count).joined(separator: ", ")
    }

    /// Forgets the matched item stored by the channel row `paymentKey` (its outcome changed).
    func dropMatch(paymentKey: Int64) throws {
        try db.run("DELETE FROM recon_matched WHERE payment_key = ?", [.int(paymentKey)])
    }
}
