// FeeLine: one priced consequence of a feed row for a supplier (SPEC §5), and its fee codes.

import MallCore
import MallStore

/// Fee codes, in the order statements list them (SPEC §5 tables, then the rest).
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
}

/// A fee line before it is stored.
struct FeeLine {
    var sheetID: String
    var supplierID: String
    var postingDate: Day
    var sourceType: String
    var sourceID: String
    var orderID: String
    var lineNo: Int64?
    var sku: String
    var code: FeeCode
    var direction: String
    var amount: Int64
    var late: Bool
    var originalPeriod: String
    /// The rule (or feed column) the amount came from, for tracing.
    var rule: String
}

/// Writes fee lines, skipping zero amounts, and counts them into their sheets.
final class FeeLineWriter {
    let db: Database
    let sheets: SheetBook
    private(set) var written = 0

    init(db: Database, sheets: SheetBook) {
        self.db = db
        self.sheets = sheets
    }

    /// No fee line of amount 0 is ever written (SPEC §5).
    func write(_ line: FeeLine) throws {
        guard line.amount != 0 else { return }
        let statement = try db.prepare("""
            INSERT INTO fee_lines(sheet_id, supplier_id, posting_date, source_type, source_id, order_id, line_no,
                                  sku, fee_code, direction, amount, late, original_period, rule)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        try statement.bind(1, line.sheetID)
        try statement.bind(2, line.supplierID)
        try statement.bind(3, line.postingDate.description)
        try statement.bind(4, line.sourceType)
        try statement.bind(5, line.sourceID)
        try statement.bind(6, line.orderID)
        try statement.bind(7, line.lineNo)
        try statement.bind(8, line.sku)
        try statement.bind(9, line.code.rawValue)
        try statement.bind(10, line.direction)
        try statement.bind(11, line.amount)
        try statement.bind(12, Int64(line.late ? 1 : 0))
        try statement.bind(13, line.originalPeriod)
        try statement.bind(14, line.rule)
        try statement.run()
        sheets.add(line.sheetID, amount: line.amount)
        written += 1
    }
}
