// ReconcileStage: payment-channel reconciliation and payouts (SPEC §9, §6), after posting
// and before the breaks stage lists what it opened and resolved. One transaction for both;
// then `reconciliation/{as-of}/summary.csv` and `channel_fees.csv`, written from the store
// alone, so a run killed after the commit writes the same files when run again.
//
// Payouts are judged here rather than in a stage of their own: both are treasury's check of
// what the outside world moved against what the store says, both open breaks that the
// breaks stage lists next, and neither is worth a second transaction (docs/decisions.md).
//
// SQL: Reconcile/ChannelReconciler.swift, Reconcile/ChannelFees.swift, Reconcile/Payouts.swift,
// Reconcile/ReconcileSummaryFile.swift.

import MallIO

extension Stage {
    public static let reconcile = Stage(name: "reconcile") { context, record in
        try context.nightly.reconcile(into: &record)
    }
}

extension Nightly {
    /// Reconciles the channels and judges the payouts as of the record's date, in one
    /// transaction, then writes the reconciliation summary and channel fees.
    public func reconcile(into record: inout RunRecord) throws {
        var summary = ReconcileSummary()
        try db.transaction {
            try ChannelReconciler(db: db, config: config, asOf: record.asOf).reconcile(into: &summary)
            try PayoutJudge(db: db, asOf: record.asOf).judge(into: &summary)
        }
        record.reconciliation = summary
        let folder = "\(reportsDir)/reconciliation/\(record.asOf)"
        // Half-written files of a run killed here or in the breaks stage after it (`.NAME.tmp-…`).
        AtomicFile.removeLeftovers(in: folder)
        try AtomicFile.write(ReconcileSummaryFile.csv(db), to: "\(folder)/summary.csv")
        try AtomicFile.write(ChannelFees.csv(db), to: "\(folder)/channel_fees.csv")
    }
}
