// PostStage: checks refunds as their lines arrive and posts every row due by the as-of date
// into fee lines and settlement sheets (SPEC §3.2, §5–6), in one transaction, then holds the
// run's conservation check.
//
// Checking refunds stays inside this stage rather than being a stage of its own: `Poster`
// reads the open refunds with their lines once, after the forward lines are posted, and that
// one read serves both the check and the reverse lines, whose refund rows and line states are
// each written once (`Poster.checkAndPostRefunds`). A separate stage would read them twice
// and write each accepted refund twice, and the check would have to move before or after the
// forward lines, changing the order of the store's writes. The night's conservation check
// also spans all of posting.
//
// SQL: Posting.swift (what is due, open refunds, refund states), FeeLine.swift (`FeeLineWriter`:
// fee lines), Sheets.swift (`SheetBook`: sheets and their totals), Breaks.swift (orphan
// refunds' breaks), Conservation.swift (the conservation check).

import MallCore
import MallStore

extension Stage {
    public static let post = Stage(name: "post") { context, record in
        try context.nightly.post(into: &record)
    }
}

extension Nightly {
    /// Posts every row due by the as-of date and checks refunds as they become usable, in one
    /// transaction. The breaks it opened are listed by the `breaks` stage.
    public func post(into record: inout RunRecord) throws {
        let poster = Poster(db: db, config: config, asOf: record.asOf, runSeq: record.runSeq, progress: progress)
        var summary = PostingSummary()
        // The night's order lines are summed on the other core while posting runs.
        let lineTotals = Conservation.orderLineTotalsAhead(storePath: db.path, linesAfter: record.marks.lines)
        do {
            try db.transaction {
                try poster.post(into: &summary)
                guard let lines = try lineTotals.next()?.first else { preconditionFailure("order-line totals") }
                let totals = try Conservation.totals(db, lines: lines, refundsAfter: record.marks.refunds)
                guard totals.holds else { throw ConservationError(totals: totals) }
            }
        } catch {
            lineTotals.cancel()
            throw error
        }
        record.posting = summary
        record.quarantined.append(contentsOf: summary.overRefunds)
    }
}
