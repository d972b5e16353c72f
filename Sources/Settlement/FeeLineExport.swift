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

    /// The texts of SPEC §5 rebuilt from the compact store: the sheet, the order line, and
    /// the refund, adjustment, closed sheet or rebate movement a line comes from.
    static func select(from source: String) -> String {
        """
        SELECT s.sheet_id AS sheet_id, s.supplier_id AS supplier_id,
               date(f.posting_day * 86400, 'unixepoch') AS posting_date,
               \(SourceType.sqlName("f.source_type")) AS source_type,
               CASE f.source_type WHEN 1 THEN o.order_id WHEN 2 THEN r.refund_id WHEN 3 THEN a.adjustment_id
                                  WHEN 4 THEN c.sheet_id
                                  WHEN 5 THEN m.policy_id || '/' || m.buyer_id || '/' || m.period_start
                                  ELSE '' END AS source_id,
               coalesce(o.order_id, '') AS order_id, o.line_no AS line_no, coalesce(o.sku, '') AS sku,
               \(FeeCode.sqlName("f.fee_code")) AS fee_code,
               CASE f.source_type WHEN 2 THEN 'reverse' ELSE 'forward' END AS direction,
               f.amount AS amount, f.late AS late,
               coalesce(date(f.original_start * 86400, 'unixepoch'), '') AS original_period,
               f.id AS fee_line_id
        FROM \(source) f
        JOIN sheets s ON s.sheet_key = f.sheet_key
        LEFT JOIN order_lines o ON o.id = f.line_key
        LEFT JOIN refunds r ON f.source_type = 2 AND r.id = f.source_key
        LEFT JOIN adjustments a ON f.source_type = 3 AND a.id = f.source_key
        LEFT JOIN sheets c ON f.source_type = 4 AND c.sheet_key = f.source_key
        LEFT JOIN rebate_movements m ON f.source_type = 5 AND m.id = f.source_key
        """
    }

    /// Every fee line.
    static let select = select(from: "fee_lines")

    /// The fee lines of the sheet bound to `?1`: the rows of the `fee_lines` view with that
    /// sheet_key, found without reading every forward row. Its forward rows are looked up by
    /// the line ids `forward_sheet_lines` lists for the sheet (forward_fees has no index by
    /// sheet) and unfolded by code by the same SQL as the view (`ForwardFeeSQL`); its other lines come by the sheet
    /// index of `other_fee_lines`. (SQLite does not push a condition through the view's
    /// unfolding, so the view itself would read every forward row.)
    static let sheetFeeLines = """
        (\(ForwardFeeSQL.lines(from: "forward_sheet_lines l, json_each(l.line_ids) j JOIN forward_fees f ON f.line_id = j.value",
                              where: "l.sheet_key = ?1 AND f.sheet_key = ?1"))
         UNION ALL
         SELECT \(ForwardFeeSQL.otherColumns) FROM other_fee_lines WHERE sheet_key = ?1)
        """

    /// Every column from the left: text in byte order, numbers as numbers.
    static let orderBy = "ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13"

    /// Streams the fee lines matching `filter` (an SQL condition over `f` and `s`, with `?`
    /// values) as CSV rows into `sink`, in export order.
    static func rows(_ db: Database, filter: String, _ values: [SQLValue],
                     _ sink: ([CSVCell], [String]) throws -> Void) throws {
        try rows(db, sql: "\(select) \(filter.isEmpty ? "" : "WHERE " + filter) \(orderBy)", values, sink)
    }

    /// Streams the fee lines of one sheet, as `rows` with the filter `f.sheet_key = sheetKey`,
    /// sorted by SQLite: the reference the statements' own reader (`StatementLines`, which
    /// sorts only the forward rows and merges) is held against in the tests.
    static func rows(_ db: Database, sheetKey: Int64, _ sink: ([CSVCell], [String]) throws -> Void) throws {
        try rows(db, sql: "\(select(from: sheetFeeLines)) \(orderBy)", [.int(sheetKey)], sink)
    }

    private static func rows(_ db: Database, sql: String, _ values: [SQLValue],
                             _ sink: ([CSVCell], [String]) throws -> Void) throws {
        var at: [Int32] = []
        try db.query(sql, values) { row in
            // Each header column by its name in `select`, found once per query.
            if at.isEmpty { at = header.map(row.column) }
            let lineNo = row.optionalInt(at[6]).map(String.init) ?? ""
            let amount = Money(fen: row.int(at[amountColumn])).description
            var texts = at.map(row.string)
            texts[6] = lineNo
            texts[amountColumn] = amount
            texts[11] = String(row.int(at[11]))
            var cells: [CSVCell] = texts.map { .text($0) }
            cells[6] = lineNo.isEmpty ? .empty : .number(lineNo)
            cells[amountColumn] = .number(amount)
            cells[11] = .number(texts[11])
            try sink(cells, texts)
        }
    }
}
