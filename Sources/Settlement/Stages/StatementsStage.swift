// StatementsStage: writes the statements still due — drafts of the open sheets that changed
// and the statements of sheets closed (SPEC §10), then the buyers' rebate and bill
// statements. The files themselves: StatementFiles.swift, BuyerStatements/.
//
// SQL: StatementFiles.swift (due sheets, totals), StatementLines.swift (a sheet's lines; the
// forward amounts' columns from ForwardFeeSQL.swift, the other lines' from FeeLineExport.swift),
// BuyerStatements/BuyerStatementStore.swift and BuyerStatements/BuyerStatementDocument.swift
// (buyer statements).

extension Stage {
    public static let statements = Stage(name: "statements") { context, record in
        try context.nightly.statements(into: &record)
    }
}

extension Nightly {
    /// Writes the statements still due, showing first those a close has written, then the
    /// buyers' rebate and bill statements due (BuyerStatements/). Sheets' statements that
    /// could not be written do not hold back the buyers'; the first failure is thrown after.
    public func statements(into record: inout RunRecord) throws {
        let prepared = record.preparedStatements
        record.preparedStatements = []
        var failure: (any Error)?
        do {
            record.statementsWritten = try StatementFiles.writePending(db, config: config, reportsDir: reportsDir,
                                                                       prepared: prepared)
        } catch {
            failure = error
        }
        do {
            record.buyerStatementsWritten = try BuyerStatementFiles.writePending(db, reportsDir: reportsDir)
        } catch {
            throw failure ?? error
        }
        if let failure { throw failure }
    }
}
