// FeeLine: one priced consequence of a feed row for a supplier (SPEC §5), its codes, and
// the writer that stores fee lines compactly.

import MallCore
import MallStore

/// Fee codes, in the order statements list them (SPEC §5 tables, then the rest).
/// `storeCode` is what the store keeps; never renumber one.
public enum FeeCode: String, Sendable, CaseIterable {
    case goods = "GOODS"
    case platformSubsidy = "PLATFORM_SUBSIDY"
    case freight = "FREIGHT"
    case commission = "COMMISSION"
    case paymentFee = "PAYMENT_FEE"
    case deliveryFee = "DELIVERY_FEE"
    case warehousingFee = "WAREHOUSING_FEE"
    case cost = "COST"
    case refundAdminFee = "REFUND_ADMIN_FEE"
    case returnServiceFee = "RETURN_SERVICE_FEE"
    case adjustment = "ADJUSTMENT"
    case rebateFunding = "REBATE_FUNDING"
    case carryForward = "CARRY_FORWARD"

    /// Position in statements.
    public var rank: Int { FeeCode.allCases.firstIndex(of: self) ?? Int.max }

    public var storeCode: Int64 {
        switch self {
        case .goods: return 1
        case .platformSubsidy: return 2
        case .freight: return 3
        case .commission: return 4
        case .paymentFee: return 5
        case .deliveryFee: return 6
        case .warehousingFee: return 7
        case .cost: return 8
        case .refundAdminFee: return 9
        case .returnServiceFee: return 10
        case .adjustment: return 11
        case .rebateFunding: return 12
        case .carryForward: return 13
        }
    }

    public init?(storeCode: Int64) {
        guard let code = FeeCode.allCases.first(where: { $0.storeCode == storeCode }) else { return nil }
        self = code
    }

    /// `CASE fee_code WHEN 1 THEN 'GOODS' … END` for queries that show codes as text.
    static func sqlName(_ column: String) -> String {
        "CASE \(column) " + allCases.map { "WHEN \($0.storeCode) THEN '\($0.rawValue)'" }.joined(separator: " ") + " END"
    }
}

/// What a fee line comes from (SPEC §5 `source_type`). Never renumber.
public enum SourceType: Int64, Sendable, CaseIterable {
    case order = 1, refund = 2, adjustment = 3, carry = 4, rebate = 5

    public var name: String {
        switch self {
        case .order: return "order"
        case .refund: return "refund"
        case .adjustment: return "adjustment"
        case .carry: return "carry"
        case .rebate: return "rebate"
        }
    }

    public var direction: String { self == .refund ? "reverse" : "forward" }

    static func sqlName(_ column: String) -> String {
        "CASE \(column) " + allCases.map { "WHEN \($0.rawValue) THEN '\($0.name)'" }.joined(separator: " ") + " END"
    }
}

/// The rule or feed column an amount came from, so every amount traces to one rule.
public enum RuleRef: Equatable, Sendable, CustomStringConvertible {
    case feeRule(Int)
    case goods, discountPlatform, freight, costPrice, refundGoods, refundFreight
    case shareS, shareQ, shareC, adjustment, carryForward

    public var storeCode: Int64 {
        switch self {
        case .feeRule(let index): return Int64(index)
        case .goods: return -1
        case .discountPlatform: return -2
        case .freight: return -3
        case .costPrice: return -4
        case .refundGoods: return -5
        case .refundFreight: return -6
        case .shareS: return -7
        case .shareQ: return -8
        case .shareC: return -9
        case .adjustment: return -10
        case .carryForward: return -11
        }
    }

    public var description: String {
        switch self {
        case .feeRule(let index): return "fee_rules[\(index)]"
        case .goods: return "orders.goods"
        case .discountPlatform: return "orders.discount_platform"
        case .freight: return "orders.freight"
        case .costPrice: return "orders.cost_price"
        case .refundGoods: return "refunds.refund_goods"
        case .refundFreight: return "refunds.refund_freight"
        case .shareS: return "cumulative difference by s (the forward line's rule)"
        case .shareQ: return "cumulative difference by q (the forward line's rule)"
        case .shareC: return "cumulative difference by c (the forward line's rule)"
        case .adjustment: return "adjustments.amount"
        case .carryForward: return "close carry-forward"
        }
    }
}

/// A fee line before it is stored.
struct FeeLine {
    var sheetKey: Int64
    var postingDate: Day
    var sourceType: SourceType
    var sourceKey: Int64
    var lineKey: Int64?
    var code: FeeCode
    var amount: Int64
    var lateFrom: Period?
    var rule: RuleRef
}

/// Writes fee lines, skipping zero amounts, and counts them into their sheets. Lines are
/// buffered, `bufferRows` at a time, sorted by sheet (so the sheet index is filled page by
/// page instead of at thousands of places at once) and stored `batchRows` at a time through
/// one multi-row INSERT; `finish` stores the rest (call it before reading fee lines back).
final class FeeLineWriter {
    let db: Database
    let sheets: SheetBook
    private(set) var written = 0
    private var pending: [FeeLine] = []
    private let batchInsert: Statement
    private let singleInsert: Statement

    /// Rows per multi-row INSERT (10 values each, well under SQLite's bound-parameter limit).
    static let batchRows = 64
    /// Lines held before they are sorted by sheet and stored (about 6 MiB).
    static let bufferRows = 65_536
    static let columns = "sheet_key, posting_day, source_type, source_key, line_key, fee_code, amount, late, original_start, rule"

    init(db: Database, sheets: SheetBook) throws {
        self.db = db
        self.sheets = sheets
        // Only this type's column list goes into the SQL text; every value is bound.
        let row = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        batchInsert = try db.prepare("INSERT INTO fee_lines(\(FeeLineWriter.columns)) VALUES "
            + Array(repeating: row, count: FeeLineWriter.batchRows).joined(separator: ", "))
        singleInsert = try db.prepare("INSERT INTO fee_lines(\(FeeLineWriter.columns)) VALUES \(row)")
        pending.reserveCapacity(FeeLineWriter.bufferRows)
    }

    /// No fee line of amount 0 is ever written (SPEC §5).
    func write(_ line: FeeLine) throws {
        guard line.amount != 0 else { return }
        pending.append(line)
        sheets.add(line.sheetKey, code: line.code, amount: line.amount)
        written += 1
        if pending.count == FeeLineWriter.bufferRows { try finish() }
    }

    /// Stores the buffered lines.
    func finish() throws {
        // A stable sort keeps each sheet's lines in the order they were priced.
        let ordered = pending.enumerated().sorted {
            ($0.element.sheetKey, $0.offset) < ($1.element.sheetKey, $1.offset)
        }.map(\.element)
        var start = 0
        while start + FeeLineWriter.batchRows <= ordered.count {
            try store(ordered[start..<(start + FeeLineWriter.batchRows)], with: batchInsert)
            start += FeeLineWriter.batchRows
        }
        for line in ordered[start...] { try store([line][...], with: singleInsert) }
        pending.removeAll(keepingCapacity: true)
    }

    private func store(_ lines: ArraySlice<FeeLine>, with statement: Statement) throws {
        var index: Int32 = 1
        for line in lines {
            try statement.bind(index, line.sheetKey)
            try statement.bind(index + 1, Int64(line.postingDate.ordinal))
            try statement.bind(index + 2, line.sourceType.rawValue)
            try statement.bind(index + 3, line.sourceKey)
            try statement.bind(index + 4, line.lineKey)
            try statement.bind(index + 5, line.code.storeCode)
            try statement.bind(index + 6, line.amount)
            try statement.bind(index + 7, Int64(line.lateFrom == nil ? 0 : 1))
            try statement.bind(index + 8, line.lateFrom.map { Int64($0.start.ordinal) })
            try statement.bind(index + 9, line.rule.storeCode)
            index += 10
        }
        try statement.run()
    }
}
