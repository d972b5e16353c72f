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

/// A feed column: its name, type, whether it must be given and, for an optional amount,
/// whether an empty cell is stored as 0 rather than NULL.
struct ColumnSpec {
    let name: String
    let type: CellType
    let required: Bool
    var emptyStoredAsZero = false
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

/// The feed schemas of SPEC §3, each its feed's declaration's (FeedDeclaration.swift).
enum FeedSchemas {
    static let idLength = FeedDeclaration.idLength
    static let quantityRange = FeedDeclaration.quantityRange
    static let refundTypes = FeedDeclaration.refundTypes

    static let orders = FeedDeclaration.orders.schema
    static let refunds = FeedDeclaration.refunds.schema
    static let payments = FeedDeclaration.payments.schema
    static let repayments = FeedDeclaration.repayments.schema
    static let adjustments = FeedDeclaration.adjustments.schema
    static let payouts = FeedDeclaration.payouts.schema

    static let ordersIndex = ColumnIndex(orders)
    static let refundsIndex = ColumnIndex(refunds)
    static let adjustmentsIndex = ColumnIndex(adjustments)
    static let paymentsIndex = ColumnIndex(payments)
    static let repaymentsIndex = ColumnIndex(repayments)

    static func schema(for kind: FeedKind) -> FeedSchema {
        FeedDeclaration.of(kind).schema
    }
}
