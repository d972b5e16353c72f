// CloseReport: what `close` tells the person who ran it — one row per supplier whose sheets
// it closed, with the sheets, their lines and what is payable, and a total row.

import MallCore
import MallIO
import MallStore

/// The sheets a close closed, summed per supplier.
public struct CloseReport: Sendable {
    public struct Row: Sendable, Equatable {
        public let supplierID: String
        public let name: String
        public let sheets: Int
        public let lines: Int64
        public let payable: Int64
    }

    public let through: Day
    public let rows: [Row]

    /// The rows for `closedSheetIDs` (the sheets one close closed), by supplier id.
    public static func read(_ db: Database, config: MallConfig, through: Day, closedSheetIDs: [String]) throws -> CloseReport {
        let closed = Set(closedSheetIDs)
        var bySupplier: [String: (sheets: Int, lines: Int64, payable: Int64)] = [:]
        try db.query("SELECT sheet_id, supplier_id, lines, net FROM sheets WHERE status != 'open' AND closed_at = ?",
                     [.text(through.description)]) { row in
            guard closed.contains(row.string("sheet_id")) else { return }
            let supplierID = row.string("supplier_id")
            let sum = bySupplier[supplierID, default: (0, 0, 0)]
            bySupplier[supplierID] = (sum.sheets + 1, sum.lines + row.int("lines"), sum.payable + row.int("net"))
        }
        let rows = bySupplier.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }.map { id -> Row in
            let sum = bySupplier[id]!
            return Row(supplierID: id, name: config.supplierByID[id]?.name ?? "", sheets: sum.sheets, lines: sum.lines,
                       payable: sum.payable)
        }
        return CloseReport(through: through, rows: rows)
    }

    /// A plain-text table: supplier, name, sheets, lines, payable (grouped by thousands), and
    /// a total row.
    public func text() -> String {
        guard !rows.isEmpty else { return "nothing to close through \(through)" }
        let sheets = rows.reduce(0) { $0 + $1.sheets }
        let total = Row(supplierID: "total", name: "", sheets: sheets, lines: rows.reduce(0) { $0 + $1.lines },
                        payable: rows.reduce(0) { $0 + $1.payable })
        let header = ["supplier", "name", "sheets", "lines", "payable"]
        let cells = (rows + [total]).map { row in
            [row.supplierID, row.name, StatementHTML.grouped(row.sheets), StatementHTML.grouped(Int(row.lines)),
             Self.groupedMoney(row.payable)]
        }
        let widths = (0 ..< header.count).map { column in
            ([header] + cells).map { Self.columns($0[column]) }.max() ?? 0
        }
        func line(_ values: [String]) -> String {
            values.enumerated().map { column, value in
                let pad = String(repeating: " ", count: widths[column] - Self.columns(value))
                return column < 2 ? value + pad : pad + value
            }.joined(separator: "  ").trimmingTrailingSpaces()
        }
        var out = ["closed \(StatementHTML.grouped(sheets)) sheet\(sheets == 1 ? "" : "s") of \(rows.count) supplier\(rows.count == 1 ? "" : "s") through \(through):",
                   line(header)]
        out += cells.dropLast().map(line)
        out.append(line(cells[cells.count - 1]))
        return out.joined(separator: "\n")
    }

    /// Terminal columns a text takes: East Asian wide characters take two.
    static func columns(_ text: String) -> Int {
        text.unicodeScalars.reduce(0) { width, scalar in
            let v = scalar.value
            let wide = (0x1100 ... 0x115F).contains(v) || (0x2E80 ... 0xA4CF).contains(v) || (0xAC00 ... 0xD7A3).contains(v)
                || (0xF900 ... 0xFAFF).contains(v) || (0xFE30 ... 0xFE4F).contains(v) || (0xFF00 ... 0xFF60).contains(v)
                || (0xFFE0 ... 0xFFE6).contains(v) || (0x20000 ... 0x3FFFD).contains(v)
            return width + (wide ? 2 : 1)
        }
    }

    /// `1551327547.60` as `1,551,327,547.60`.
    static func groupedMoney(_ fen: Int64) -> String {
        let text = Money(fen: fen).description
        let negative = text.hasPrefix("-")
        let unsigned = negative ? String(text.dropFirst()) : text
        let parts = unsigned.split(separator: ".", maxSplits: 1)
        let whole = StatementHTML.grouped(Int(parts[0]) ?? 0)
        return (negative ? "-" : "") + whole + (parts.count > 1 ? "." + parts[1] : "")
    }
}

private extension String {
    func trimmingTrailingSpaces() -> String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
