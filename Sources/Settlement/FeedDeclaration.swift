// FeedDeclaration: a feed declared once — its columns (name, type with its limits, whether
// required), its key and the table its rows are stored in. The reader's schema (`FeedSchema`),
// the table's column list (`TableSpec`) and the staged row's values come from it; a test holds
// it against the store's DDL.
//
// Declared so far: adjustments and payouts. The other feeds still list their columns in Staging.swift
// (`FeedSchemas`), StageRows.swift (`TableSpec`, `RowStager`) and, for replayed feeds,
// Replay/FeedRows.swift.

import MallStore

struct FeedDeclaration {
    let kind: FeedKind
    /// The staging table.
    let table: String
    /// The feed's columns in SPEC §3 order; the first `keyCount` are its key and every one is
    /// a column of `table` of the same name.
    let columns: [ColumnSpec]
    let keyCount: Int
    /// Columns of `table` stored with each row but never compared on re-delivery.
    let extras: [String]

    /// What the feed reader reads and types (steps 2–4 of the row checks).
    var schema: FeedSchema { FeedSchema(columns: columns) }

    /// Where the rows go: the columns compared on re-delivery, key first, then the extras.
    var tableSpec: TableSpec { TableSpec(table: table, fields: columns.map(\.name), keyCount: keyCount, extras: extras) }

    /// A typed row's cells as stored, one per column: text as TEXT, integers, money and
    /// instants as INTEGER, an empty cell as NULL.
    func values(_ row: TypedRow) -> [SQLValue] {
        precondition(row.cells.count == columns.count, "a row typed by this declaration's schema")
        return row.cells.map { cell in
            switch cell {
            case .text(let text)?: return .text(text)
            case .int(let value)?, .instant(let value)?: return .int(value)
            case nil: return .null
            }
        }
    }

    /// The SQLite type the table must give `column` (STRICT tables: `TEXT` or `INTEGER`).
    static func storedType(_ column: ColumnSpec) -> String {
        switch column.type {
        case .text, .choice: return "TEXT"
        case .integer, .money, .positiveMoney, .timestamp: return "INTEGER"
        }
    }
}

extension FeedDeclaration {
    /// Adjustments (SPEC §3.4): manual corrections by finance, keyed by `adjustment_id`.
    static let adjustments = FeedDeclaration(kind: .adjustments, table: "adjustments", columns: [
        ColumnSpec(name: "adjustment_id", type: .text(maxLength: FeedSchemas.idLength), required: true),
        ColumnSpec(name: "supplier_id", type: .text(maxLength: nil), required: true),
        ColumnSpec(name: "amount", type: .money(nonNegative: false), required: true),
        ColumnSpec(name: "reason", type: .text(maxLength: nil), required: true),
        ColumnSpec(name: "approved_by", type: .text(maxLength: nil), required: true),
        ColumnSpec(name: "effective_at", type: .timestamp, required: true),
    ], keyCount: 1, extras: ["source_file", "source_line"])

    /// Payouts (SPEC §3.4): treasury's confirmation that a closed sheet was paid, keyed by
    /// `payout_id`.
    static let payouts = FeedDeclaration(kind: .payouts, table: "payouts", columns: [
        ColumnSpec(name: "payout_id", type: .text(maxLength: FeedSchemas.idLength), required: true),
        ColumnSpec(name: "sheet_id", type: .text(maxLength: nil), required: true),
        ColumnSpec(name: "amount", type: .money(nonNegative: true), required: true),
        ColumnSpec(name: "paid_at", type: .timestamp, required: true),
        ColumnSpec(name: "bank_ref", type: .text(maxLength: nil), required: true),
    ], keyCount: 1, extras: ["source_file", "source_line"])

    /// The feeds declared here.
    static let all: [FeedDeclaration] = [.adjustments, .payouts]
}
