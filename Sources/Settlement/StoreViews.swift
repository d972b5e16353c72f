// StoreViews: readable SQL views for analysts who query the store in the `sqlite3` shell
// (docs/store.md). The tables are compact (integer codes, fen, days since 1970, nanoseconds);
// each view shows one table, or a join of a few, the way the exports do: dates as
// `YYYY-MM-DD`, timestamps as UTC `YYYY-MM-DDTHH:MM:SSZ`, fee codes, source types and states as
// words, amounts as exact decimal texts (`-15.60`) beside the same amount in fen (`…_fen`,
// integers: sum those for exact totals).
//
// The views are store migration 11. Like every migration it is never edited once released: a
// view that must change is dropped and created again by a later migration.

import MallStore

enum StoreViews {
    /// `x` (integer fen, or NULL) as an exact decimal text with 2 fraction digits: `-15.60`.
    /// Computed with integer arithmetic, never through a floating-point number.
    static func decimal(_ x: String) -> String {
        "CASE WHEN \(x) IS NULL THEN NULL ELSE (CASE WHEN \(x) < 0 THEN '-' ELSE '' END) || (abs(\(x)) / 100) || '.' || "
            + "substr('0' || (abs(\(x)) % 100), -2) END"
    }

    /// A stored instant (nanoseconds since 1970, UTC) as `YYYY-MM-DDTHH:MM:SSZ`, or NULL.
    static func utc(_ x: String) -> String {
        "strftime('%Y-%m-%dT%H:%M:%SZ', \(x) / 1000000000, 'unixepoch')"
    }

    /// A stored day (days since 1970-01-01) as `YYYY-MM-DD`, or NULL.
    static func date(_ x: String) -> String {
        "date(\(x) * 86400, 'unixepoch')"
    }

    /// `amount` as a decimal and as fen, for each listed column of `row`.
    private static func money(_ row: String, _ columns: [String]) -> String {
        columns.map { "\(decimal("\(row).\($0)")) AS \($0), \(row).\($0) AS \($0)_fen" }.joined(separator: ",\n       ")
    }

    /// The name of the feed file a row came from.
    private static func sourceFile(_ row: String) -> String {
        "(SELECT name FROM feed_files WHERE file_id = \(row).source_file) AS source_file, \(row).source_line AS source_line"
    }

    /// Every view, in creation order: (name, what one row is, SELECT).
    static let views: [(name: String, row: String, select: String)] = [
        ("v_fee_lines", "a fee line, with the columns of `export fee-lines`",
         """
         SELECT sheet_id, supplier_id, posting_date, source_type, source_id, order_id, line_no, sku, fee_code,
                direction, \(decimal("amount")) AS amount, amount AS amount_fen, late, original_period
         FROM (\(FeeLineExport.select))
         """),
        ("v_sheets", "a settlement sheet, with the columns of `export sheets`",
         """
         SELECT sheet_id, supplier_id, entity, currency, mode, period_start, period_end, status, lines,
                \(decimal("net")) AS net, net AS net_fen,
                \(decimal("CASE WHEN status = 'open' THEN NULL ELSE net END")) AS payable,
                CASE WHEN status = 'open' THEN NULL ELSE net END AS payable_fen,
                closed_at, statement_sha256
         FROM sheets
         """),
        ("v_sheet_totals", "a sheet's lines and amount under one fee code (what a statement's summary lists; `code_order` sorts the codes as the summary does)",
         """
         SELECT s.sheet_id, s.supplier_id, s.entity, s.currency, s.period_start, s.period_end, s.status,
                \(FeeCode.sqlName("t.fee_code")) AS fee_code, t.fee_code AS code_order, t.lines AS lines,
                \(decimal("t.amount")) AS amount, t.amount AS amount_fen
         FROM sheet_totals t JOIN sheets s ON s.sheet_key = t.sheet_key
         WHERE t.lines != 0
         """),
        ("v_order_lines", "an order line as stored from the orders feed",
         """
         SELECT o.order_id, o.line_no, coalesce(o.parent_order_id, o.order_id) AS parent_order_id, o.supplier_id,
                o.buyer_id, o.member_level, o.sku, o.category, o.quantity,
                \(money("o", ["unit_price", "cost_price", "goods", "discount_platform", "discount_supplier", "freight",
                               "paid_points", "paid_credit", "paid_cash"])),
                o.payment_channel, \(utc("o.ordered_at")) AS ordered_at, \(utc("o.paid_at")) AS paid_at,
                \(utc("o.completed_at")) AS completed_at, o.currency, \(sourceFile("o"))
         FROM order_lines o
         """),
        ("v_refunds", "a refund row; state is `unchecked` until its line is seen, then `accepted`",
         """
         SELECT r.refund_id, r.order_id, r.line_no, r.refund_type, r.quantity,
                \(money("r", ["refund_goods", "refund_freight", "refund_points", "refund_credit", "refund_cash"])),
                \(utc("r.refunded_at")) AS refunded_at, r.state, r.posted, \(sourceFile("r"))
         FROM refunds r
         """),
        ("v_adjustments", "a manual correction by finance",
         """
         SELECT a.adjustment_id, a.supplier_id, \(money("a", ["amount"])), a.reason, a.approved_by,
                \(utc("a.effective_at")) AS effective_at, a.posted, \(sourceFile("a"))
         FROM adjustments a
         """),
        ("v_payments", "a payment channel's statement row",
         """
         SELECT p.channel, p.txn_id, p.kind, p.reference, \(money("p", ["amount", "fee"])),
                \(utc("p.occurred_at")) AS occurred_at, \(sourceFile("p"))
         FROM payments p
         """),
        ("v_repayments", "a credit-line repayment",
         """
         SELECT r.repayment_id, r.buyer_id, \(money("r", ["amount"])), \(utc("r.paid_at")) AS paid_at, \(sourceFile("r"))
         FROM repayments r
         """),
        ("v_payouts", "treasury's payout of a closed sheet, with its outcome (`paid`, `payout_mismatch`, or NULL before the reconcile stage judged it)",
         """
         SELECT p.payout_id, p.sheet_id, \(money("p", ["amount"])), \(utc("p.paid_at")) AS paid_at, p.bank_ref,
                o.outcome, \(sourceFile("p"))
         FROM payouts p LEFT JOIN payout_outcomes o ON o.payout_key = p.id
         """),
        ("v_breaks", "a break, with the columns of `breaks.csv`",
         """
         SELECT break_id, kind, channel, reference, \(money("b", ["expected", "found"])), first_seen, resolved_at, detail
         FROM breaks b
         """),
        ("v_recon_items", "an item of channel reconciliation and its outcome as of the latest run",
         reconItems(from: "(\(MatchedItems.allItems))")),
        ("v_channel_fees", "a channel's fees on one business day beside the PAYMENT_FEE charged on lines paid that day",
         """
         SELECT f.channel, f.day, f.channel_rows, \(money("f", ["channel_fee"])), f.lines AS lines_posted,
                \(decimal("-f.payment_fee")) AS payment_fee_charged, -f.payment_fee AS payment_fee_charged_fen
         FROM recon_channel_fees f
         """),
        ("v_bills", "a credit bill, with the columns of `export bills`",
         """
         SELECT b.buyer_id, b.bill_date, b.due_date,
                \(money("b", ["amount", "prepaid_applied", "principal_paid", "late_fees", "late_fees_paid",
                               "on_time_discount"])),
                \(decimal("(b.amount - b.principal_paid + b.late_fees - b.late_fees_paid)")) AS unpaid,
                b.amount - b.principal_paid + b.late_fees - b.late_fees_paid AS unpaid_fen
         FROM credit_bills b
         """),
        ("v_credit_accounts", "a credit account as of the latest run, with the columns of `export credit`",
         """
         SELECT buyer_id, \(decimal("credit_limit")) AS credit_limit, credit_limit AS credit_limit_fen,
                \(decimal("unbilled")) AS unbilled, unbilled AS unbilled_fen,
                \(decimal("unpaid_principal")) AS unpaid_principal, unpaid_principal AS unpaid_principal_fen,
                \(decimal("prepaid")) AS prepaid, prepaid AS prepaid_fen,
                \(decimal("(credit_limit - unbilled - unpaid_principal)")) AS available,
                credit_limit - unbilled - unpaid_principal AS available_fen, frozen
         FROM (SELECT s.buyer_id, s.credit_limit, s.unbilled, s.prepaid, s.frozen_from IS NOT NULL AS frozen,
                      coalesce((SELECT sum(b.amount - b.principal_paid) FROM credit_bills b
                                WHERE b.buyer_id = s.buyer_id), 0) AS unpaid_principal
               FROM credit_accounts_state s)
         """),
        ("v_freezes", "a credit account's freeze, with the columns of `export freezes`",
         "SELECT buyer_id, frozen_from, unfrozen_on FROM credit_freezes"),
        ("v_rebate_movements", "a movement on a buyer's rebate account, with the columns of `export rebates`",
         """
         SELECT m.buyer_id, m.policy_id, m.kind, m.period_start AS period_id, \(money("m", ["base", "amount"])),
                m.funded_by, m.settled_on
         FROM rebate_movements m
         """),
        ("v_rebate_accounts", "a buyer's rebate account balance",
         "SELECT a.buyer_id, \(money("a", ["balance"])) FROM rebate_accounts a"),
        ("v_runs", "a command that changed the store (run, close, ingest), with its exit status",
         "SELECT run_id, command, as_of, started_at, finished_at, exit_status FROM runs"),
        ("v_feed_files", "a feed file read once, with what became of its rows",
         """
         SELECT f.name, f.kind, f.sha256, r.run_id, f.status, f.rows_read, f.accepted, f.duplicate, f.quarantined
         FROM feed_files f LEFT JOIN runs r ON r.run_seq = f.run_seq
         """),
        ("v_quarantine", "a row (or a whole file) refused, with the columns of the quarantine files",
         """
         SELECT r.run_id, q.file, q.line, q.col AS column, q.reason, q.message, q.raw
         FROM quarantine q LEFT JOIN runs r ON r.run_seq = q.run_seq
         """),
    ]

    /// The SELECT of `v_recon_items` over `items` (recon_items, or a subquery with its columns).
    static func reconItems(from items: String) -> String {
        """
        SELECT i.channel, i.kind, i.reference, i.txn_id, i.outcome, \(money("i", ["expected", "found"])),
               i.day, i.due, i.detail, i.break_id
        FROM \(items) i
        """
    }

    /// The SELECT of the view `name` (one of `views`).
    static func select(of name: String) -> String {
        guard let view = views.first(where: { $0.name == name }) else { preconditionFailure("no view \(name)") }
        return view.select
    }

    static let migrations = [
        Migration(version: 11, name: "readable views for analysts", sql: views.map { view in
            // v_recon_items as at schema 11, over tables that exist then: migration 13 adds
            // the matched items kept apart since.
            let select = view.name == "v_recon_items" ? reconItems(from: "recon_items") : view.select
            return "-- \(view.name): one row per \(view.row).\nCREATE VIEW \(view.name) AS\n\(select);"
        }.joined(separator: "\n\n")),
    ]
}
