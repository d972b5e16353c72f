// Staging: typing and validating one feed row at a time, steps 1–4 of the row checks
// (SPEC §3). The feed-specific checks (keys, suppliers, balances) live in Stage*.swift.

import MallCore
import MallIO

/// How a column is typed and checked.
enum CellType {
    case text(maxLength: Int?)
    case integer(ClosedRange<Int64>)
    case money(nonNegative: Bool)
    /// Money that must be above zero (a repayment).
    case positiveMoney
    case timestamp
    case choice(Set<String>, QuarantineReason)
}

/// A feed column: its name, type and whether it must be given.
struct ColumnSpec {
    let name: String
    let type: CellType
    let required: Bool
}

/// A typed value of one cell.
enum Cell: Equatable {
    case text(String)
    case int(Int64)
    case instant(Int64)
}

/// The typed cells of one row, with the columns they came from.
struct TypedRow {
    let cells: [Cell?]
    let columns: [Int]
    let line: Int
    let raw: String

    func text(_ index: Int) -> String? {
        if case .text(let v)? = cells[index] { return v }
        return nil
    }
    func int(_ index: Int) -> Int64? {
        switch cells[index] {
        case .int(let v)?, .instant(let v)?: return v
        default: return nil
        }
    }
    func int(_ index: Int, default value: Int64) -> Int64 { int(index) ?? value }
}

/// The columns of a feed and the generic checks 2–4.
struct FeedSchema {
    let columns: [ColumnSpec]
    var names: [String] { columns.map(\.name) }
    /// Columns that must be present in a CSV header (required cells).
    var requiredNames: Set<String> { Set(columns.filter(\.required).map(\.name)) }

    /// Steps 2–4: required cells, integers and lengths, money, timestamps and choices.
    /// `alsoRequired` names cells that this row needs given the others (e.g. a channel for cash).
    func type(_ record: FeedRecord, alsoRequired: (FeedRecord) -> [Int] = { _ in [] }) -> Result<TypedRow, Rejection> {
        // Step 2: missing fields.
        for (index, spec) in columns.enumerated() where spec.required && record.values[index] == nil {
            return .failure(Rejection(.missingField, column: record.columns[index], "\(spec.name) is required"))
        }
        for index in alsoRequired(record) where record.values[index] == nil {
            return .failure(Rejection(.missingField, column: record.columns[index], "\(columns[index].name) is required here"))
        }
        var cells = [Cell?](repeating: nil, count: columns.count)
        // Step 3: integers and text lengths.
        for (index, spec) in columns.enumerated() {
            guard let value = record.values[index] else { continue }
            switch spec.type {
            case .integer(let range):
                guard let number = FeedSchema.plainInteger(value.text), range.contains(number) else {
                    return .failure(Rejection(.badQuantity, column: record.columns[index],
                                              "\(spec.name) '\(value.text)' is not a whole number in \(range.lowerBound)...\(range.upperBound)"))
                }
                cells[index] = .int(number)
            case .text(let maxLength):
                // Characters are Unicode scalars; there are never more of them than bytes.
                if let maxLength, value.text.utf8.count > maxLength, value.text.unicodeScalars.count > maxLength {
                    return .failure(Rejection(.tooLong, column: record.columns[index],
                                              "\(spec.name) is longer than \(maxLength) characters"))
                }
                cells[index] = .text(value.text)
            default:
                continue
            }
        }
        // Step 4: money, timestamps, choices.
        for (index, spec) in columns.enumerated() {
            guard let value = record.values[index] else { continue }
            switch FeedSchema.typeStep4(value, spec, column: record.columns[index]) {
            case .success(let cell?): cells[index] = cell
            case .success(nil): continue
            case .failure(let rejection): return .failure(rejection)
            }
        }
        return .success(TypedRow(cells: cells, columns: record.columns, line: record.line, raw: record.raw))
    }

    /// Step 4 for one present cell: its money, timestamp or choice typed, or nil when its
    /// type is not one of those (step 3 typed it).
    private static func typeStep4(_ value: FeedValue, _ spec: ColumnSpec, column: Int) -> Result<Cell?, Rejection> {
        switch spec.type {
        case .positiveMoney:
            switch Money.parse(value.text) {
            case .success(let money) where money.fen > 0 && !value.isJSONNumber:
                return .success(.int(money.fen))
            case .success:
                return .failure(Rejection(.badMoney, column: column, "\(spec.name) '\(value.text)' must be a decimal string above zero"))
            case .failure(let failure):
                return .failure(Rejection(.badMoney, column: column, "\(spec.name): \(failure.message)"))
            }
        case .money(let nonNegative):
            if value.isJSONNumber {
                return .failure(Rejection(.badMoney, column: column, "\(spec.name) must be a JSON string like \"12.30\", not a number"))
            }
            switch Money.parse(value.text) {
            case .success(let money):
                if nonNegative && money.fen < 0 {
                    return .failure(Rejection(.badMoney, column: column, "\(spec.name) '\(value.text)' must not be negative"))
                }
                return .success(.int(money.fen))
            case .failure(let failure):
                return .failure(Rejection(.badMoney, column: column, "\(spec.name): \(failure.message)"))
            }
        case .timestamp:
            switch Instant.parse(value.text) {
            case .success(let instant): return .success(.instant(instant.nanos))
            case .failure(let failure):
                return .failure(Rejection(.badTimestamp, column: column, "\(spec.name): \(failure.message)"))
            }
        case .choice(let allowed, let reason):
            guard allowed.contains(value.text) else {
                return .failure(Rejection(reason, column: column,
                                          "\(spec.name) '\(value.text)' is not one of \(allowed.sorted().joined(separator: ", "))"))
            }
            return .success(.text(value.text))
        default:
            return .success(nil)
        }
    }

    /// Digits only (no sign, no spaces), within Int64.
    static func plainInteger(_ text: String) -> Int64? {
        guard !text.isEmpty, text.utf8.count <= 18, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        return Int64(text)
    }
}

/// Column positions of a schema by name, looked up once instead of per row.
struct ColumnIndex {
    private let positions: [String: Int]
    init(_ schema: FeedSchema) {
        positions = Dictionary(uniqueKeysWithValues: schema.columns.enumerated().map { ($0.element.name, $0.offset) })
    }
    func index(_ name: String) -> Int {
        guard let position = positions[name] else { preconditionFailure("feed schema has no column \(name)") }
        return position
    }
}

/// The feed schemas of SPEC §3.
enum FeedSchemas {
    static let idLength = 64
    static let quantityRange: ClosedRange<Int64> = 1...1_000_000

    static let orders = FeedSchema(columns: [
        ColumnSpec(name: "order_id", type: .text(maxLength: idLength), required: true),
        ColumnSpec(name: "parent_order_id", type: .text(maxLength: idLength), required: false),
        ColumnSpec(name: "line_no", type: .integer(1...1_000_000), required: true),
        ColumnSpec(name: "supplier_id", type: .text(maxLength: nil), required: true),
        ColumnSpec(name: "buyer_id", type: .text(maxLength: nil), required: false),
        ColumnSpec(name: "member_level", type: .text(maxLength: nil), required: false),
        ColumnSpec(name: "sku", type: .text(maxLength: nil), required: true),
        ColumnSpec(name: "category", type: .text(maxLength: nil), required: true),
        ColumnSpec(name: "quantity", type: .integer(quantityRange), required: true),
        ColumnSpec(name: "unit_price", type: .money(nonNegative: true), required: true),
        ColumnSpec(name: "cost_price", type: .money(nonNegative: true), required: false),
        ColumnSpec(name: "discount_platform", type: .money(nonNegative: true), required: false),
        ColumnSpec(name: "discount_supplier", type: .money(nonNegative: true), required: false),
        ColumnSpec(name: "freight", type: .money(nonNegative: true), required: false),
        ColumnSpec(name: "paid_points", type: .money(nonNegative: true), required: false),
        ColumnSpec(name: "paid_credit", type: .money(nonNegative: true), required: false),
        ColumnSpec(name: "paid_cash", type: .money(nonNegative: true), required: false),
        ColumnSpec(name: "payment_channel", type: .text(maxLength: nil), required: false),
        ColumnSpec(name: "ordered_at", type: .timestamp, required: true),
        ColumnSpec(name: "paid_at", type: .timestamp, required: true),
        ColumnSpec(name: "completed_at", type: .timestamp, required: false),
        ColumnSpec(name: "currency", type: .text(maxLength: nil), required: false),
    ])

    static let refundTypes: Set<String> = ["cancel", "refund_only", "return"]

    static let refunds = FeedSchema(columns: [
        ColumnSpec(name: "refund_id", type: .text(maxLength: idLength), required: true),
        ColumnSpec(name: "order_id", type: .text(maxLength: idLength), required: true),
        ColumnSpec(name: "line_no", type: .integer(1...1_000_000), required: true),
        ColumnSpec(name: "refund_type", type: .choice(refundTypes, .badRefundType), required: true),
        ColumnSpec(name: "quantity", type: .integer(0...1_000_000), required: true),
        ColumnSpec(name: "refund_goods", type: .money(nonNegative: true), required: true),
        ColumnSpec(name: "refund_freight", type: .money(nonNegative: true), required: false),
        ColumnSpec(name: "refund_points", type: .money(nonNegative: true), required: false),
        ColumnSpec(name: "refund_credit", type: .money(nonNegative: true), required: false),
        ColumnSpec(name: "refund_cash", type: .money(nonNegative: true), required: false),
        ColumnSpec(name: "refunded_at", type: .timestamp, required: true),
    ])

    static let payments = FeedSchema(columns: [
        ColumnSpec(name: "channel", type: .text(maxLength: idLength), required: true),
        ColumnSpec(name: "txn_id", type: .text(maxLength: idLength), required: true),
        ColumnSpec(name: "kind", type: .choice(["pay", "refund"], .badKind), required: true),
        ColumnSpec(name: "reference", type: .text(maxLength: idLength), required: true),
        ColumnSpec(name: "amount", type: .money(nonNegative: true), required: true),
        ColumnSpec(name: "fee", type: .money(nonNegative: true), required: false),
        ColumnSpec(name: "occurred_at", type: .timestamp, required: true),
    ])

    static let repayments = FeedSchema(columns: [
        ColumnSpec(name: "repayment_id", type: .text(maxLength: idLength), required: true),
        ColumnSpec(name: "buyer_id", type: .text(maxLength: nil), required: true),
        ColumnSpec(name: "amount", type: .positiveMoney, required: true),
        ColumnSpec(name: "paid_at", type: .timestamp, required: true),
    ])

    /// Declared once in FeedDeclaration.swift.
    static let adjustments = FeedDeclaration.adjustments.schema

    /// Declared once in FeedDeclaration.swift.
    static let payouts = FeedDeclaration.payouts.schema

    static let ordersIndex = ColumnIndex(orders)
    static let refundsIndex = ColumnIndex(refunds)
    static let adjustmentsIndex = ColumnIndex(adjustments)
    static let paymentsIndex = ColumnIndex(payments)
    static let repaymentsIndex = ColumnIndex(repayments)

    static func schema(for kind: FeedKind) -> FeedSchema {
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
