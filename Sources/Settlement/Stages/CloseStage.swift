// CloseStage: closes the open sheets through a date (SPEC §6), for `close --through`, and
// writes their statements aside (shown by the statements stage, which the `close` command
// runs next). Not a nightly stage. A refusal (`CloseRefused`) ends the command with exit
// status 2.

import MallCore

extension Stage {
    static func close(through: Day, supplierID: String?) -> Stage {
        Stage(name: "close") { context, record in
            let nightly = context.nightly
            for (file, reason) in try StoreStatus.rejectedFiles(nightly.db) {
                record.warnings.append("\(file) was rejected whole (\(reason)) and not delivered again: none of its rows are in the sheets closed")
            }
            let summary = try Closer(db: nightly.db, config: nightly.config, progress: nightly.progress)
                .close(through: through, supplierID: supplierID, reportsDir: nightly.reportsDir)
            record.closed = summary.closed
            record.preparedStatements = summary.prepared
        }
    }
}
