// StatementLines: one sheet's fee lines in export order (SPEC §10: sorted by every column
// from the left), read once for its statement, however many there are.
//
// The store keeps a posted order line's forward amounts in one `forward_fees` row. Asking
// SQLite for the sheet's fee lines sorted (FeeLineExport.sheetFeeLines) unfolds every row into
// its codes and sorts millions of wide rows. Here the forward rows are sorted instead (by
// posting day, order and line: within one order line the remaining sort key is the fee
// code, so the codes are unfolded in name order as each row is read), the sheet's other
// lines (refunds, adjustments, carry-forwards, rebates) are sorted by SQLite with the full
// key, and the two sorted streams are merged here by that same key. A test holds the result
// against the sorted SQL for every sheet.

import MallCore
import MallIO
import MallStore

/// One fee line as a statement shows it (the columns of SPEC §5 without the sheet and the
/// supplier, which are the sheet's).
struct StatementLine: Sendable {
    var postingDay: Int
    var sourceType: SourceType
    var sourceID: String
    var orderID: String
    var lineNo: Int64?
    var sku: String
    var code: FeeCode
    var amount: Int64
    var late: Int64
    var originalPeriod: String

    var direction: String { sourceType == .refund ? "reverse" : "forward" }

    /// Export order: every column from the left, text in byte order, a missing line number
    /// first (SQLite's NULL), as `FeeLineExport.orderBy` sorts.
    static func precedes(_ a: StatementLine, _ b: StatementLine) -> Bool {
        if a.postingDay != b.postingDay { return a.postingDay < b.postingDay }
        if let order = byteOrder(a.sourceType.name, b.sourceType.name) { return order }
        if let order = byteOrder(a.sourceID, b.sourceID) { return order }
        if let order = byteOrder(a.orderID, b.orderID) { return order }
        if a.lineNo != b.lineNo {
            guard let left = a.lineNo else { return true }
            guard let right = b.lineNo else { return false }
            return left < right
        }
        if let order = byteOrder(a.sku, b.sku) { return order }
        if let order = byteOrder(a.code.rawValue, b.code.rawValue) { return order }
        if let order = byteOrder(a.direction, b.direction) { return order }
        if a.amount != b.amount { return a.amount < b.amount }
        if a.late != b.late { return a.late < b.late }
        return byteOrder(a.originalPeriod, b.originalPeriod) ?? false
    }

    /// `true` when `a` sorts before `b` by bytes, `false` after, `nil` when equal.
    private static func byteOrder(_ a: String, _ b: String) -> Bool? {
        if a == b { return nil }
        return a.utf8.lexicographicallyPrecedes(b.utf8)
    }
}

enum StatementLines {
    /// Forward codes in the order their names sort (the export sorts fee codes as text).
    static let forwardCodesByName: [FeeCode] = FeeCode.allCases.prefix(FeeCode.forwardCodeCount)
        .sorted { $0.rawValue.utf8.lexicographicallyPrecedes($1.rawValue.utf8) }

    /// The sheet's forward rows, sorted by posting day, order and line, with each forward
    /// code's amount under the code's name (`GOODS` … `COST`); read by `ForwardRowColumns`.
    static let forwardRows = """
        SELECT f.posting_day AS posting_day, o.order_id AS order_id, o.line_no AS line_no, o.sku AS sku,
               f.late AS late, coalesce(date(f.original_start * 86400, 'unixepoch'), '') AS original_period,
               \(ForwardFeeSQL.namedAmountColumns(row: "f"))
        FROM forward_sheet_lines l, json_each(l.line_ids) j
        JOIN forward_fees f ON f.line_id = j.value
        JOIN order_lines o ON o.id = f.line_id
        WHERE l.sheet_key = ?1 AND f.sheet_key = ?1
        ORDER BY f.posting_day, o.order_id, o.line_no
        """

    /// The sheet's other lines in export order, as `FeeLineExport.select` shows them.
    static let otherRows = FeeLineExport.select(
        from: "(SELECT \(ForwardFeeSQL.otherColumns) FROM other_fee_lines WHERE sheet_key = ?1)") + " " + FeeLineExport.orderBy

    /// Calls `body` with every fee line of the sheet, in export order. Its forward lines come
    /// from `forward` when given (read ahead on another connection), else from `db`.
    static func each(_ db: Database, sheetKey: Int64, forward prefetched: Handoff<StatementLine, any Error>? = nil,
                     _ body: (StatementLine) throws -> Void) throws {
        let other = try db.prepare(otherRows)
        defer { other.reset() }
        try other.bind([.int(sheetKey)])
        let at = OtherRowColumns(other)
        var pendingOther = try other.step() ? otherLine(other, at) : nil
        try forwardLines(db, sheetKey: sheetKey, prefetched: prefetched) { line in
            while let otherLine = pendingOther, StatementLine.precedes(otherLine, line) {
                try body(otherLine)
                pendingOther = try other.step() ? self.otherLine(other, at) : nil
            }
            try body(line)
        }
        while let otherLine = pendingOther {
            try body(otherLine)
            pendingOther = try other.step() ? self.otherLine(other, at) : nil
        }
    }

    /// The sheet's forward lines in export order.
    private static func forwardLines(_ db: Database, sheetKey: Int64, prefetched: Handoff<StatementLine, any Error>?,
                                     _ body: (StatementLine) throws -> Void) throws {
        if let prefetched {
            do {
                while let batch = try prefetched.next() { for line in batch { try body(line) } }
            } catch {
                prefetched.cancel()
                throw error
            }
            return
        }
        try readForward(db, sheetKey: sheetKey) { line in
            try body(line)
            return true
        }
    }

    /// Reads the sheet's forward rows from `db` and hands their lines to `body` in export
    /// order, until `body` returns false.
    private static func readForward(_ db: Database, sheetKey: Int64, _ body: (StatementLine) throws -> Bool) throws {
        let forward = try db.prepare(forwardRows)
        defer { forward.reset() }
        try forward.bind([.int(sheetKey)])
        let at = ForwardRowColumns(forward)
        var unfolded: [StatementLine] = []
        while try forward.step() {
            unfolded.removeAll(keepingCapacity: true)
            unfold(forward, at, into: &unfolded)
            for line in unfolded { guard try body(line) else { return } }
        }
    }

    /// Starts reading the sheet's forward lines now, on a thread and read-only connection of
    /// their own: SQLite sorts all of a sheet's forward rows before it returns the first,
    /// which for a sheet of millions of lines takes a second that the other sheets' statements
    /// can use. Forward rows never change while a close runs (it adds only carry-forward lines
    /// and sheet states), so the committed rows another connection sees are the close's own.
    static func readForwardAhead(storePath: String, sheetKey: Int64) -> Handoff<StatementLine, any Error> {
        Handoff<StatementLine, any Error>(batchItems: 4_096, batchesInFlightMax: 8) { (emit) throws(any Error) in
            let reader = try Database(path: storePath, readOnly: true)
            try readForward(reader, sheetKey: sheetKey) { emit($0) }
        }
    }

    /// The non-zero forward amounts of the current row, as lines in code-name order (a row
    /// whose amounts are all zero gives none, and the next row is read).
    private static func unfold(_ row: Statement, _ at: ForwardRowColumns, into lines: inout [StatementLine]) {
        let orderID = row.string(at.orderID)
        let lineNo = row.int(at.lineNo)
        let sku = row.string(at.sku)
        let late = row.int(at.late)
        let original = row.string(at.originalPeriod)
        let day = Int(row.int(at.postingDay))
        for (index, code) in forwardCodesByName.enumerated() {
            let amount = row.int(at.amounts[index])
            guard amount != 0 else { continue }
            lines.append(StatementLine(postingDay: day, sourceType: .order, sourceID: orderID, orderID: orderID,
                                       lineNo: lineNo, sku: sku, code: code, amount: amount, late: late,
                                       originalPeriod: original))
        }
    }

    /// Where `forwardRows`' columns are in a prepared statement, found by name once per
    /// statement (the rows are read millions of times).
    struct ForwardRowColumns {
        let postingDay, orderID, lineNo, sku, late, originalPeriod: Int32
        /// The amount column of each code of `forwardCodesByName`, in that order.
        let amounts: [Int32]
        init(_ statement: Statement) {
            postingDay = statement.column("posting_day"); orderID = statement.column("order_id")
            lineNo = statement.column("line_no"); sku = statement.column("sku"); late = statement.column("late")
            originalPeriod = statement.column("original_period")
            amounts = forwardCodesByName.map { statement.column($0.rawValue) }
        }
    }

    /// Where `otherRows`' columns (those of `FeeLineExport.select`) are, found by name once
    /// per statement.
    struct OtherRowColumns {
        let postingDate, sourceType, sourceID, orderID, lineNo, sku, feeCode, amount, late, originalPeriod: Int32
        init(_ statement: Statement) {
            postingDate = statement.column("posting_date"); sourceType = statement.column("source_type")
            sourceID = statement.column("source_id"); orderID = statement.column("order_id")
            lineNo = statement.column("line_no"); sku = statement.column("sku"); feeCode = statement.column("fee_code")
            amount = statement.column("amount"); late = statement.column("late")
            originalPeriod = statement.column("original_period")
        }
    }

    /// A row of `otherRows`.
    private static func otherLine(_ row: Statement, _ at: OtherRowColumns) -> StatementLine {
        let sourceName = row.string(at.sourceType)
        let codeName = row.string(at.feeCode)
        guard let day = Day(parsing: row.string(at.postingDate)),
              let source = SourceType.allCases.first(where: { $0.name == sourceName }),
              let code = FeeCode(rawValue: codeName) else {
            preconditionFailure("a fee line the store cannot show: \(row.string(at.postingDate)) \(sourceName) \(codeName)")
        }
        return StatementLine(postingDay: day.ordinal, sourceType: source, sourceID: row.string(at.sourceID),
                             orderID: row.string(at.orderID), lineNo: row.optionalInt(at.lineNo), sku: row.string(at.sku),
                             code: code, amount: row.int(at.amount), late: row.int(at.late),
                             originalPeriod: row.string(at.originalPeriod))
    }
}

/// What a statement's HTML says beside its adjustment and carry-forward lines: an
/// adjustment's reason and approver (from `adjustments`, by the line's adjustment), and the
/// sheet a carry-forward came from (its source, SPEC §5) or, on the sheet that carried its
/// negative net forward, the sheet it went to (the supplier's sheet of the period that starts
/// the day after this one ends, SPEC §6). Read once per sheet, and only when the sheet has
/// such lines: the forward lines never look here.
struct LineNotes: Sendable {
    struct Adjustment: Sendable, Equatable {
        let reason: String
        let approvedBy: String
    }

    /// Adjustments of the sheet, by adjustment_id.
    var adjustments: [String: Adjustment] = [:]
    /// The sheet this sheet's own carry-forward went to.
    var carriedTo: String?

    /// One line's explanation.
    enum Explanation: Sendable, Equatable {
        case adjustment(Adjustment)
        case carriedFrom(String)
        case carriedTo(String)

        /// Label and value of each part, in `locale`.
        func parts(_ locale: StatementView.Locale) -> [(label: String, value: String)] {
            switch self {
            case .adjustment(let adjustment):
                return [(StatementHTML.noteLabel(.reason, locale: locale), adjustment.reason),
                        (StatementHTML.noteLabel(.approvedBy, locale: locale), adjustment.approvedBy)]
            case .carriedFrom(let sheetID):
                return [(StatementHTML.noteLabel(.carriedFrom, locale: locale), sheetID)]
            case .carriedTo(let sheetID):
                return [(StatementHTML.noteLabel(.carriedTo, locale: locale), sheetID)]
            }
        }
    }

    /// The explanation of `line` on the sheet `sheetID`; `nil` for lines that need none (or
    /// that name an order, whose columns the explanation would take).
    func explanation(of line: StatementLine, sheetID: String) -> Explanation? {
        guard line.orderID.isEmpty, line.lineNo == nil, line.sku.isEmpty else { return nil }
        switch line.sourceType {
        case .adjustment:
            return adjustments[line.sourceID].map { .adjustment($0) }
        case .carry:
            guard line.sourceID == sheetID else { return .carriedFrom(line.sourceID) }
            return carriedTo.map { .carriedTo($0) }
        case .order, .refund, .rebate:
            return nil
        }
    }

    static func read(_ db: Database, header: SheetHeader, totals: [StatementTotal]) throws -> LineNotes {
        var notes = LineNotes()
        let codes = Set(totals.map(\.feeCode))
        if codes.contains(FeeCode.adjustment.rawValue) {
            var at: (id: Int32, reason: Int32, approvedBy: Int32)?
            try db.query("""
                SELECT a.adjustment_id AS adjustment_id, a.reason AS reason, a.approved_by AS approved_by
                FROM other_fee_lines o JOIN adjustments a ON a.id = o.source_key
                WHERE o.sheet_key = ? AND o.source_type = ?
                """, [.int(header.key), .int(SourceType.adjustment.rawValue)]) { row in
                let c = at ?? (row.column("adjustment_id"), row.column("reason"), row.column("approved_by"))
                at = c
                notes.adjustments[row.string(c.id)] = Adjustment(reason: row.string(c.reason), approvedBy: row.string(c.approvedBy))
            }
        }
        if codes.contains(FeeCode.carryForward.rawValue) {
            try db.query("""
                SELECT n.sheet_id AS sheet_id FROM sheets s JOIN sheets n
                  ON n.supplier_id = s.supplier_id AND n.entity = s.entity AND n.currency = s.currency
                 AND n.period_start = date(s.period_end, '+1 day')
                WHERE s.sheet_key = ?
                """, [.int(header.key)]) { row in
                notes.carriedTo = row.string(row.column("sheet_id"))
            }
        }
        return notes
    }
}
