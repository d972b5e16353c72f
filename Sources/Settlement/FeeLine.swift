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

    /// The forward codes, GOODS through COST (store codes 1–8).
    public static let forwardCodeCount = 8

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
    case shareS, shareQ, shareC, adjustment, carryForward, rebateFunding

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
        case .rebateFunding: return -12
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
        case .rebateFunding: return "rebates policy (the source_id names it)"
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

/// The forward amounts of one order line as `forward_fees` stores them: an amount per forward
/// fee code (0: no line of that code) and the fee rule of the codes priced by one.
struct ForwardFees: Sendable {
    var paymentFeeReversible: Bool
    var goods: Int64 = 0
    var platformSubsidy: Int64 = 0
    var freight: Int64 = 0
    var commission: Int64 = 0
    var commissionRule: Int64?
    var paymentFee: Int64 = 0
    var paymentFeeRule: Int64?
    var deliveryFee: Int64 = 0
    var deliveryFeeRule: Int64?
    var warehousingFee: Int64 = 0
    var warehousingFeeRule: Int64?
    var cost: Int64 = 0

    /// The row of one order line priced now (`FeeCalculator.forward` hands it its amounts).
    init(pricing line: PricedLine, supplier: Supplier, rules: FeeRuleBook, on date: Day) {
        paymentFeeReversible = false
        let kept = FeeCalculator.forward(line, supplier: supplier, rules: rules, on: date) { set($0) }
        paymentFeeReversible = kept.paymentFeeReversible
    }

    /// Puts an amount in its code's column. The codes whose rule is not stored must come from
    /// the feed column the `fee_lines` view names for them.
    private mutating func set(_ amount: FeeAmount) {
        switch amount.code {
        case .goods:
            precondition(amount.rule == .goods, "a forward GOODS line comes from orders.goods")
            goods = amount.amount
        case .platformSubsidy:
            precondition(amount.rule == .discountPlatform, "a forward PLATFORM_SUBSIDY line comes from discount_platform")
            platformSubsidy = amount.amount
        case .freight:
            precondition(amount.rule == .freight, "a forward FREIGHT line comes from orders.freight")
            freight = amount.amount
        case .cost:
            precondition(amount.rule == .costPrice, "a forward COST line comes from orders.cost_price")
            cost = amount.amount
        case .commission: (commission, commissionRule) = (amount.amount, amount.rule.storeCode)
        case .paymentFee: (paymentFee, paymentFeeRule) = (amount.amount, amount.rule.storeCode)
        case .deliveryFee: (deliveryFee, deliveryFeeRule) = (amount.amount, amount.rule.storeCode)
        case .warehousingFee: (warehousingFee, warehousingFeeRule) = (amount.amount, amount.rule.storeCode)
        default:
            preconditionFailure("\(amount.code.rawValue) is not a forward fee code")
        }
    }

    /// Calls `body` with each line: the non-zero amounts under their codes, in code order.
    func forEachLine(_ body: (FeeCode, Int64) -> Void) {
        if goods != 0 { body(.goods, goods) }
        if platformSubsidy != 0 { body(.platformSubsidy, platformSubsidy) }
        if freight != 0 { body(.freight, freight) }
        if commission != 0 { body(.commission, commission) }
        if paymentFee != 0 { body(.paymentFee, paymentFee) }
        if deliveryFee != 0 { body(.deliveryFee, deliveryFee) }
        if warehousingFee != 0 { body(.warehousingFee, warehousingFee) }
        if cost != 0 { body(.cost, cost) }
    }
}

/// The forward lines of one order line, as one row of `forward_fees`.
struct ForwardFeeRow {
    let lineID: Int64
    let sheetKey: Int64
    let postingDate: Day
    let lateFrom: Period?
    let triggerAt: Int64
    let fees: ForwardFees

    /// Columns of `forward_fees`, in the order of `values`.
    static let columns = """
        line_id, sheet_key, posting_day, late, original_start, trigger_at, goods, platform_subsidy, freight,
        commission, commission_rule, payment_fee, payment_fee_rule, payment_fee_reversible, delivery_fee,
        delivery_fee_rule, warehousing_fee, warehousing_fee_rule, cost
        """
    /// The row's values in the order of `columns` (nil: NULL).
    var values: InlineArray<19, Int64?> {
        [lineID, sheetKey, Int64(postingDate.ordinal), Int64(lateFrom == nil ? 0 : 1), lateFrom.map { Int64($0.start.ordinal) },
         triggerAt, fees.goods, fees.platformSubsidy, fees.freight, fees.commission, fees.commissionRule, fees.paymentFee,
         fees.paymentFeeRule, Int64(fees.paymentFeeReversible ? 1 : 0), fees.deliveryFee, fees.deliveryFeeRule,
         fees.warehousingFee, fees.warehousingFeeRule, fees.cost]
    }
}

extension FeeLine {
    /// The line's values in the order of `FeeLineWriter.columns` (nil: NULL).
    var values: InlineArray<10, Int64?> {
        [sheetKey, Int64(postingDate.ordinal), sourceType.rawValue, sourceKey, lineKey, code.storeCode, amount,
         Int64(lateFrom == nil ? 0 : 1), lateFrom.map { Int64($0.start.ordinal) }, rule.storeCode]
    }
}

/// Binds rows to one INSERT statement of `rows` rows, each value only when it differs from the
/// one bound to its parameter before: SQLite keeps a statement's values from one step to the
/// next, and the rows of a batch share many of theirs (the sheet, the posting day, the rules,
/// the zero amounts). A binder serves one batch of rows stored back to back, so nothing else
/// binds the statement meanwhile; the batch's row count is a multiple of `rows`.
struct RowBinder<let count: Int> {
    let statement: Statement
    let rows: Int
    /// The values bound to each parameter, row after row.
    private var bound: [Int64?]
    /// Rows bound since the statement last ran.
    private var filled = 0
    /// Until the statement first runs, every value is bound.
    private var fresh = true

    init(_ statement: Statement, rows: Int = 1) {
        self.statement = statement
        self.rows = rows
        bound = Array(repeating: nil, count: count * rows)
    }

    /// Binds `values` as the next row of the statement, and stores the rows when it has them all.
    mutating func store(_ values: InlineArray<count, Int64?>) throws {
        let base = filled * count
        for index in 0..<count where fresh || bound[base + index] != values[index] {
            try statement.bind(Int32(base + index + 1), values[index])
            bound[base + index] = values[index]
        }
        filled += 1
        guard filled == rows else { return }
        try statement.run()
        filled = 0
        fresh = false
    }
}

/// Rows per INSERT where a stage stores many rows of one table back to back (posting's fee
/// lines, ingest's feed rows): one statement's fixed cost (starting it, its transaction
/// checks, its reset) shared by as many rows.
enum ManyRows {
    static let perInsert = 16

    /// The `VALUES` of an INSERT of `rows` rows of `columns` values each: `(?, ?), (?, ?)`.
    static func placeholders(columns: Int, rows: Int) -> String {
        let row = "(" + Array(repeating: "?", count: columns).joined(separator: ", ") + ")"
        return Array(repeating: row, count: rows).joined(separator: ", ")
    }
}

/// A table's INSERT of `count` columns, as a statement of one row and one of
/// `ManyRows.perInsert` rows. The one of many rows is `INSERT OR FAIL`: a row that breaks a constraint stops it
/// without undoing the rows it stored before, so SQLite keeps no statement journal for it (a
/// copy of every page the statement touches, which with `INSERT`'s ABORT cost more than the
/// statements saved: 200,000 writes to a temporary file per 100,000 lines). Nothing is lost
/// by it: such an error fails the whole stage, whose transaction rolls back.
struct RowInserts<let count: Int> {
    private let single: Statement
    private let many: Statement

    /// `columns`: the table's columns that the rows' values fill, in their order.
    init(_ db: Database, table: String, columns: String) throws {
        // Only these types' column lists go into the SQL text; every value is bound.
        single = try db.prepare("INSERT INTO \(table)(\(columns)) VALUES \(ManyRows.placeholders(columns: count, rows: 1))")
        many = try db.prepare("INSERT OR FAIL INTO \(table)(\(columns)) VALUES "
                              + ManyRows.placeholders(columns: count, rows: ManyRows.perInsert))
    }

    /// Stores `rows` in order: those that fill whole statements of many rows, then the rest
    /// one by one.
    func store<Row>(_ rows: [Row], _ values: (Row) -> InlineArray<count, Int64?>) throws {
        let whole = rows.count / ManyRows.perInsert * ManyRows.perInsert
        var binder = RowBinder<count>(many, rows: ManyRows.perInsert)
        for row in rows[..<whole] { try binder.store(values(row)) }
        var one = RowBinder<count>(single)
        for row in rows[whole...] { try one.store(values(row)) }
    }
}

/// Writes fee lines, skipping zero amounts, and counts them into their sheets.
///
/// Forward lines go one row per order line into `forward_fees`, and their line ids, by
/// sheet, into one `forward_sheet_lines` row per sheet at `finish`; other lines one row each
/// into `other_fee_lines`. Both are buffered (`forwardBufferRows`, `bufferRows`). Forward rows are stored
/// in line order, which is their table's key order; the other lines are stored sorted by
/// sheet, so that the sheet index is filled near where the previous entry went (their ids
/// are given as they are stored, so the table is filled in order either way). Rows are
/// stored 16 per INSERT (`RowInserts`). `finish` stores the rest (call it before reading fee
/// lines back).
final class FeeLineWriter {
    let db: Database
    let sheets: SheetBook
    /// Fee lines written (non-zero amounts), forward ones included.
    private(set) var written = 0
    private var pending: [FeeLine] = []
    private var pendingForward: [ForwardFeeRow] = []
    /// Forward rows written since the last `finish`, by sheet: one `forward_sheet_lines` row
    /// per sheet at `finish`.
    private var forwardBySheet: [Int64: [Int64]] = [:]
    private let insert: RowInserts<10>
    private let forwardInsert: RowInserts<19>
    private let sheetLinesInsert: Statement

    /// Other lines held before they are stored, sorted by sheet (about 6 MiB).
    static let bufferRows = 65_536
    /// Forward rows held before they are stored, in the order they came. Few: forward posting
    /// stores them while its other thread reads and prices the next lines, and a long burst of
    /// storing (65,536 rows) left that thread waiting with its hand-over full, then this one
    /// waiting for it (both threads about 65% busy; the forward phase of the month 2.3–2.6 s,
    /// with 512 rows 1.9–2.1 s).
    static let forwardBufferRows = 512
    static let columns = "sheet_key, posting_day, source_type, source_key, line_key, fee_code, amount, late, original_start, rule"

    init(db: Database, sheets: SheetBook) throws {
        self.db = db
        self.sheets = sheets
        insert = try RowInserts(db, table: "other_fee_lines", columns: FeeLineWriter.columns)
        forwardInsert = try RowInserts(db, table: "forward_fees", columns: ForwardFeeRow.columns)
        sheetLinesInsert = try db.prepare("INSERT INTO forward_sheet_lines(sheet_key, line_ids) VALUES (?, ?)")
    }

    /// No fee line of amount 0 is ever written (SPEC §5).
    func write(_ line: FeeLine) throws {
        guard line.amount != 0 else { return }
        pending.append(line)
        sheets.add(line.sheetKey, code: line.code, amount: line.amount)
        written += 1
        if pending.count == FeeLineWriter.bufferRows { try storeOthers() }
    }

    /// The forward lines of one order line. The row is stored even when every amount is 0:
    /// the line's reversals start from it.
    func write(_ row: ForwardFeeRow) throws {
        written += sheets.add(row.sheetKey, row.fees)
        forwardBySheet[row.sheetKey, default: []].append(row.lineID)
        pendingForward.append(row)
        if pendingForward.count == FeeLineWriter.forwardBufferRows { try storeForward() }
    }

    /// Stores everything buffered.
    func finish() throws {
        try storeForward()
        try storeSheetLines()
        try storeOthers()
    }

    /// The forward rows of each sheet since the last `finish`, as a JSON array of line ids.
    private func storeSheetLines() throws {
        var text: [UInt8] = []
        for (sheetKey, lineIDs) in forwardBySheet.sorted(by: { $0.key < $1.key }) {
            text.removeAll(keepingCapacity: true)
            text.append(UInt8(ascii: "["))
            for (index, id) in lineIDs.enumerated() {
                if index > 0 { text.append(UInt8(ascii: ",")) }
                FeeLineWriter.appendDecimal(id, to: &text)
            }
            text.append(UInt8(ascii: "]"))
            try sheetLinesInsert.bind(1, sheetKey)
            try sheetLinesInsert.bind(2, String(decoding: text, as: UTF8.self))
            try sheetLinesInsert.run()
        }
        forwardBySheet.removeAll()
    }

    /// Appends the decimal digits of `value` (an id: not negative) to `text`, as `String(value)` spells it.
    static func appendDecimal(_ value: Int64, to text: inout [UInt8]) {
        precondition(value >= 0, "ids are not negative")
        let start = text.count
        var rest = value
        repeat {
            text.append(UInt8(ascii: "0") + UInt8(rest % 10))
            rest /= 10
        } while rest > 0
        text[start...].reverse()
    }

    private func storeForward() throws {
        // In line order, as read: line_id is the table's key, so each row goes at its end (rows
        // in sheet order went all over the last pages and split them).
        try forwardInsert.store(pendingForward, \.values)
        pendingForward.removeAll(keepingCapacity: true)
    }

    private func storeOthers() throws {
        // By sheet, each sheet's lines in the order they were priced: pairs of a sheet and a
        // position sorted, then the lines stored by position. Sorting the lines themselves
        // moved their whole values about (the 1M-line night's 378,619 reverse lines: 0.3 G
        // instructions to sort).
        let order = pending.indices.map { (sheet: pending[$0].sheetKey, at: $0) }
            .sorted { ($0.sheet, $0.at) < ($1.sheet, $1.at) }
        try insert.store(order) { pending[$0.at].values }
        pending.removeAll(keepingCapacity: true)
    }
}
