// BuyerStatementDocument: one buyer statement as read from the store — a rebate statement of a
// settled rebate period (the buyer's movements on its rebate account) or a credit bill
// statement (the bill as issued and the usage and give-backs it bills) — and its files:
// lines.csv, summary.csv, statement.html, statement.zh-CN.html and statement.xlsx. Everything
// shown is fixed once the period is settled or the bill issued, so the same statement is
// always the same bytes (a command killed while writing it writes it again identically).

import MallCore
import MallIO
import MallStore

/// A buyer statement's content, ready to be rendered.
struct BuyerStatementDocument: Sendable {
    let kind: BuyerStatementKind
    let buyerID: String
    /// Rebate: the cycle (`monthly`, `yearly`); bill: empty.
    let cycle: String
    /// Rebate: the period id; bill: the bill date.
    let period: String
    /// Label and value pairs shown above the totals (their labels localized by key).
    let facts: [(key: String, value: String)]
    /// summary.csv's rows after its header: item, lines (nil: empty), amount.
    let totals: [(item: String, lines: Int?, amount: Int64)]
    /// lines.csv's header and rows; `amountColumns` are money, `integerColumns` whole numbers.
    let columns: [String]
    let rows: [[String]]
    let amountColumns: Set<Int>
    let integerColumns: Set<Int>
    /// lines.csv, made once: its bytes and their SHA-256 (hex).
    let linesCSV: [UInt8]
    let linesSHA256: String

    /// HTML pages list this many lines at most; lines.csv and the workbook hold them all.
    static let htmlLinesMax = 5_000

    init(kind: BuyerStatementKind, buyerID: String, cycle: String, period: String, facts: [(key: String, value: String)],
         totals: [(item: String, lines: Int?, amount: Int64)], columns: [String], rows: [[String]],
         amountColumns: Set<Int>, integerColumns: Set<Int>) {
        self.kind = kind
        self.buyerID = buyerID
        self.cycle = cycle
        self.period = period
        self.facts = facts
        self.totals = totals
        self.columns = columns
        self.rows = rows
        self.amountColumns = amountColumns
        self.integerColumns = integerColumns
        var csv: [UInt8] = []
        CSVEncoder.appendRow(columns.map { .text($0) }, to: &csv)
        for row in rows {
            CSVEncoder.appendRow(row.enumerated().map { index, value in
                if value.isEmpty { return .empty }
                return amountColumns.contains(index) || integerColumns.contains(index) ? .number(value) : .text(value)
            }, to: &csv)
        }
        linesCSV = csv
        var sha = SHA256()
        sha.update(csv)
        linesSHA256 = sha.finalizeHex()
    }

    // MARK: Reading from the store

    /// The rebate statement of `buyer` for the `cycle` period starting `periodID`: one line per
    /// movement (the `rebates` export's columns), by policy id.
    static func rebate(_ db: Database, buyer: String, cycle: RebateCycle, periodID: String) throws -> BuyerStatementDocument {
        guard let start = Day(parsing: periodID) else {
            throw BuyerStatementError(message: "rebate statement of \(buyer): '\(periodID)' is not a period id")
        }
        let period = cycle.period(startingOn: start)
        var rows: [[String]] = []
        var lastID: Int64 = 0
        var settledOn = ""
        var (rebates, rebateLines, clawbacks, clawbackLines) = (Int64(0), 0, Int64(0), 0)
        try db.query("""
            SELECT policy_id, kind, base, amount, funded_by, id, settled_on FROM rebate_movements
            WHERE buyer_id = ? AND period_start = ? AND cycle = ? ORDER BY policy_id
            """, [.text(buyer), .text(periodID), .int(cycle.storeCode)]) { row in
            let amount = row.int("amount")
            rows.append([buyer, row.string("policy_id"), row.string("kind"), periodID, Money(fen: row.int("base")).description,
                         Money(fen: amount).description, row.string("funded_by")])
            lastID = max(lastID, row.int("id"))
            settledOn = row.string("settled_on")
            if amount >= 0 { rebates += amount; rebateLines += 1 } else { clawbacks += amount; clawbackLines += 1 }
        }
        // The account after this period: every movement of the buyer settled up to this one's.
        let balance: Int64
        if case .int(let sum)? = try db.scalar("SELECT sum(amount) FROM rebate_movements WHERE buyer_id = ? AND id <= ?",
                                               [.text(buyer), .int(lastID)]) { balance = sum } else { balance = 0 }
        return BuyerStatementDocument(
            kind: .rebate, buyerID: buyer, cycle: cycle.rawValue, period: periodID,
            facts: [("buyer", buyer), ("cycle", cycle.rawValue), ("period", "\(period.start) – \(period.end)"),
                    ("settled_on", settledOn)],
            totals: [("REBATE", rebateLines, rebates), ("CLAWBACK", clawbackLines, clawbacks),
                     ("NET", rows.count, rebates + clawbacks), ("BALANCE", nil, balance)],
            columns: RebateExport.columns, rows: rows, amountColumns: [4, 5], integerColumns: [])
    }

    /// lines.csv of a bill statement.
    static let billColumns = ["buyer_id", "bill_date", "date", "kind", "source_id", "order_id", "line_no", "amount"]

    /// The bill statement of `buyer`'s bill of `billDate`: the bill as issued (amount, due date,
    /// prepaid applied) and one line per usage (+) or give-back (−) it bills, by date, kind,
    /// source id, order id and line number.
    static func bill(_ db: Database, buyer: String, billDate: String) throws -> BuyerStatementDocument {
        var bill: (due: String, amount: Int64, prepaid: Int64)?
        try db.query("SELECT due_date, amount, prepaid_applied FROM credit_bills WHERE buyer_id = ? AND bill_date = ?",
                     [.text(buyer), .text(billDate)]) { row in
            bill = (row.string("due_date"), row.int("amount"), row.int("prepaid_applied"))
        }
        guard let bill else { throw BuyerStatementError(message: "bill statement of \(buyer) on \(billDate): no such bill") }
        var lines: [(date: String, kind: Int64, source: String, order: String, lineNo: Int64, amount: Int64)] = []
        try db.query("""
            SELECT m.movement_date AS movement_date, m.kind AS kind,
                   CASE m.kind WHEN 1 THEN o.order_id ELSE r.refund_id END AS source_id,
                   coalesce(o.order_id, r.order_id) AS order_id, coalesce(o.line_no, r.line_no) AS line_no, m.amount AS amount
            FROM credit_bill_lines l JOIN credit_movements m ON m.kind = l.kind AND m.source_key = l.source_key
            LEFT JOIN order_lines o ON l.kind = 1 AND o.id = l.source_key
            LEFT JOIN refunds r ON l.kind = 2 AND r.id = l.source_key
            WHERE l.buyer_id = ? AND l.bill_date = ?
            """, [.text(buyer), .text(billDate)]) { row in
            let kind = row.int("kind"), amount = row.int("amount")
            lines.append((row.string("movement_date"), kind, row.string("source_id"), row.string("order_id"), row.int("line_no"),
                          kind == 2 ? -amount : amount))
        }
        lines.sort { a, b in
            if a.date != b.date { return a.date < b.date }
            if a.kind != b.kind { return a.kind < b.kind }
            if a.source != b.source { return a.source.utf8.lexicographicallyPrecedes(b.source.utf8) }
            if a.order != b.order { return a.order.utf8.lexicographicallyPrecedes(b.order.utf8) }
            return a.lineNo < b.lineNo
        }
        let usage = lines.filter { $0.kind == 1 }
        let giveBacks = lines.filter { $0.kind == 2 }
        var from = lines.first?.date ?? billDate
        if case .text(let previous)? = try db.scalar("SELECT max(bill_date) FROM credit_bills WHERE buyer_id = ? AND bill_date < ?",
                                                     [.text(buyer), .text(billDate)]) { from = previous }
        let windowEnd = Day(parsing: billDate).map { $0.adding(days: -1).description } ?? billDate
        return BuyerStatementDocument(
            kind: .bill, buyerID: buyer, cycle: "", period: billDate,
            facts: [("buyer", buyer), ("bill_date", billDate), ("window", "\(from) – \(windowEnd)"), ("due_date", bill.due)],
            totals: [("USAGE", usage.count, usage.reduce(0) { $0 + $1.amount }),
                     ("GIVE_BACK", giveBacks.count, giveBacks.reduce(0) { $0 + $1.amount }),
                     ("BILL", lines.count, bill.amount), ("PREPAID_APPLIED", nil, bill.prepaid),
                     ("DUE", nil, bill.amount - bill.prepaid)],
            columns: billColumns,
            rows: lines.map { [buyer, billDate, $0.date, $0.kind == 1 ? "usage" : "give_back", $0.source, $0.order,
                               String($0.lineNo), Money(fen: $0.amount).description] },
            amountColumns: [7], integerColumns: [6])
    }

    // MARK: Files

    /// summary.csv: `item,lines,amount`.
    var summaryCSV: [UInt8] {
        CSVEncoder.document(header: ["item", "lines", "amount"], rows: totals.map { total in
            [.text(total.item), total.lines.map { .number(String($0)) } ?? .empty, .number(Money(fen: total.amount).description)]
        })
    }

    /// Every file of the statement, by name, lines.csv first.
    func files() throws -> FolderWriter.Files {
        [("lines.csv", linesCSV), ("summary.csv", summaryCSV),
         ("statement.html", BuyerStatementHTML.render(self, locale: .en)),
         ("statement.zh-CN.html", BuyerStatementHTML.render(self, locale: .zhCN)),
         ("statement.xlsx", try workbook())]
    }

    /// statement.xlsx: a Summary sheet (the facts, the lines' hash, the totals), then the lines
    /// on `Lines`, continued on `Lines (2)`, … past a worksheet's row limit; amounts and
    /// counts as numbers.
    func workbook(lineSheetRowsMax: Int = XLSXWriter.rowsMax) throws -> [UInt8] {
        var summary: [[XLSXCell]] = facts.map { [.text($0.key), .text($0.value)] }
        summary.append([.text("lines.csv SHA-256"), .text(linesSHA256)])
        summary += [[], [.text("item"), .text("lines"), .text("amount")]]
        for total in totals {
            summary.append([.text(total.item), total.lines.map { .number(String($0)) } ?? .empty,
                            .number(Money(fen: total.amount).description)])
        }
        var sheets = [XLSXSheet(name: "Summary", rows: summary, columnWidths: [22, 66, 16], boldFirstRow: false)]
        let perSheet = lineSheetRowsMax - 1
        let header = columns.map { XLSXCell.text($0) }
        let cells = rows.map { row in
            row.enumerated().map { index, value -> XLSXCell in
                if value.isEmpty { return .empty }
                return amountColumns.contains(index) || integerColumns.contains(index) ? .number(value) : .text(value)
            }
        }
        var start = 0
        repeat {
            let chunk = Array(cells[start ..< min(cells.count, start + perSheet)])
            let name = sheets.count == 1 ? "Lines" : "Lines (\(sheets.count))"
            sheets.append(XLSXSheet(name: name, rows: [header] + chunk))
            start += perSheet
        } while start < cells.count
        return try XLSXWriter.workbook(sheets)
    }
}

/// A buyer statement that cannot be made from the store.
struct BuyerStatementError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
