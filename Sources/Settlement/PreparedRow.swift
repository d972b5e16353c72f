// PreparedRow: a feed's rows read and checked on a second thread, so that parsing and typing
// (CPU) overlap with storing (SQLite) on the two cores a night has. The rows go over in a
// `Handoff` (MallCore/Handoff.swift).

import Foundation
import MallCore
import MallIO

/// A row after the checks that need no store: refused already, or ready to store.
enum PreparedRow: Sendable {
    case refused(line: Int, column: Int, reason: QuarantineReason, message: String, raw: String)
    case staged(StagedRow, RowOrigin)
}

/// Where a staged row came from, for the messages of the checks the store makes. The cells
/// themselves stay (and are freed) on the reading thread.
struct RowOrigin: Sendable {
    let line: Int
    let columns: [Int]
    let raw: String
}

extension PreparedRow {
    /// Rows per hand-over, and hand-overs in flight: memory stays bounded whatever the file.
    static let batchRows = 2_048
    static let batchesInFlightMax = 8

    /// Starts reading `reader` on a new thread, preparing each row with `prepare`; a plain
    /// CSV record first goes to `plain`, which types it from its bytes or returns nil to leave
    /// it to `prepare` (`FeedReader.next(plain:otherwise:)`). Take the rows with `next()`, in
    /// file order; what the reader throws comes after the rows before it.
    static func reading(_ reader: FeedReader, plain: @escaping @Sendable (CSVRecordView) -> PreparedRow? = { _ in nil },
                        prepare: @escaping @Sendable (FeedRow) -> PreparedRow) -> Handoff<PreparedRow, FeedFileError> {
        let box = ReaderBox(reader)
        return Handoff(batchItems: batchRows, batchesInFlightMax: batchesInFlightMax) { emit throws(FeedFileError) in
            var open = true
            while try box.reader.next(plain: { view in
                guard let row = plain(view) else { return false }
                open = emit(row)
                return true
            }, otherwise: { open = emit(prepare($0)) }) {
                guard open else { return }
            }
        }
    }
}

/// Moves the reader to the thread that alone uses it from then on.
private final class ReaderBox: @unchecked Sendable {
    let reader: FeedReader
    init(_ reader: FeedReader) { self.reader = reader }
}
