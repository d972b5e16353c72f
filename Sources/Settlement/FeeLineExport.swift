// FeeLineExport: fee lines as CSV rows, in the one order every output uses (SPEC §10).

import MallCore
import MallIO
import MallStore

/// Fee lines as CSV: the columns of SPEC §5, sorted by every column from the left.
enum FeeLineExport {
    static let header = ["sheet_id", "supplier_id", "posting_date", "source_type", "source_id", "order_id",
                         "line_no", "sku", "fee_code", "direction", "amount", "late", "original_period"]
    /// Which of `header` are money (right-aligned in HTML, numbers in XLSX).
    static let amountColumn = 10

    static let orderBy = """
        ORDER BY sheet_id, supplier_id, posting_date, source_type, source_id, order_id, line_no, sku, fee_code,
                 direction, amount, late, original_period
        """

    /// Streams the fee lines matching `filter` (an SQL condition on fee_lines with `?` values)
    /// as CSV rows into `sink`, in export order.
    static func rows(_ db: Database, filter: String, _ values: [SQLValue],
                     _ sink: ([CSVCell], [String]) throws -> Void) throws {
        let sql = """
            SELECT sheet_id, supplier_id, posting_date, source_type, source_id, order_id, line_no, sku, fee_code,
                   direction, amount, late, original_period
            FROM fee_lines \(filter.isEmpty ? "" : "WHERE " + filter) \(orderBy)
            """
        try db.query(sql, values) { row in
            let lineNo = row.optionalInt(6).map(String.init) ?? ""
            let amount = Money(fen: row.int(10)).description
            let texts = [row.string(0), row.string(1), row.string(2), row.string(3), row.string(4), row.string(5),
                         lineNo, row.string(7), row.string(8), row.string(9), amount, String(row.int(11)), row.string(12)]
            var cells: [CSVCell] = texts.map { .text($0) }
            cells[6] = lineNo.isEmpty ? .empty : .number(lineNo)
            cells[10] = .number(amount)
            cells[11] = .number(texts[11])
            try sink(cells, texts)
        }
    }
}
