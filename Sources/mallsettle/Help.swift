// Help: the text of `--help` for every command.

enum Help {
    static let common = """
      --db PATH         the store (default var/mallsettle.db, or $MALLSETTLE_DB)
      --config FILE     the mall configuration (default Pipelines/mall.json)
      --reports DIR     where outputs go (default Reports/)
      --date YYYY-MM-DD the as-of date (default: yesterday in the business timezone)
    """

    static let overview = """
    mallsettle — batch settlement and reconciliation for an online mall

    usage: mallsettle <command> [options]

    commands:
      init       create or migrate the store
      ingest     store feed files (posting happens in run)
      run        the nightly: ingest the inbox, post fee lines, write draft statements
      close      close settlement sheets through a date and write their statements
      export     write sheets or fee lines (and the buyer-side tables) as CSV
      status     what the store holds: runs, sheets, waiting rows
      verify     check the invariants of the store (SPEC §12)
      replay     turn a journal of mall transactions into the feeds it implies
      generate   write a realistic catalog, configuration, journal and feeds
      reconcile  compare the ingested feeds with a replayed journal (--replay)
      whatif     settle one journal under two configurations and compare
      report     one analytics report as CSV (the dashboard is written by run)

    Run `mallsettle <command> --help` for a command's options; `mallsettle --version` for the version.
    Exit status: 0 done; 3 done, but rows were quarantined or breaks found; 1 failed;
    2 usage or configuration error; 4 another command holds the store.
    """

    static let byCommand: [String: String] = [
        "init": """
        usage: mallsettle init [--db PATH]

        Creates the store, or brings an older one up to the current schema. Only init creates
        a store: every other command refuses (exit 2) a path where there is none. A file that
        is not a MallSettle store is refused and left as it is.
        """,
        "ingest": """
        usage: mallsettle ingest KIND FILE... [options]

        Stores feed files of KIND (orders, refunds, payments, repayments, adjustments, payouts).
        Files may be CSV or JSON Lines (.jsonl), optionally gzip-compressed. A file already
        stored (same content under any name) changes nothing. Bad rows are quarantined and
        listed in Reports/quarantine/{run_id}.csv; posting happens in `run`.

        options:
        \(common)
        """,
        "run": """
        usage: mallsettle run [--pipeline FILE] [--inbox DIR] [options]

        The nightly: ingests the inbox, checks refunds as their lines arrive, posts every row
        due by the as-of date into fee lines and settlement sheets, reconciles the payment
        channels and payouts, and writes draft statements of the open sheets that changed.
        New breaks make it exit 3. The pipeline file (default Pipelines/nightly.json) names
        the inbox, the configuration and the stages; with --inbox and --config no pipeline
        file is needed. One run at a time per store.

        options:
          --pipeline FILE   the pipeline (default Pipelines/nightly.json)
          --inbox DIR       the folder of feed files
        \(common)
        """,
        "close": """
        usage: mallsettle close --through DATE [--supplier ID] [options]

        Closes, supplier by supplier and oldest first, every open sheet whose period ends on
        or before DATE, carrying a negative net forward, and writes each closed sheet's
        statement (lines.csv, summary.csv, statement.html, statement.zh-CN.html,
        statement.xlsx). Without --supplier, it first settles, once, every rebate period
        ending on or before DATE (REBATE_FUNDING lines for supplier-funded rebates). Refuses
        (exit 2) while the nightly run for DATE has not completed.

        options:
          --through DATE    close periods ending on or before this date
          --supplier ID     only this supplier (settles no rebate period)
          --db PATH         the store (default var/mallsettle.db, or $MALLSETTLE_DB)
          --config FILE     the mall configuration (default Pipelines/mall.json)
          --reports DIR     where statements go (default Reports/)
          --date YYYY-MM-DD the as-of date recorded for this close (default: the --through date)
        """,
        "export": """
        usage: mallsettle export sheets|fee-lines|rebates|bills|credit|freezes|breaks [options]

        Writes CSV with a header row, rows sorted by every column from the left, so the same
        store always exports the same bytes.

        options:
          --period ID       only this period (its start date)
          --supplier ID     only this supplier
          --buyer ID        only this buyer (buyer-side exports)
          --out FILE        write to FILE instead of standard output
          --db PATH         the store
        """,
        "status": """
        usage: mallsettle status [--json] [--db PATH]

        The store's id and schema, the latest runs, sheets by status, rows waiting for their
        trigger, orphan refunds. Reads the store only.
        """,
        "verify": """
        usage: mallsettle verify [--db PATH]

        Checks the store against SPEC §12: nothing vanished, tenders balance, fully refunded
        lines net to zero, sheet totals and closed statements unchanged, carry-forwards net to
        zero, one supplier per statement. Exit 0 when all holds, 1 with every violation listed.
        """,
        "replay": """
        usage: mallsettle replay --journal FILE --catalog FILE --out DIR

        Runs a journal of mall transactions (JSON Lines, docs/journal.md) through the mall core
        and writes the feeds it implies: DIR/YYYY-MM-DD/orders-YYYYMMDD.csv, refunds-, payments-
        and repayments-, one folder per business day (each an inbox for `mallsettle run`), plus
        DIR/rejected.csv (line,event,reason,message) for events the core refused and
        DIR/points_lost.csv for points a refund could not restore. Same journal, same bytes.
        Exit 0, or 3 when events were refused.

        options:
          --journal FILE    the journal (plain or gzip)
          --catalog FILE    the catalog (JSON, docs/journal.md)
          --out DIR         where the feeds go
        """,
        "generate": """
        usage: mallsettle generate --out DIR [--days N] [--orders-per-day N] [--suppliers N]
                                   [--buyers N] [--seed N] [--start YYYY-MM-DD]

        Writes a realistic mall: DIR/catalog.json, DIR/mall.json (the settlement configuration)
        and DIR/journal.jsonl, and replays the journal into DIR/days/ (as `replay` does).
        The same options and seed always give the same bytes. Some events are refused on
        purpose (a frozen dealer paying, a buyer too late for the last units of a SKU); they
        are listed in DIR/days/rejected.csv. Exit 0, or 3 when any other event was refused.

        options (defaults in brackets):
          --days N             days of trading [30]
          --orders-per-day N   orders placed per day on average [200]
          --suppliers N        suppliers [12]
          --buyers N           buyers [2000]
          --seed N             the random seed [1]
          --start DATE         the first day [2026-10-01]
        """,
        "reconcile": """
        usage: mallsettle reconcile --replay JOURNAL --catalog FILE [--date D] [--db PATH] [--reports DIR]

        Replay reconciliation (SPEC §9): replays the journal in memory and compares every feed
        row it implies with the row the store ingested under the same key, field by field
        (values compared as parsed: money by amount, timestamps as instants). Writes
        reconciliation/DATE/replay_breaks.csv (kind,feed,key,field,expected,found) and
        replay_summary.csv under the reports folder; DATE is --date or the journal's last
        business date. Kinds: replay_missing, replay_unexpected, replay_mismatch.
        Exit 0 when everything matches, 3 when there are breaks. Reads the store only.
        """,
        "whatif": """
        usage: mallsettle whatif --journal FILE --catalog FILE --config A.json --config B.json [--out DIR]

        Replays the journal once, settles its feeds night by night under configuration A and
        under B in scratch stores (never the real one), and writes the difference per
        supplier, period and fee code: DIR/whatif.csv and DIR/whatif.html (default DIR:
        Reports/whatif). The scratch stores and feeds stay in DIR/scratch for inspection.
        """,
        "report": """
        usage: mallsettle report NAME [--from DATE --to DATE] [--out FILE]
                                 [--db PATH] [--config FILE] [--date YYYY-MM-DD]

        Writes one analytics report as CSV to standard output, or to FILE (written aside and
        renamed). Reads the store only; exit 0. The figures cover the business dates --from
        through --to (both inclusive); without them, the 30 days through the as-of date, as the
        nightly's reports stage writes them to Reports/analytics/{date}/NAME.csv beside the
        dashboard index.html (index.zh-CN.html in Chinese). --config gives the business timezone.

        NAME (columns and definitions in Reports/README.md):
          sales_daily        orders, buyers, units, GMV, discounts, refunds, net sales per day
          sku_ranking        every SKU sold, ranked by net sales
          supplier_summary   sales, fees by code, settled net and payable due per supplier
          category_mix       sales per top-level category and its share
          tender_mix         points, credit and cash per channel
          marketing_cost     discounts by funder, points used, rebates per month
          buyer_retention    monthly cohorts of first purchases and their repurchase
          gross_margin       purchase-mode net sales minus net COST per category and SKU
          settlement_status  sheets per supplier and status, payable due, late lines
          reconciliation     channel items matched, pending and broken, and fees, per day
          rebates            rebates settled per period and policy (会员返利结算)
          credit_summary     each credit line: limit, used, available, overdue (授信统计)
          overdue_bills      bills due and not settled (到期未结账单)
          arrears            what each credit buyer owes now (实时欠款)
        An unknown NAME exits 2 listing these.
        """,
    ]
}
