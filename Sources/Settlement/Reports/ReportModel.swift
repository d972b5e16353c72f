// ReportModel: what every analytics report (SPEC §10) shares — its name (with the Chinese one
// the users know it by), the window of business dates it covers, its table of cells, and the
// exact decimal rates its columns hold. Reports/README.md documents each report's columns.

import MallCore
import MallIO

/// The analytics reports of SPEC §10, in the order the dashboard shows them.
public enum ReportName: String, Sendable, CaseIterable {
    case salesDaily = "sales_daily"
    case skuRanking = "sku_ranking"
    case supplierSummary = "supplier_summary"
    case categoryMix = "category_mix"
    case tenderMix = "tender_mix"
    case marketingCost = "marketing_cost"
    case buyerRetention = "buyer_retention"
    case grossMargin = "gross_margin"
    case settlementStatus = "settlement_status"
    case reconciliation
    case rebates
    case creditSummary = "credit_summary"
    case overdueBills = "overdue_bills"
    case arrears

    /// The report's title for people, in English and in Simplified Chinese.
    public var title: (en: String, zh: String) {
        switch self {
        case .salesDaily: return ("Sales by day", "平台销售汇总")
        case .skuRanking: return ("SKU ranking", "商品销售汇总/TOP")
        case .supplierSummary: return ("Suppliers", "供应商汇总")
        case .categoryMix: return ("Category mix", "品类结构")
        case .tenderMix: return ("Tender mix", "支付方式分析")
        case .marketingCost: return ("Marketing cost", "营销费用")
        case .buyerRetention: return ("Buyer retention", "复购率")
        case .grossMargin: return ("Gross margin (purchase mode)", "商品销售毛利")
        case .settlementStatus: return ("Settlement status", "结算单状态")
        case .reconciliation: return ("Channel reconciliation", "对账")
        case .rebates: return ("Rebates", "会员返利结算")
        case .creditSummary: return ("Credit lines", "授信统计")
        case .overdueBills: return ("Overdue bills", "到期未结账单")
        case .arrears: return ("Arrears", "实时欠款")
        }
    }
}

/// The business dates a report covers, both inclusive. Reports over sales take the lines paid
/// in it; state reports (sheets, credit) are as of `to`.
public struct ReportWindow: Sendable, Equatable, CustomStringConvertible {
    public let from: Day
    public let to: Day

    public init(from: Day, to: Day) {
        precondition(from <= to, "a report window runs forward")
        self.from = from
        self.to = to
    }

    /// What `run` refreshes and `report` shows without `--from`: the 30 days through `asOf`.
    public static let defaultDays = 30
    public static func ending(_ asOf: Day) -> ReportWindow {
        ReportWindow(from: asOf.adding(days: -(defaultDays - 1)), to: asOf)
    }

    public func contains(_ day: Day) -> Bool { day >= from && day <= to }
    public func contains(ordinal: Int) -> Bool { ordinal >= from.ordinal && ordinal <= to.ordinal }

    public var description: String { "\(from)…\(to)" }
}

/// One report: a header and rows of CSV cells, sorted as the report defines.
public struct ReportTable: Sendable {
    public let name: ReportName
    public let columns: [String]
    public var rows: [[CSVCell]]

    public init(name: ReportName, columns: [String], rows: [[CSVCell]] = []) {
        self.name = name
        self.columns = columns
        self.rows = rows
    }

    /// Every row already encoded, for a table too long to keep as cells (sku_ranking has a row
    /// per SKU sold): `rows` then holds the first `cellRowsMax` rows only, what the dashboard
    /// shows, and `encodedRowCount` says how many there are.
    var encodedRows: [UInt8]?
    var encodedRowCount = 0
    /// Rows kept as cells beside the encoded ones.
    static let cellRowsMax = 40

    /// How many rows the report has.
    public var rowCount: Int { encodedRows == nil ? rows.count : encodedRowCount }

    /// The CSV bytes (SPEC §10: plain decimals, formula-neutralised text).
    public func csv() -> [UInt8] {
        guard let encodedRows else { return CSVEncoder.document(header: columns, rows: rows) }
        var bytes = CSVEncoder.document(header: columns, rows: [])
        bytes.append(contentsOf: encodedRows)
        return bytes
    }

    /// The cell of `column` in `row`, as its text (`""` when empty).
    public func value(_ row: [CSVCell], _ column: String) -> String {
        guard let index = columns.firstIndex(of: column) else { preconditionFailure("\(name) has no column \(column)") }
        switch row[index] {
        case .text(let text), .number(let text): return text
        case .empty: return ""
        }
    }
}

/// Cells of the reports: money as plain decimals, counts, and exact rates.
enum ReportCell {
    static func money(_ fen: Int64) -> CSVCell { .number(Money(fen: fen).description) }
    static func count(_ value: Int64) -> CSVCell { .number(String(value)) }
    static func count(_ value: Int) -> CSVCell { .number(String(value)) }
    static func text(_ value: String) -> CSVCell { .text(value) }
    static func day(_ value: Day) -> CSVCell { .text(value.description) }

    /// `numerator / denominator` as a decimal with `Rate.digits` fraction digits, rounded
    /// half away from zero with integer arithmetic; empty when the denominator is 0.
    static func rate(_ numerator: Int64, _ denominator: Int64) -> CSVCell {
        guard let text = Ratio.decimal(numerator, denominator) else { return .empty }
        return .number(text)
    }
}

/// Exact ratios as decimal text.
public enum Ratio {
    /// Fraction digits of every rate in the reports (`0.1250`).
    public static let digits = 4
    private static let scale: Int128 = 10_000

    /// `numerator / denominator` rounded half away from zero to `digits` fraction digits;
    /// nil when `denominator` is 0. A negative denominator flips both signs.
    public static func decimal(_ numerator: Int64, _ denominator: Int64) -> String? {
        guard denominator != 0 else { return nil }
        let (n, d) = denominator < 0 ? (-Int128(numerator), -Int128(denominator)) : (Int128(numerator), Int128(denominator))
        // Rounded like Exact.roundedQuotient, but in 128 bits throughout: a rate of two
        // large amounts may not fit 64 bits once scaled.
        var scaled = n * scale / d
        let remainder = n * scale % d
        if remainder.magnitude * 2 >= d.magnitude { scaled += n < 0 ? -1 : 1 }
        let magnitude = scaled.magnitude
        let whole = magnitude / UInt128(scale)
        var fraction = String(magnitude % UInt128(scale))
        fraction = String(repeating: "0", count: digits - fraction.count) + fraction
        return (scaled < 0 ? "-" : "") + String(whole) + "." + fraction
    }

    /// `decimal(numerator, denominator)` appended as bytes (nothing when `denominator` is 0),
    /// in 64 bits when the scaled amounts fit: a report of half a million rows writes a rate
    /// in each, and dividing in 128 bits and building strings cost as much as the rest of the
    /// row.
    static func append(_ numerator: Int64, _ denominator: Int64, to bytes: inout [UInt8]) {
        guard denominator != 0 else { return }
        let limit = Int64.max / 20_000
        guard numerator.magnitude <= limit && denominator.magnitude <= limit else {
            return bytes.append(contentsOf: decimal(numerator, denominator)!.utf8)
        }
        let (n, d) = denominator < 0 ? (-numerator, -denominator) : (numerator, denominator)
        var scaled = n * 10_000 / d
        if (n * 10_000 % d).magnitude * 2 >= d.magnitude { scaled += n < 0 ? -1 : 1 }
        if scaled < 0 { bytes.append(UInt8(ascii: "-")) }
        CSVEncoder.appendInteger(Int64(scaled.magnitude / 10_000), to: &bytes)
        bytes.append(UInt8(ascii: "."))
        let fraction = Int(scaled.magnitude % 10_000)
        for place in [1_000, 100, 10, 1] { bytes.append(UInt8(ascii: "0") + UInt8(fraction / place % 10)) }
    }
}

/// Byte-order comparison of texts (SQLite's BINARY collation), for deterministic sorting.
@inline(__always)
func bytesBefore(_ a: String, _ b: String) -> Bool {
    a.utf8.lexicographicallyPrecedes(b.utf8)
}
