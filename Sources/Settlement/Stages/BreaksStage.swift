// BreaksStage: writes `reconciliation/{as-of}/breaks.csv`, the breaks open as of the run's
// date (SPEC §9), after posting has opened and resolved them.
//
// SQL: Breaks.swift.

import MallIO

extension Stage {
    public static let breaks = Stage(name: "breaks") { context, record in
        try context.nightly.breaks(into: &record)
    }
}

extension Nightly {
    /// Lists the open breaks as of the record's date.
    public func breaks(into record: inout RunRecord) throws {
        try AtomicFile.write(Breaks.csv(db, listedOn: record.asOf),
                             to: "\(reportsDir)/reconciliation/\(record.asOf)/breaks.csv")
    }
}
