// Schema: the store's tables as named, ordered migrations recorded in `schema_migrations`.
//
// Amounts are INTEGER fen, instants INTEGER nanoseconds since the epoch (UTC), business dates
// TEXT `YYYY-MM-DD`. Every table is STRICT. A migration is never edited once released: add a
// new one at the end.

/// One schema step.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    public let sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }
}

public enum Schema {
    /// Every migration, oldest first.
    public static let migrations: [Migration] = [
        Migration(version: 1, name: "settlement spine", sql: """
        CREATE TABLE runs (
            run_seq INTEGER PRIMARY KEY,
            run_id TEXT NOT NULL UNIQUE,
            command TEXT NOT NULL,
            as_of TEXT NOT NULL,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            exit_status INTEGER
        ) STRICT;

        CREATE TABLE feed_files (
            file_id INTEGER PRIMARY KEY,
            sha256 TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL,
            name TEXT NOT NULL,
            run_seq INTEGER NOT NULL,
            status TEXT NOT NULL,              -- 'ingested' or 'rejected'
            rows_read INTEGER NOT NULL,
            accepted INTEGER NOT NULL,
            duplicate INTEGER NOT NULL,
            quarantined INTEGER NOT NULL
        ) STRICT;

        -- Files already looked at in an inbox, so a nightly re-hashes only new or changed files.
        CREATE TABLE inbox_seen (
            path TEXT PRIMARY KEY,
            size INTEGER NOT NULL,
            mtime_ns INTEGER NOT NULL,
            sha256 TEXT NOT NULL
        ) STRICT;

        CREATE TABLE quarantine (
            id INTEGER PRIMARY KEY,
            run_seq INTEGER NOT NULL,
            file TEXT NOT NULL,
            file_id INTEGER NOT NULL,
            line INTEGER NOT NULL,
            col INTEGER NOT NULL,
            reason TEXT NOT NULL,
            message TEXT NOT NULL,
            raw TEXT NOT NULL
        ) STRICT;
        CREATE INDEX quarantine_run ON quarantine(run_seq);
        CREATE INDEX quarantine_file ON quarantine(file_id);

        CREATE TABLE order_lines (
            id INTEGER PRIMARY KEY,
            order_id TEXT NOT NULL,
            line_no INTEGER NOT NULL,
            parent_order_id TEXT,             -- NULL: the same as order_id
            supplier_id TEXT NOT NULL,
            buyer_id TEXT,
            member_level TEXT,
            sku TEXT NOT NULL,
            category TEXT NOT NULL,
            quantity INTEGER NOT NULL,
            unit_price INTEGER NOT NULL,
            cost_price INTEGER,
            discount_platform INTEGER NOT NULL,
            discount_supplier INTEGER NOT NULL,
            freight INTEGER NOT NULL,
            paid_points INTEGER NOT NULL,
            paid_credit INTEGER NOT NULL,
            paid_cash INTEGER NOT NULL,
            payment_channel TEXT,
            ordered_at INTEGER NOT NULL,
            paid_at INTEGER NOT NULL,
            completed_at INTEGER,
            currency TEXT,                    -- NULL: the store's currency
            goods INTEGER NOT NULL,
            source_file INTEGER NOT NULL,     -- feed_files.file_id
            source_line INTEGER NOT NULL,
            UNIQUE (order_id, line_no)
        ) STRICT;

        -- Refund state of the order lines that have refunds: what the refunds accepted (acc_)
        -- and posted (pst_) so far add up to. Kept apart from order_lines so that checking and
        -- posting refunds write these small rows instead of rewriting the large line rows
        -- (which lie all over that table).
        CREATE TABLE line_refunds (
            line_id INTEGER PRIMARY KEY,       -- order_lines.id
            acc_quantity INTEGER NOT NULL DEFAULT 0,
            acc_goods INTEGER NOT NULL DEFAULT 0,
            acc_freight INTEGER NOT NULL DEFAULT 0,
            acc_points INTEGER NOT NULL DEFAULT 0,
            acc_credit INTEGER NOT NULL DEFAULT 0,
            acc_cash INTEGER NOT NULL DEFAULT 0,
            pst_quantity INTEGER NOT NULL DEFAULT 0,
            pst_goods INTEGER NOT NULL DEFAULT 0,
            pst_cash INTEGER NOT NULL DEFAULT 0
        ) STRICT;

        -- Posting looks at each order line first in the post that follows its ingest: the
        -- lines above `looked_through` (order lines are never deleted, so ids only grow) are
        -- new to it. Ingest itself writes nothing for posting.
        CREATE TABLE posting_progress (
            one INTEGER PRIMARY KEY CHECK (one = 1),
            looked_through INTEGER NOT NULL   -- the highest order_lines.id posting has looked at
        ) STRICT;
        INSERT INTO posting_progress(one, looked_through) VALUES (1, 0);

        -- Order lines posting looked at but could not post yet (waiting for their trigger or
        -- for the as-of date), with what their trigger depends on, so a night finds the due
        -- ones without reading the large order_lines rows of lines still waiting.
        CREATE TABLE pending_lines (
            line_id INTEGER PRIMARY KEY,
            supplier_id TEXT NOT NULL,
            paid_at INTEGER NOT NULL,
            completed_at INTEGER
        ) STRICT;

        -- state: 'unchecked' (stored, its line not yet seen or not yet checked) or 'accepted'.
        CREATE TABLE refunds (
            id INTEGER PRIMARY KEY,
            refund_id TEXT NOT NULL,
            order_id TEXT NOT NULL,
            line_no INTEGER NOT NULL,
            refund_type TEXT NOT NULL,
            quantity INTEGER NOT NULL,
            refund_goods INTEGER NOT NULL,
            refund_freight INTEGER NOT NULL,
            refund_points INTEGER NOT NULL,
            refund_credit INTEGER NOT NULL,
            refund_cash INTEGER NOT NULL,
            refunded_at INTEGER NOT NULL,
            source_file INTEGER NOT NULL,
            source_line INTEGER NOT NULL,
            raw TEXT NOT NULL,
            cols TEXT NOT NULL,                -- the file column of each field, for error locations
            state TEXT NOT NULL,
            held_since TEXT,
            posted INTEGER NOT NULL DEFAULT 0,
            posting_at INTEGER,
            UNIQUE (refund_id, order_id, line_no)
        ) STRICT;
        CREATE INDEX refunds_open ON refunds(state, posted) WHERE posted = 0;

        CREATE TABLE adjustments (
            id INTEGER PRIMARY KEY,
            adjustment_id TEXT NOT NULL UNIQUE,
            supplier_id TEXT NOT NULL,
            amount INTEGER NOT NULL,
            reason TEXT NOT NULL,
            approved_by TEXT NOT NULL,
            effective_at INTEGER NOT NULL,
            source_file INTEGER NOT NULL,
            source_line INTEGER NOT NULL,
            posted INTEGER NOT NULL DEFAULT 0
        ) STRICT;

        CREATE TABLE payments (
            id INTEGER PRIMARY KEY,
            channel TEXT NOT NULL,
            txn_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            reference TEXT NOT NULL,
            amount INTEGER NOT NULL,
            fee INTEGER NOT NULL,
            occurred_at INTEGER NOT NULL,
            source_file INTEGER NOT NULL,
            source_line INTEGER NOT NULL,
            UNIQUE (channel, txn_id)
        ) STRICT;

        CREATE TABLE repayments (
            id INTEGER PRIMARY KEY,
            repayment_id TEXT NOT NULL UNIQUE,
            buyer_id TEXT NOT NULL,
            amount INTEGER NOT NULL,
            paid_at INTEGER NOT NULL,
            source_file INTEGER NOT NULL,
            source_line INTEGER NOT NULL
        ) STRICT;

        CREATE TABLE payouts (
            id INTEGER PRIMARY KEY,
            payout_id TEXT NOT NULL UNIQUE,
            sheet_id TEXT NOT NULL,
            amount INTEGER NOT NULL,
            paid_at INTEGER NOT NULL,
            bank_ref TEXT NOT NULL,
            source_file INTEGER NOT NULL,
            source_line INTEGER NOT NULL
        ) STRICT;

        -- draft_pending: the open sheet changed and its draft statement is still to be written;
        -- statement_pending: the sheet closed and its statement files are still to be written.
        CREATE TABLE sheets (
            sheet_key INTEGER PRIMARY KEY,
            sheet_id TEXT NOT NULL UNIQUE,
            supplier_id TEXT NOT NULL,
            entity TEXT NOT NULL,
            currency TEXT NOT NULL,
            mode TEXT NOT NULL,
            period_start TEXT NOT NULL,
            period_end TEXT NOT NULL,
            status TEXT NOT NULL,
            lines INTEGER NOT NULL DEFAULT 0,
            net INTEGER NOT NULL DEFAULT 0,
            closed_at TEXT,
            statement_sha256 TEXT,
            draft_pending INTEGER NOT NULL DEFAULT 0,
            statement_pending INTEGER NOT NULL DEFAULT 0
        ) STRICT;
        CREATE INDEX sheets_supplier ON sheets(supplier_id, period_start);

        -- Fee lines are stored compactly (a night writes millions): the texts of SPEC §5
        -- (sheet_id, supplier_id, source_id, order_id, line_no, sku, direction) come from
        -- the rows they point to; codes are small integers (FeeCode.storeCode and
        -- RuleRef.storeCode in Settlement/FeeLine.swift, never renumbered).
        --   source_type 1 order (source_key = order_lines.id), 2 refund (refunds.id),
        --   3 adjustment (adjustments.id), 4 carry (sheets.sheet_key of the closed sheet),
        --   5 rebate; line_key = order_lines.id for order and refund lines.
        -- Readers read the view fee_lines, one row per line; two tables hold the lines.
        --
        -- forward_fees: the forward lines of a posted order line in one row (most lines of
        -- a night are these; one row instead of one per code is a third of the inserts),
        -- with the amounts its reversals start from. An amount of 0 is no line. The rule of
        -- the codes priced by a fee rule is stored; the others come from a feed column:
        -- goods -1 (orders.goods), platform_subsidy -2 (orders.discount_platform),
        -- freight -3 (orders.freight), cost -4 (orders.cost_price).
        CREATE TABLE forward_fees (
            line_id INTEGER PRIMARY KEY,       -- order_lines.id
            sheet_key INTEGER NOT NULL,
            posting_day INTEGER NOT NULL,      -- days since 1970-01-01
            late INTEGER NOT NULL,
            original_start INTEGER,            -- day of the original period's start when late
            trigger_at INTEGER NOT NULL,       -- the instant the line was posted at
            goods INTEGER NOT NULL,
            platform_subsidy INTEGER NOT NULL,
            freight INTEGER NOT NULL,
            commission INTEGER NOT NULL,
            commission_rule INTEGER,
            payment_fee INTEGER NOT NULL,
            payment_fee_rule INTEGER,
            payment_fee_reversible INTEGER NOT NULL,
            delivery_fee INTEGER NOT NULL,
            delivery_fee_rule INTEGER,
            warehousing_fee INTEGER NOT NULL,
            warehousing_fee_rule INTEGER,
            cost INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX forward_fees_sheet ON forward_fees(sheet_key);

        -- Every other fee line (reverse lines, adjustments, carry-forwards), one row each.
        CREATE TABLE other_fee_lines (
            id INTEGER PRIMARY KEY,
            sheet_key INTEGER NOT NULL,
            posting_day INTEGER NOT NULL,
            source_type INTEGER NOT NULL,
            source_key INTEGER NOT NULL,
            line_key INTEGER,
            fee_code INTEGER NOT NULL,
            amount INTEGER NOT NULL,
            late INTEGER NOT NULL,
            original_start INTEGER,
            rule INTEGER NOT NULL              -- fee_rules index (>= 0) or a feed column (< 0)
        ) STRICT;
        CREATE INDEX other_fee_lines_sheet ON other_fee_lines(sheet_key);

        -- The fee lines, one row per line: each non-zero amount of forward_fees under its
        -- code (1 GOODS … 8 COST), then the other lines. id tells lines apart (a forward
        -- line's is -(line_id × 16 + code)); ordered by (id > 0, abs(id)) the lines come as
        -- they were priced within a run.
        CREATE VIEW fee_lines(id, sheet_key, posting_day, source_type, source_key, line_key, fee_code, amount, late,
                              original_start, rule) AS
            WITH forward_codes(fee_code) AS (VALUES (1), (2), (3), (4), (5), (6), (7), (8))
            SELECT -(line_id * 16 + fee_code), sheet_key, posting_day, 1, line_id, line_id, fee_code, amount, late,
                   original_start, rule
            FROM (SELECT f.sheet_key, f.posting_day, f.line_id, c.fee_code, f.late, f.original_start,
                         CASE c.fee_code WHEN 1 THEN f.goods WHEN 2 THEN f.platform_subsidy WHEN 3 THEN f.freight
                                         WHEN 4 THEN f.commission WHEN 5 THEN f.payment_fee WHEN 6 THEN f.delivery_fee
                                         WHEN 7 THEN f.warehousing_fee ELSE f.cost END AS amount,
                         CASE c.fee_code WHEN 1 THEN -1 WHEN 2 THEN -2 WHEN 3 THEN -3 WHEN 4 THEN f.commission_rule
                                         WHEN 5 THEN f.payment_fee_rule WHEN 6 THEN f.delivery_fee_rule
                                         WHEN 7 THEN f.warehousing_fee_rule ELSE -4 END AS rule
                  FROM forward_fees f CROSS JOIN forward_codes c)
            WHERE amount != 0
            UNION ALL
            SELECT id, sheet_key, posting_day, source_type, source_key, line_key, fee_code, amount, late, original_start,
                   rule
            FROM other_fee_lines;

        -- Breaks (SPEC §9): listed from the run that finds them until a later row resolves them.
        CREATE TABLE breaks (
            break_id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            channel TEXT NOT NULL,
            reference TEXT NOT NULL,
            expected INTEGER,
            found INTEGER,
            first_seen TEXT NOT NULL,
            resolved_at TEXT,
            detail TEXT NOT NULL,
            UNIQUE (kind, channel, reference)
        ) STRICT;

        -- Lines and amount per sheet and fee code, kept as lines are written, so statements
        -- and drafts never re-read a sheet's lines to total them.
        CREATE TABLE sheet_totals (
            sheet_key INTEGER NOT NULL,
            fee_code INTEGER NOT NULL,
            lines INTEGER NOT NULL,
            amount INTEGER NOT NULL,
            PRIMARY KEY (sheet_key, fee_code)
        ) STRICT, WITHOUT ROWID;
        """),
        Migration(version: 2, name: "forward lines listed by sheet", sql: """
        -- A sheet's forward rows, listed once per posting (a JSON array of forward_fees.line_id),
        -- in place of an index of forward_fees by sheet: a night's million forward rows went to
        -- thousands of places in that index, a second of the run; a list per sheet and night is
        -- one row.
        CREATE TABLE forward_sheet_lines (
            id INTEGER PRIMARY KEY,
            sheet_key INTEGER NOT NULL,
            line_ids TEXT NOT NULL
        ) STRICT;
        CREATE INDEX forward_sheet_lines_sheet ON forward_sheet_lines(sheet_key);
        INSERT INTO forward_sheet_lines(sheet_key, line_ids)
            SELECT sheet_key, json_group_array(line_id)
            FROM (SELECT sheet_key, line_id FROM forward_fees ORDER BY sheet_key, line_id)
            GROUP BY sheet_key;
        DROP INDEX forward_fees_sheet;
        """),
        Migration(version: 4, name: "credit lines", sql: """
        -- Credit lines (SPEC §8). The credit stage carries each account from night to night:
        -- what it has applied (credit_movements), what waits (credit_waiting), the account
        -- balances, bills and freezes, and how far it has gone (credit_progress).
        CREATE TABLE credit_progress (
            one INTEGER PRIMARY KEY CHECK (one = 1),
            through TEXT,                      -- the last date whose day-end events are done
            lines_seen INTEGER NOT NULL,       -- the highest order_lines.id looked at
            refunds_seen INTEGER NOT NULL,     -- the highest refunds.id looked at
            repayments_seen INTEGER NOT NULL   -- the highest repayments.id looked at
        ) STRICT;
        INSERT INTO credit_progress(one, through, lines_seen, refunds_seen, repayments_seen) VALUES (1, NULL, 0, 0, 0);

        -- Rows looked at but not applied yet: dated after the as-of date, or refunds not
        -- accepted yet. kind 1 usage (order_lines.id), 2 give-back (refunds.id), 3 repayment.
        CREATE TABLE credit_waiting (
            kind INTEGER NOT NULL,
            source_key INTEGER NOT NULL,
            PRIMARY KEY (kind, source_key)
        ) STRICT, WITHOUT ROWID;

        -- Every row applied, once: kinds as in credit_waiting. has_account 0: the buyer had
        -- no credit account when it was applied (a no_credit_account break; never billed).
        CREATE TABLE credit_movements (
            kind INTEGER NOT NULL,
            source_key INTEGER NOT NULL,
            buyer_id TEXT NOT NULL,
            movement_date TEXT NOT NULL,
            amount INTEGER NOT NULL,
            has_account INTEGER NOT NULL,
            run_seq INTEGER NOT NULL,
            PRIMARY KEY (kind, source_key)
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX credit_movements_buyer ON credit_movements(buyer_id);

        CREATE TABLE credit_accounts_state (
            buyer_id TEXT PRIMARY KEY,
            credit_limit INTEGER NOT NULL,
            unbilled INTEGER NOT NULL,         -- net usage not billed yet (may be negative)
            prepaid INTEGER NOT NULL,
            frozen_from TEXT                   -- the open freeze, if any
        ) STRICT;

        CREATE TABLE credit_bills (
            buyer_id TEXT NOT NULL,
            bill_date TEXT NOT NULL,
            due_date TEXT NOT NULL,
            amount INTEGER NOT NULL,
            prepaid_applied INTEGER NOT NULL,
            principal_paid INTEGER NOT NULL,   -- includes prepaid_applied
            late_fees INTEGER NOT NULL,
            late_fees_paid INTEGER NOT NULL,
            on_time_discount INTEGER NOT NULL,
            PRIMARY KEY (buyer_id, bill_date)
        ) STRICT;
        -- The bills a night still works on: unpaid ones, and those not yet due.
        CREATE INDEX credit_bills_open ON credit_bills(due_date)
            WHERE principal_paid < amount OR late_fees_paid < late_fees;

        CREATE TABLE credit_freezes (
            buyer_id TEXT NOT NULL,
            frozen_from TEXT NOT NULL,
            unfrozen_on TEXT,
            PRIMARY KEY (buyer_id, frozen_from)
        ) STRICT;
        """),
        Migration(version: 5, name: "channel reconciliation and payouts", sql: """
        -- Channel outcomes reopen: a break resolved when a later row changed its outcome may be
        -- opened again by a still later row, one reference can have several duplicates, and one sheet
        -- several payouts. The
        -- table-wide uniqueness of (kind, channel, reference) stays for every other kind.
        CREATE TABLE breaks_v5 (
            break_id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            channel TEXT NOT NULL,
            reference TEXT NOT NULL,
            expected INTEGER,
            found INTEGER,
            first_seen TEXT NOT NULL,
            resolved_at TEXT,
            detail TEXT NOT NULL
        ) STRICT;
        INSERT INTO breaks_v5 SELECT break_id, kind, channel, reference, expected, found, first_seen, resolved_at, detail
            FROM breaks;
        DROP TABLE breaks;
        ALTER TABLE breaks_v5 RENAME TO breaks;
        CREATE UNIQUE INDEX breaks_key ON breaks(kind, channel, reference)
            WHERE kind NOT IN ('amount_mismatch', 'duplicate_in_channel', 'missing_in_channel', 'unexpected_in_channel',
                               'payout_mismatch');
        CREATE INDEX breaks_open ON breaks(resolved_at, break_id);

        -- The channel rows of one (channel, kind, reference), first accepted first.
        CREATE INDEX payments_reference ON payments(channel, kind, reference, id);

        -- How far reconciliation has read the append-only feeds (ids only grow), and the latest
        -- as-of date it judged windows against ('' before the first).
        CREATE TABLE recon_progress (
            one INTEGER PRIMARY KEY CHECK (one = 1),
            lines_through INTEGER NOT NULL,
            refunds_through INTEGER NOT NULL,
            payments_through INTEGER NOT NULL,
            judged_through TEXT NOT NULL
        ) STRICT;
        INSERT INTO recon_progress VALUES (1, 0, 0, 0, '');

        -- What the mall expects each channel to report: kind 'pay' per (parent_order_id,
        -- channel), 'refund' per (refund_id, channel of the refunded line); amount the sum of
        -- the cash, day the business date of the earliest paid_at / refunded_at.
        CREATE TABLE recon_expected (
            channel TEXT NOT NULL,
            kind TEXT NOT NULL,
            reference TEXT NOT NULL,
            amount INTEGER NOT NULL,
            day TEXT NOT NULL,
            PRIMARY KEY (channel, kind, reference)
        ) STRICT, WITHOUT ROWID;

        -- Refunds read while still unchecked (orphans): counted once they are accepted.
        CREATE TABLE recon_waiting_refunds (refund_key INTEGER PRIMARY KEY) STRICT;

        -- Order lines paid in cash read before their forward lines were posted: their
        -- PAYMENT_FEE joins the channel fees once posted.
        CREATE TABLE recon_unposted_lines (line_id INTEGER PRIMARY KEY) STRICT;

        -- Channels named by at least one accepted payments row.
        CREATE TABLE recon_channels (channel TEXT PRIMARY KEY) STRICT, WITHOUT ROWID;

        -- The outcome of each item: the first channel row of a reference (or the expectation
        -- alone) has txn_id '' here; each later row of the reference is an item of its own.
        -- outcome: matched, pending, or a break kind (break_id the open break).
        CREATE TABLE recon_items (
            channel TEXT NOT NULL,
            kind TEXT NOT NULL,
            reference TEXT NOT NULL,
            txn_id TEXT NOT NULL,
            outcome TEXT NOT NULL,
            expected INTEGER,
            found INTEGER,
            day TEXT NOT NULL,
            due TEXT NOT NULL,
            detail TEXT NOT NULL,
            break_id INTEGER,
            PRIMARY KEY (channel, kind, reference, txn_id)
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX recon_items_pending ON recon_items(due) WHERE outcome = 'pending';

        -- Items per channel, business day and outcome, kept as outcomes change (the summary).
        CREATE TABLE recon_day_counts (
            channel TEXT NOT NULL,
            day TEXT NOT NULL,
            outcome TEXT NOT NULL,
            items INTEGER NOT NULL,
            PRIMARY KEY (channel, day, outcome)
        ) STRICT, WITHOUT ROWID;

        -- Channel fees per channel and business day: what the channel charged (payments.fee
        -- by occurred_at) beside the PAYMENT_FEE charged on lines paid that day.
        CREATE TABLE recon_channel_fees (
            channel TEXT NOT NULL,
            day TEXT NOT NULL,
            channel_rows INTEGER NOT NULL DEFAULT 0,
            channel_fee INTEGER NOT NULL DEFAULT 0,
            lines INTEGER NOT NULL DEFAULT 0,
            payment_fee INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (channel, day)
        ) STRICT, WITHOUT ROWID;

        -- Payouts judged against their sheets (SPEC §6): outcome 'paid' or 'payout_mismatch'.
        CREATE TABLE payout_outcomes (
            payout_key INTEGER PRIMARY KEY,    -- payouts.id
            outcome TEXT NOT NULL,
            break_id INTEGER
        ) STRICT;
        """),
        Migration(version: 6, name: "rebates", sql: """
        -- Rebates (SPEC §7), settled by `close` without --supplier. cycle: 1 monthly, 2 yearly
        -- (RebateCycle.storeCode, never renumbered).
        -- rebate_cycles: the last day of the last rebate period settled, per cycle; a period
        -- is settled once, and a row posted into it later counts in a later period.
        CREATE TABLE rebate_cycles (
            cycle INTEGER PRIMARY KEY,
            settled_through TEXT NOT NULL
        ) STRICT;

        -- The rows of the base counted in a settled period, once per cycle. kind 1: a
        -- forward line (order_lines.id), 2: a refund (refunds.id).
        CREATE TABLE rebate_counted (
            cycle INTEGER NOT NULL,
            kind INTEGER NOT NULL,
            source_key INTEGER NOT NULL,
            period_start TEXT NOT NULL,
            PRIMARY KEY (cycle, kind, source_key)
        ) STRICT, WITHOUT ROWID;

        -- Rows posted into a period already settled, with the period they count in instead:
        -- the one of the same cycle containing the as-of date of the run that posted them
        -- (written by the nightly's rebates stage). Kinds as in rebate_counted.
        CREATE TABLE rebate_late (
            cycle INTEGER NOT NULL,
            kind INTEGER NOT NULL,
            source_key INTEGER NOT NULL,
            period_start TEXT NOT NULL,
            PRIMARY KEY (cycle, kind, source_key)
        ) STRICT, WITHOUT ROWID;

        -- One movement on a buyer's rebate account per (policy, buyer, period) with an amount;
        -- REBATE_FUNDING fee lines point here (source_key = id).
        CREATE TABLE rebate_movements (
            id INTEGER PRIMARY KEY,
            buyer_id TEXT NOT NULL,
            policy_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            period_start TEXT NOT NULL,
            base INTEGER NOT NULL,
            amount INTEGER NOT NULL,
            funded_by TEXT NOT NULL,
            settled_on TEXT NOT NULL,          -- the DATE of the close that settled it
            UNIQUE (policy_id, buyer_id, period_start)
        ) STRICT;
        CREATE INDEX rebate_movements_buyer ON rebate_movements(buyer_id, period_start);

        -- Each buyer's rebate account: the sum of its movements (`verify` checks it).
        CREATE TABLE rebate_accounts (
            buyer_id TEXT PRIMARY KEY,
            balance INTEGER NOT NULL
        ) STRICT;
        """),
        Migration(version: 7, name: "inbox files passed over", sql: """
        -- The inbox files a run passed over, with why (still being written, waiting for their
        -- .done marker, not a feed name, not a regular file): `status` lists the latest run's.
        CREATE TABLE inbox_passed_over (
            run_seq INTEGER NOT NULL,
            name TEXT NOT NULL,
            reason TEXT NOT NULL,
            PRIMARY KEY (run_seq, name)
        ) STRICT;
        """),
        Migration(version: 8, name: "store identity", sql: """
        -- The store's id, made once when the store is made (or first brought to this schema):
        -- a reports folder records the id of the store that writes into it (SPEC §11).
        CREATE TABLE store_identity (
            store_id TEXT PRIMARY KEY
        ) STRICT;
        INSERT INTO store_identity(store_id) VALUES (lower(hex(randomblob(16))));
        """),
    ]
}

extension Database {
    /// Brings the store up to the newest schema, each migration in its own transaction:
    /// `Schema.migrations` and `extra` (migrations a module above generates, e.g. Settlement's
    /// fee_lines view), in version order. Returns the versions applied now.
    @discardableResult
    public func migrate(adding extra: [Migration] = []) throws -> [Int] {
        try execute("""
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY, name TEXT NOT NULL) STRICT
        """)
        var applied = Set<Int64>()
        try query("SELECT version FROM schema_migrations") { applied.insert($0.int("version")) }
        var now: [Int] = []
        let all = (Schema.migrations + extra).sorted { $0.version < $1.version }
        for migration in all where !applied.contains(Int64(migration.version)) {
            try transaction {
                try execute(migration.sql)
                try run("INSERT INTO schema_migrations(version, name) VALUES (?, ?)",
                        [.int(Int64(migration.version)), .text(migration.name)])
            }
            now.append(migration.version)
        }
        return now
    }

    /// The store's id (migration 8), nil before it.
    public func storeID() throws -> String? {
        let exists = try scalar("SELECT count(*) FROM sqlite_master WHERE name = 'store_identity'")
        guard case .int(1)? = exists, case .text(let id)? = try scalar("SELECT store_id FROM store_identity") else { return nil }
        return id
    }

    /// The newest schema version applied, 0 for a new file.
    public func schemaVersion() throws -> Int {
        let exists = try scalar("SELECT count(*) FROM sqlite_master WHERE name = 'schema_migrations'")
        guard case .int(1)? = exists else { return 0 }
        if case .int(let v)? = try scalar("SELECT max(version) FROM schema_migrations") { return Int(v) }
        return 0
    }
}
