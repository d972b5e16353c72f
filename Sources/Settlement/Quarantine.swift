// Quarantine reasons: a closed, documented list with stable codes (SPEC §3), and the one
// place that records a refused row.

import MallStore

/// Why a row or a whole file was not accepted. Codes are stable; never rename one.
public enum QuarantineReason: String, Sendable, CaseIterable {
    // Row checks, in the order they run.
    case malformedRow = "malformed_row"
    case missingField = "missing_field"
    case badQuantity = "bad_quantity"
    case tooLong = "too_long"
    case badMoney = "bad_money"
    case badTimestamp = "bad_timestamp"
    case badRefundType = "bad_refund_type"
    case badKind = "bad_kind"
    case conflictingRedelivery = "conflicting_redelivery"
    case unknownSupplier = "unknown_supplier"
    case badCurrency = "bad_currency"
    case negativeGoods = "negative_goods"
    case tenderMismatch = "tender_mismatch"
    case overRefund = "over_refund"
    // Whole-file rejections, listed with line 0.
    case missingColumn = "missing_column"
    case duplicateColumn = "duplicate_column"
    case corruptGzip = "corrupt_gzip"
    case notUTF8 = "not_utf8"
    case unreadable = "unreadable"
}

/// A row (or file) refused, located to file, line and column.
public struct Rejection: Error, Sendable {
    public let reason: QuarantineReason
    public let column: Int
    public let message: String

    public init(_ reason: QuarantineReason, column: Int, _ message: String) {
        self.reason = reason
        self.column = column
        self.message = message
    }
}

/// A quarantined row (or a rejected file, line 0).
public struct QuarantineEntry: Sendable {
    public let file: String
    public let line: Int
    public let column: Int
    public let reason: QuarantineReason
    public let message: String
    public let raw: String

    /// Stores the entry for run `runSeq`, against the feed file it came from.
    func record(in db: Database, runSeq: Int64, fileID: Int64) throws {
        try db.run("""
            INSERT INTO quarantine(run_seq, file, file_id, line, col, reason, message, raw)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, [.int(runSeq), .text(file), .int(fileID), .int(Int64(line)), .int(Int64(column)),
                  .text(reason.rawValue), .text(message), .text(raw)])
    }
}
