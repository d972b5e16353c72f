// Exports: CSV of any selection, always with a header, rows sorted by every column from the
// left, so one store always exports the same bytes (SPEC §10).

import MallCore
import MallIO
import MallStore

/// What `export` can write.
public enum ExportKind: String, Sendable, CaseIterable {
    case sheets, feeLines = "fee-lines", rebates, bills, credit, freezes, breaks
}

/// Selection filters of `export`.
public struct ExportFilter: Sendable {
    public var period: String?
    public var supplier: String?
    public var buyer: String?
    public init(period: String? = nil, supplier: String? = nil, buyer: String? = nil) {
        self.period = period
        self.supplier = supplier
        self.buyer = buyer
    }
}

public enum Exporter {
    public static let sheetColumns = ["sheet_id", "supplier_id", "entity", "currency", "mode", "period_start",
                                      "period_end", "status", "lines", "net", "payable", "closed_at", "statement_sha256"]

    /// Writes the export as CSV bytes through `emit` (called in chunks).
    public static func export(_ kind: ExportKind, db: Database, filter: ExportFilter,
                              emit: ([UInt8]) throws -> Void) throws {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 20)
        func flushIfLarge() throws {
            if buffer.count >= 1 << 20 { try emit(buffer); buffer.removeAll(keepingCapacity: true) }
        }
        switch kind {
        case .feeLines:
            CSVEncoder.appendRow(FeeLineExport.header.map { .text($0) }, to: &buffer)
            var conditions: [String] = []
            var values: [SQLValue] = []
            if let supplier = filter.supplier { conditions.append("s.supplier_id = ?"); values.append(.text(supplier)) }
            if let period = filter.period { conditions.append("s.period_start = ?"); values.append(.text(period)) }
            try FeeLineExport.rows(db, filter: conditions.joined(separator: " AND "), values) { cells, _ in
                CSVEncoder.appendRow(cells, to: &buffer)
                try flushIfLarge()
            }
        case .sheets:
            CSVEncoder.appendRow(sheetColumns.map { .text($0) }, to: &buffer)
            var conditions: [String] = []
            var values: [SQLValue] = []
            if let supplier = filter.supplier { conditions.append("supplier_id = ?"); values.append(.text(supplier)) }
            if let period = filter.period { conditions.append("period_start = ?"); values.append(.text(period)) }
            let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            try db.query("""
                SELECT sheet_id, supplier_id, entity, currency, mode, period_start, period_end, status, lines, net,
                       CASE WHEN status = 'open' THEN NULL ELSE net END AS payable, closed_at, statement_sha256
                FROM sheets \(whereClause)
                ORDER BY sheet_id, supplier_id, entity, currency, mode, period_start, period_end, status, lines, net
                """, values) { row in
                // The query's names are the header's: the text columns through `status`, then the rest.
                var cells: [CSVCell] = sheetColumns.prefix(8).map { .text(row.string($0)) }
                cells.append(.number(String(row.int("lines"))))
                cells.append(.number(Money(fen: row.int("net")).description))
                cells.append(row.optionalInt("payable").map { .number(Money(fen: $0).description) } ?? .empty)
                cells.append(row.text("closed_at").map { .text($0) } ?? .empty)
                cells.append(row.text("statement_sha256").map { .text($0) } ?? .empty)
                CSVEncoder.appendRow(cells, to: &buffer)
            }
        case .breaks:
            buffer.append(contentsOf: try Breaks.csv(db, listedOn: nil))
        case .bills, .credit, .freezes:
            try CreditExport.append(kind, db: db, filter: filter, to: &buffer)
        case .rebates:
            try RebateExport.append(db: db, filter: filter, to: &buffer)
        }
        try emit(buffer)
    }

    /// The columns of the buyer-side exports: `RebateExport`'s and `CreditExport`'s.
    static func headerOfLaterStage(_ kind: ExportKind) -> [String] {
        switch kind {
        case .rebates: return RebateExport.columns
        case .bills: return CreditExport.billColumns
        case .credit: return CreditExport.creditColumns
        case .freezes: return CreditExport.freezeColumns
        default: return []
        }
    }
}
