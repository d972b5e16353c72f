// FeedDeclaration: a feed declared once — its columns (name, type with its limits, whether
// required, what an empty cell is stored as), its key and the table its rows are stored in.
// The reader's schema (`FeedSchema`), the table's column list (`TableSpec`), the staged row's
// positions (a staged row holds one value per column, at the column's place here) and the
// header and column order of the feeds replay writes (`FeedRowFormatter`) come from it; a
// test holds every declaration against the store's DDL.
//
// Adding a column: docs/architecture.md, "A feed column".

import MallStore

struct FeedDeclaration {
    let kind: FeedKind
    /// The staging table.
    let table: String
    /// The feed's columns in SPEC §3 order; every one is a column of `table` of the same name.
    let columns: [ColumnSpec]
    /// The columns of the table's unique key, in the key's order.
    let key: [String]
    /// Columns of `table` stored with each row but never compared on re-delivery.
    let extras: [String]
    /// For each column, whether an empty cell is stored as 0 (looked up per cell of every row).
    let emptyStoredAsZero: [Bool]

    init(kind: FeedKind, table: String, columns: [ColumnSpec], key: [String], extras: [String]) {
        self.kind = kind
        self.table = table
        self.columns = columns
        self.key = key
        self.extras = extras
        emptyStoredAsZero = columns.map(\.emptyStoredAsZero)
    }

    /// The columns' names in feed order: the header replay writes, the reader's columns.
    var names: [String] { columns.map(\.name) }

    /// What the feed reader reads and types (steps 2–4 of the row checks).
    var schema: FeedSchema { FeedSchema(columns: columns) }

    /// Where the rows go: every column (compared on re-delivery) in feed order, the key's
    /// positions among them, then the extras.
    var tableSpec: TableSpec {
        TableSpec(table: table, fields: names, key: key.map { name in
            guard let position = names.firstIndex(of: name) else { preconditionFailure("\(table): key column \(name) is not declared") }
            return position
        }, extras: extras)
    }

    /// A typed row's cells as stored, one per column: text as TEXT, integers, money and
    /// instants as INTEGER, an empty cell as NULL, or 0 where the column says so.
    func values(_ row: TypedRow) -> [SQLValue] {
        precondition(row.cells.count == columns.count, "a row typed by this declaration's schema")
        return row.cells.indices.map { index in
            switch row.cells[index] {
            case .text(let text)?: return .text(text)
            case .int(let value)?, .instant(let value)?: return .int(value)
            case nil: return emptyStoredAsZero[index] ? .int(0) : .null
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

extension ColumnSpec {
    /// An optional amount stored as 0 when its cell is empty (the table's column is NOT NULL).
    static func zeroWhenEmpty(_ name: String, _ type: CellType) -> ColumnSpec {
        ColumnSpec(name: name, type: type, required: false, emptyStoredAsZero: true)
    }
}

extension FeedDeclaration {
    static let idLength = 64
    static let quantityRange: ClosedRange<Int64> = 1...1_000_000
    static let lineNoRange: ClosedRange<Int64> = 1...1_000_000
    /// A refund's quantity: 0 for a refund of money only.
    static let refundQuantityRange: ClosedRange<Int64> = 0...1_000_000
    static let refundTypes: Set<String> = ["cancel", "refund_only", "return"]

    /// Orders (SPEC §3.1), keyed by (`order_id`, `line_no`). An empty `parent_order_id` or
    /// `currency` is stored as NULL, and so is one equal to its default (the order, the store's
    /// currency): `RowStager.order` and `.plainOrder`.
    static let orders = FeedDeclaration(kind: .orders, table: "order_lines", columns: [
        ColumnSpec(name: "order_id", type: .text(maxLength: idLength), required: true),
        ColumnSpec(name: "parent_order_id", type: .text(maxLength: idLength), required: false),
        ColumnSpec(name: "line_no", type: .integer(lineNoRange), required: true),
        ColumnSpec(name: "supplier_id", type: .text(maxLength: nil), required: true),
        ColumnSpec(name: "buyer_id", type: .text(maxLength: nil), required: false),
        ColumnSpec(name: "member_level", type: .text(maxLength: nil), required: false),
        ColumnSpec(name: "sku", type: .text(maxLength: nil), required: true),
        ColumnSpec(name: "category", type: .text(maxLength: nil), required: true),
        ColumnSpec(name: "quantity", type: .integer(quantityRange), required: true),
        ColumnSpec(name: "unit_price", type: .money(nonNegative: true), required: true),
        ColumnSpec(name: "cost_price", type: .money(nonNegative: true), required: false),
        .zeroWhenEmpty("discount_platform", .money(nonNegative: true)),
        .zeroWhenEmpty("discount_supplier", .money(nonNegative: true)),
        .zeroWhenEmpty("freight", .money(nonNegative: true)),
        .zeroWhenEmpty("paid_points", .money(nonNegative: true)),
        .zeroWhenEmpty("paid_credit", .money(nonNegative: true)),
        .zeroWhenEmpty("paid_cash", .money(nonNegative: true)),
        ColumnSpec(name: "payment_channel", type: .text(maxLength: nil), required: false),
        ColumnSpec(name: "ordered_at", type: .timestamp, required: true),
        ColumnSpec(name: "paid_at", type: .timestamp, required: true),
        ColumnSpec(name: "completed_at", type: .timestamp, required: false),
        ColumnSpec(name: "currency", type: .text(maxLength: nil), required: false),
    ], key: ["order_id", "line_no"], extras: ["goods", "source_file", "source_line"])

    /// Refunds (SPEC §3.2), keyed by (`refund_id`, `order_id`, `line_no`); the raw row, its
    /// file columns and its state are stored for the refund checks at posting.
    static let refunds = FeedDeclaration(kind: .refunds, table: "refunds", columns: [
        ColumnSpec(name: "refund_id", type: .text(maxLength: idLength), required: true),
        ColumnSpec(name: "order_id", type: .text(maxLength: idLength), required: true),
        ColumnSpec(name: "line_no", type: .integer(lineNoRange), required: true),
        ColumnSpec(name: "refund_type", type: .choice(refundTypes, .badRefundType), required: true),
        ColumnSpec(name: "quantity", type: .integer(refundQuantityRange), required: true),
        ColumnSpec(name: "refund_goods", type: .money(nonNegative: true), required: true),
        .zeroWhenEmpty("refund_freight", .money(nonNegative: true)),
        .zeroWhenEmpty("refund_points", .money(nonNegative: true)),
        .zeroWhenEmpty("refund_credit", .money(nonNegative: true)),
        .zeroWhenEmpty("refund_cash", .money(nonNegative: true)),
        ColumnSpec(name: "refunded_at", type: .timestamp, required: true),
    ], key: ["refund_id", "order_id", "line_no"], extras: ["source_file", "source_line", "raw", "cols", "state"])

    /// Payments (SPEC §3.3), the channels' records, keyed by (`channel`, `txn_id`).
    static let payments = FeedDeclaration(kind: .payments, table: "payments", columns: [
        ColumnSpec(name: "channel", type: .text(maxLength: idLength), required: true),
        ColumnSpec(name: "txn_id", type: .text(maxLength: idLength), required: true),
        ColumnSpec(name: "kind", type: .choice(["pay", "refund"], .badKind), required: true),
        ColumnSpec(name: "reference", type: .text(maxLength: idLength), required: true),
        ColumnSpec(name: "amount", type: .money(nonNegative: true), required: true),
        .zeroWhenEmpty("fee", .money(nonNegative: true)),
        ColumnSpec(name: "occurred_at", type: .timestamp, required: true),
    ], key: ["channel", "txn_id"], extras: ["source_file", "source_line"])

    /// Repayments (SPEC §3.4): credit-line repayments, amount above zero, keyed by `repayment_id`.
    static let repayments = FeedDeclaration(kind: .repayments, table: "repayments", columns: [
        ColumnSpec(name: "repayment_id", type: .text(maxLength: idLength), required: true),
        ColumnSpec(name: "buyer_id", type: .text(maxLength: nil), required: true),
        ColumnSpec(name: "amount", type: .positiveMoney, required: true),
        ColumnSpec(name: "paid_at", type: .timestamp, required: true),
    ], key: ["repayment_id"], extras: ["source_file", "source_line"])

    /// Adjustments (SPEC §3.4): manual corrections by finance, keyed by `adjustment_id`.
    static let adjustments = FeedDeclaration(kind: .adjustments, table: "adjustments", columns: [
        ColumnSpec(name: "adjustment_id", type: .text(maxLength: idLength), required: true),
        ColumnSpec(name: "supplier_id", type: .text(maxLength: nil), required: true),
        ColumnSpec(name: "amount", type: .money(nonNegative: false), required: true),
        ColumnSpec(name: "reason", type: .text(maxLength: nil), required: true),
        ColumnSpec(name: "approved_by", type: .text(maxLength: nil), required: true),
        ColumnSpec(name: "effective_at", type: .timestamp, required: true),
    ], key: ["adjustment_id"], extras: ["source_file", "source_line"])

    /// Payouts (SPEC §3.4): treasury's confirmation that a closed sheet was paid, keyed by
    /// `payout_id`.
    static let payouts = FeedDeclaration(kind: .payouts, table: "payouts", columns: [
        ColumnSpec(name: "payout_id", type: .text(maxLength: idLength), required: true),
        ColumnSpec(name: "sheet_id", type: .text(maxLength: nil), required: true),
        ColumnSpec(name: "amount", type: .money(nonNegative: true), required: true),
        ColumnSpec(name: "paid_at", type: .timestamp, required: true),
        ColumnSpec(name: "bank_ref", type: .text(maxLength: nil), required: true),
    ], key: ["payout_id"], extras: ["source_file", "source_line"])

    /// Every feed, declared here.
    static let all: [FeedDeclaration] = [.orders, .refunds, .payments, .repayments, .adjustments, .payouts]

    static func of(_ kind: FeedKind) -> FeedDeclaration {
        switch kind {
        case .orders: return orders
        case .refunds: return refunds
        case .payments: return payments
        case .repayments: return repayments
        case .adjustments: return adjustments
        case .payouts: return payouts
        }
    }
}
