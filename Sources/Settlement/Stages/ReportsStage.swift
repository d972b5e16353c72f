// ReportsStage: the last stage of the nightly — refreshes the analytics reports of SPEC §10
// as `analytics/{as-of}/{name}.csv` for every report and the dashboard
// `analytics/{as-of}/index.html` (and `index.zh-CN.html`), over the 30 days through the as-of
// date (ReportWindow.ending). The only rows it writes are the facts it keeps for the reports
// (Reports/KeptFacts.swift), in one transaction: a run killed here, run again, writes the same
// bytes from the same store.
//
// SQL: Reports/KeptFacts.swift, Reports/KeptFold.swift, Reports/KeptWrite.swift, Reports/KeptWindow.swift,
// Reports/SalesReports.swift, Reports/SettlementReports.swift, Reports/BuyerReports.swift.

import MallCore

extension Stage {
    public static let reports = Stage(name: "reports") { context, record in
        try context.nightly.reports(into: &record)
    }
}

extension Nightly {
    /// Writes every report and the dashboard for the record's as-of date.
    public func reports(into record: inout RunRecord) throws {
        // The reports read the store on connections of their own while they hold a month of
        // dates; this connection's cache from the stages before would only add to the peak.
        db.releaseCachedPages()
        try Reports.refresh(db: db, config: config, window: ReportWindow.ending(record.asOf),
                            folder: "\(reportsDir)/analytics/\(record.asOf)")
    }
}
