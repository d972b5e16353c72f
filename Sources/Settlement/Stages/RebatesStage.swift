// RebatesStage: after posting, places the rows the night posted into a rebate period already
// settled: they count in the period of the same cycle containing the run's as-of date
// (SPEC §7). Rebate periods themselves are settled by `close` (Close.swift → RebateSettle).
//
// SQL: Rebates/RebateSettle.swift.

import MallCore

extension Stage {
    public static let rebates = Stage(name: "rebates") { context, record in
        _ = try RebateSettler(db: context.nightly.db, config: context.nightly.config).placeLateRows(asOf: record.asOf, runSeq: record.runSeq)
    }
}
