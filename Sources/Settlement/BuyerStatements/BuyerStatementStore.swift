// BuyerStatementStore: what the store knows of the buyers' statements (store migration 9) —
// which are due, which are written and the SHA-256 of each one's lines.csv — and which credit
// movements each bill is made of. A statement is recorded as due in the same transaction that
// settles its rebate period (close) or issues its bill (the credit stage); the statements
// stage writes it and clears the flag once its files are durable, so a command killed in
// between writes it again, byte for byte, and a written statement is never written again.

import MallCore
import MallStore

/// The two kinds of buyer statement. The raw values are stored (`buyer_statements.kind`);
/// never renumber.
enum BuyerStatementKind: Int64, Sendable {
    /// A buyer's rebate movements of one settled rebate period (SPEC §7).
    case rebate = 1
    /// One credit bill with the usage and give-backs it bills (SPEC §8).
    case bill = 2
}

enum BuyerStatementStore {
    /// Settlement's store migration 9. `rebate_movements.cycle` says which cycle's period a
    /// movement belongs to (a monthly and a yearly period can share their id, `2026-01-01`);
    /// older movements are monthly unless their policy is tiered, when it cannot be told and
    /// stays 0. Bills issued before this migration get their lines by the rule the ledger
    /// follows for rows applied on time (a movement belongs to the first bill dated after it)
    /// and no statement (`lines_sha256` NULL, not due).
    static let migration = Migration(version: 9, name: "buyer statements", sql: """
        ALTER TABLE rebate_movements ADD COLUMN cycle INTEGER NOT NULL DEFAULT 0;
        UPDATE rebate_movements SET cycle = 1 WHERE kind != 'tiered';

        -- One row per buyer statement. kind 1: a rebate statement of (buyer_id, cycle, period
        -- id); kind 2: a bill statement of (buyer_id, bill date), cycle 0. pending 1: due, to be
        -- written by the next statements stage; lines_sha256: the hash of its lines.csv, set
        -- when it was written.
        CREATE TABLE buyer_statements (
            kind INTEGER NOT NULL,
            buyer_id TEXT NOT NULL,
            cycle INTEGER NOT NULL,
            period TEXT NOT NULL,
            pending INTEGER NOT NULL,
            lines_sha256 TEXT,
            PRIMARY KEY (kind, buyer_id, cycle, period)
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX buyer_statements_pending ON buyer_statements(pending) WHERE pending = 1;

        -- The credit movements (usage kind 1, give-back kind 2) each bill is made of, recorded
        -- when the bill is issued.
        CREATE TABLE credit_bill_lines (
            kind INTEGER NOT NULL,
            source_key INTEGER NOT NULL,
            buyer_id TEXT NOT NULL,
            bill_date TEXT NOT NULL,
            PRIMARY KEY (kind, source_key)
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX credit_bill_lines_bill ON credit_bill_lines(buyer_id, bill_date);

        INSERT INTO credit_bill_lines(kind, source_key, buyer_id, bill_date)
        SELECT m.kind, m.source_key, m.buyer_id,
               (SELECT min(b.bill_date) FROM credit_bills b WHERE b.buyer_id = m.buyer_id AND b.bill_date > m.movement_date)
        FROM credit_movements m
        WHERE m.has_account = 1 AND m.kind IN (1, 2)
          AND EXISTS (SELECT 1 FROM credit_bills b WHERE b.buyer_id = m.buyer_id AND b.bill_date > m.movement_date);
        INSERT INTO buyer_statements(kind, buyer_id, cycle, period, pending, lines_sha256)
        SELECT 2, buyer_id, 0, bill_date, 0, NULL FROM credit_bills;
        """)

    /// Settlement's store migration 14. The usage and give-backs of accounts that no bill has
    /// taken yet, so that a bill finds its lines among them instead of among every movement
    /// its buyer ever had (a store's history grows every month; a bill's lines do not). The
    /// credit stage adds each such movement as it records it (`CreditStore.record`), `issue`
    /// moves them onto their bill.
    static let unbilledMigration = Migration(version: 14, name: "credit movements not billed yet", sql: """
        CREATE TABLE credit_unbilled (
            kind INTEGER NOT NULL,
            source_key INTEGER NOT NULL,
            buyer_id TEXT NOT NULL,
            movement_date TEXT NOT NULL,
            PRIMARY KEY (kind, source_key)
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX credit_unbilled_buyer ON credit_unbilled(buyer_id, movement_date);

        INSERT INTO credit_unbilled(kind, source_key, buyer_id, movement_date)
        SELECT m.kind, m.source_key, m.buyer_id, m.movement_date
        FROM credit_movements m
        WHERE m.has_account = 1 AND m.kind IN (1, 2)
          AND NOT EXISTS (SELECT 1 FROM credit_bill_lines l WHERE l.kind = m.kind AND l.source_key = m.source_key);
        """)

    /// Records `buyer`'s statement of `period` as due, once.
    static func markDue(_ db: Database, kind: BuyerStatementKind, buyer: String, cycle: Int64, period: String) throws {
        try db.run("""
            INSERT OR IGNORE INTO buyer_statements(kind, buyer_id, cycle, period, pending, lines_sha256)
            VALUES (?, ?, ?, ?, 1, NULL)
            """, [.int(kind.rawValue), .text(buyer), .int(cycle), .text(period)])
    }

    /// A rebate period of `cycle` just settled, its `movements` just stored (one
    /// `rebate_movements` row each, the last ones inserted): they are marked with their cycle,
    /// and each buyer with a movement gets its rebate statement of the period. Run in the
    /// settling transaction (RebateSettle.swift).
    static func settled(_ db: Database, cycle: RebateCycle, period: Period, movements: [RebateMovement]) throws {
        guard !movements.isEmpty else { return }
        guard case .int(let last)? = try db.scalar("SELECT max(id) FROM rebate_movements") else {
            preconditionFailure("the period's movements are stored")
        }
        try db.run("UPDATE rebate_movements SET cycle = ? WHERE id > ?",
                   [.int(cycle.storeCode), .int(last - Int64(movements.count))])
        precondition(db.changes == movements.count, "one rebate_movements row per movement, the last ones inserted")
        for buyer in Set(movements.map(\.buyerID)).sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            try markDue(db, kind: .rebate, buyer: buyer, cycle: cycle.storeCode, period: period.id)
        }
    }

    /// A bill just issued: the usage and give-backs of `buyer` applied before it and billed by
    /// no earlier bill are its lines (SPEC §8: rows dated before the bill day, late rows
    /// applied at the start of a run, and windows that netted ≤ 0 and carried), and its
    /// statement is due. Run in the credit stage's transaction after the night's movements
    /// are recorded, bills of one buyer in date order.
    static func issue(_ db: Database, buyer: String, billDate: Day) throws {
        let values: [SQLValue] = [.text(buyer), .text(billDate.description)]
        try db.run("""
            INSERT INTO credit_bill_lines(kind, source_key, buyer_id, bill_date)
            SELECT kind, source_key, buyer_id, ?2 FROM credit_unbilled WHERE buyer_id = ?1 AND movement_date < ?2
            """, values)
        try db.run("DELETE FROM credit_unbilled WHERE buyer_id = ?1 AND movement_date < ?2", values)
        try markDue(db, kind: .bill, buyer: buyer, cycle: 0, period: billDate.description)
    }

    /// One statement due.
    struct Due: Sendable {
        let kind: BuyerStatementKind
        let buyerID: String
        let cycle: Int64
        let period: String
    }

    /// The statements due, in key order.
    static func due(_ db: Database) throws -> [Due] {
        var due: [Due] = []
        try db.query("""
            SELECT kind, buyer_id, cycle, period FROM buyer_statements WHERE pending = 1
            ORDER BY kind, buyer_id, cycle, period
            """) { row in
            guard let kind = BuyerStatementKind(rawValue: row.int("kind")) else { return }
            due.append(Due(kind: kind, buyerID: row.string("buyer_id"), cycle: row.int("cycle"), period: row.string("period")))
        }
        return due
    }

    /// Statements written and durable: no longer due, their lines' hash recorded.
    static func written(_ db: Database, _ statements: [(Due, sha: String)]) throws {
        try db.transaction {
            for (statement, sha) in statements {
                try db.run("""
                    UPDATE buyer_statements SET pending = 0, lines_sha256 = ?
                    WHERE kind = ? AND buyer_id = ? AND cycle = ? AND period = ?
                    """, [.text(sha), .int(statement.kind.rawValue), .text(statement.buyerID), .int(statement.cycle),
                          .text(statement.period)])
            }
        }
    }
}
