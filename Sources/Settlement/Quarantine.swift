// Quarantine reasons: a closed, documented list with stable codes (SPEC §3).

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
