// Posting: turning stored rows into fee lines (SPEC §3.2 usability, §5, §6).
//
// Two steps, run by the nightly inside one transaction:
//   checkRefunds — refunds whose line is stored become usable: accepted or over_refund;
//   post         — forward lines, then reverse lines in posting order, then adjustments.

import Foundation
import MallCore
import MallStore

/// What the posting stages did.
public struct PostingSummary: Sendable {
    public var refundsAccepted = 0
    public var overRefunds: [QuarantineEntry] = []
    public var orphansHeld = 0
    public var forwardLines = 0
    public var refundsPosted = 0
    public var adjustmentsPosted = 0
    public var feeLines = 0
    /// Breaks this run found (kind and reference).
    public var newBreaks: [String] = []
}

public final class Poster {
    let db: Database
    let config: MallConfig
    let rules: FeeRuleBook
    let asOf: Day
    let runSeq: Int64
    let progress: ProgressLog

    public init(db: Database, config: MallConfig, asOf: Day, runSeq: Int64, progress: ProgressLog = ProgressLog(enabled: false)) {
        self.progress = progress
        self.db = db
        self.config = config
        self.rules = FeeRuleBook(config.feeRules)
        self.asOf = asOf
        self.runSeq = runSeq
    }

    // MARK: Usability

    /// Six amounts of a refund or its line, in the order of `Poster.tenderNames`.
    private typealias Tenders = InlineArray<6, Int64>
    private static let tenderNames = ["quantity", "refund_goods", "refund_freight", "refund_points", "refund_credit",
                                      "refund_cash"]

    /// Checks every unchecked refund whose line is stored, in order of `refunded_at`,
    /// `refund_id`, `order_id`, `line_no` (SPEC §3.2); holds the rest as orphans.
    public func checkRefunds(into summary: inout PostingSummary) throws {
        struct Pending {
            let id: Int64, refundID: String, orderID: String, lineNo: Int64
            let asked: Tenders
            let sourceFile: Int64, sourceLine: Int64
            let lineID: Int64?, heldSince: String?
            /// The line's paid amounts and what accepted refunds took before this run.
            let paid: Tenders, refundedBefore: Tenders
        }
        func tenders(_ row: Statement, from column: Int32) -> Tenders {
            Tenders { row.int(column + Int32($0)) }
        }
        var pending: [Pending] = []
        try db.query("""
            SELECT r.id, r.refund_id, r.order_id, r.line_no, r.source_file, r.source_line, o.id, r.held_since,
                   r.quantity, r.refund_goods, r.refund_freight, r.refund_points, r.refund_credit, r.refund_cash,
                   o.quantity, o.goods, o.freight, o.paid_points, o.paid_credit, o.paid_cash,
                   coalesce(lr.acc_quantity, 0), coalesce(lr.acc_goods, 0), coalesce(lr.acc_freight, 0),
                   coalesce(lr.acc_points, 0), coalesce(lr.acc_credit, 0), coalesce(lr.acc_cash, 0)
            FROM refunds r LEFT JOIN order_lines o ON o.order_id = r.order_id AND o.line_no = r.line_no
            LEFT JOIN line_refunds lr ON lr.line_id = o.id
            WHERE r.state = 'unchecked' AND r.posted = 0  -- never posted: the refunds_open index finds them
            ORDER BY r.refunded_at, r.refund_id, r.order_id, r.line_no
            """) { row in
            pending.append(Pending(id: row.int(0), refundID: row.string(1), orderID: row.string(2), lineNo: row.int(3),
                                   asked: tenders(row, from: 8), sourceFile: row.int(4), sourceLine: row.int(5),
                                   lineID: row.optionalInt(6), heldSince: row.text(7),
                                   paid: tenders(row, from: 14), refundedBefore: tenders(row, from: 20)))
        }
        guard !pending.isEmpty else { return }
        var refundedByLine: [Int64: Tenders] = [:]
        var accepted: [Int64] = []
        try db.transaction {
            for refund in pending {
                guard let lineID = refund.lineID else {
                    summary.orphansHeld += 1
                    if refund.heldSince == nil {
                        try db.run("UPDATE refunds SET held_since = ? WHERE id = ?", [.text(asOf.description), .int(refund.id)])
                    }
                    continue
                }
                if refund.heldSince != nil {
                    try Breaks.resolveOrphan(db, refundID: refund.refundID, orderID: refund.orderID, lineNo: refund.lineNo, asOf: asOf)
                }
                let (paid, asked) = (refund.paid, refund.asked)
                let refunded = refundedByLine[lineID] ?? refund.refundedBefore
                if let over = (0..<6).first(where: { refunded[$0] + asked[$0] > paid[$0] }) {
                    try quarantineOverRefund(refund.id, orderID: refund.orderID,
                                             lineNo: refund.lineNo, sourceFile: refund.sourceFile,
                                             sourceLine: refund.sourceLine, over: over,
                                             reaching: refunded[over] + asked[over], paid: paid[over], into: &summary)
                    continue
                }
                refundedByLine[lineID] = Tenders { refunded[$0] + asked[$0] }
                accepted.append(refund.id)
                summary.refundsAccepted += 1
            }
            // Written back in store order, once per line and refund.
            let keep = try db.prepare("""
                INSERT INTO line_refunds(line_id, acc_quantity, acc_goods, acc_freight, acc_points, acc_credit, acc_cash)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (line_id) DO UPDATE SET acc_quantity = excluded.acc_quantity, acc_goods = excluded.acc_goods,
                    acc_freight = excluded.acc_freight, acc_points = excluded.acc_points,
                    acc_credit = excluded.acc_credit, acc_cash = excluded.acc_cash
                """)
            for (lineID, refunded) in refundedByLine.sorted(by: { $0.key < $1.key }) {
                try keep.bind(1, lineID)
                for index in 0..<6 { try keep.bind(Int32(index + 2), refunded[index]) }
                try keep.run()
            }
            let accept = try db.prepare("UPDATE refunds SET state = 'accepted' WHERE id = ?")
            for id in accepted.sorted() {
                try accept.bind(1, id)
                try accept.run()
            }
        }
    }

    /// Quarantines a refund that would take more of its line than was paid (`over`: the index
    /// in `tenderNames`), with the row as it came and the column at fault.
    private func quarantineOverRefund(_ id: Int64, orderID: String, lineNo: Int64, sourceFile: Int64,
                                      sourceLine: Int64, over: Int, reaching: Int64, paid: Int64,
                                      into summary: inout PostingSummary) throws {
        var raw = ""
        var columns: [Int] = []
        try db.query("SELECT raw, cols FROM refunds WHERE id = ?", [.int(id)]) { row in
            raw = row.string(0)
            columns = row.string(1).split(separator: ",").map { Int($0) ?? 0 }
        }
        let name = Poster.tenderNames[over]
        let what = over == 0 ? "\(reaching) units" : Money(fen: reaching).description
        let limit = over == 0 ? "\(paid) units" : Money(fen: paid).description
        let entry = QuarantineEntry(
            file: try fileName(sourceFile), line: Int(sourceLine), column: Poster.column(of: name, in: columns),
            reason: .overRefund,
            message: "refunds of \(orderID) line \(lineNo) would reach \(what) of \(name), more than the \(limit) paid",
            raw: raw)
        try db.run("DELETE FROM refunds WHERE id = ?", [.int(id)])
        try entry.record(in: db, runSeq: runSeq, fileID: sourceFile)
        try db.run("UPDATE feed_files SET accepted = accepted - 1, quarantined = quarantined + 1 WHERE file_id = ?",
                   [.int(sourceFile)])
        summary.overRefunds.append(entry)
    }

    private var fileNames: [Int64: String] = [:]
    private func fileName(_ fileID: Int64) throws -> String {
        if let name = fileNames[fileID] { return name }
        let name: String
        if case .text(let n)? = try db.scalar("SELECT name FROM feed_files WHERE file_id = ?", [.int(fileID)]) { name = n } else { name = "file \(fileID)" }
        fileNames[fileID] = name
        return name
    }

    /// The file column of refund field `name`, from the columns stored with the row.
    static func column(of name: String, in columns: [Int]) -> Int {
        guard let index = FeedSchemas.refunds.columns.firstIndex(where: { $0.name == name }),
              index < columns.count else { return 0 }
        return columns[index]
    }

    // MARK: Posting

    /// Ensures the as-of sheets, then posts forward, reverse and adjustment lines.
    public func post(into summary: inout PostingSummary) throws {
        try db.transaction {
            let sheets = try SheetBook(db: db, config: config)
            let writer = try FeeLineWriter(db: db, sheets: sheets)
            for supplier in config.suppliers {
                try sheets.sheet(supplier, periodStarting: supplier.cycle.periodStart(containing: asOf))
            }
            try postForward(writer: writer, sheets: sheets, summary: &summary)
            progress.note("posted \(summary.forwardLines) order lines")
            try postReverse(writer: writer, sheets: sheets, summary: &summary)
            progress.note("posted \(summary.refundsPosted) refunds")
            try postAdjustments(writer: writer, sheets: sheets, summary: &summary)
            try writer.finish()
            try sheets.flush()
            summary.feeLines += writer.written
            progress.note("priced \(writer.written) fee lines")
        }
    }

    private static func line(from row: Statement, offset: Int32) -> PricedLine {
        PricedLine(supplierID: row.string(offset), sku: row.string(offset + 1), category: row.string(offset + 2),
                   quantity: row.int(offset + 3), unitPrice: row.int(offset + 4), costPrice: row.optionalInt(offset + 5),
                   discountPlatform: row.int(offset + 6), discountSupplier: row.int(offset + 7),
                   freight: row.int(offset + 8), paidCash: row.int(offset + 9), channel: row.text(offset + 10))
    }

    private static let lineColumns = """
        o.supplier_id, o.sku, o.category, o.quantity, o.unit_price, o.cost_price, o.discount_platform,
        o.discount_supplier, o.freight, o.paid_cash, o.payment_channel
        """

    /// What the reading side of forward posting found for one order line.
    private enum ForwardCandidate: Sendable {
        /// Due by the as-of date, and priced. `waiting`: it came from pending_lines.
        case due(PricedForward, waiting: Bool)
        /// A line posting sees for the first time that is not due yet: it goes to pending_lines.
        case notDue(lineID: Int64, supplierID: String, paidAt: Int64, completedAt: Int64?)
    }

    private struct PricedForward: Sendable {
        let lineID: Int64
        /// The supplier's position in `config.suppliers`.
        let supplierPosition: Int
        let date: Day
        let trigger: Int64
        let fees: ForwardFees
    }

    /// The reading side gave up because the storing side had.
    private struct ForwardReadingStopped: Error {}

    /// Forward lines of every line whose trigger falls on or before the as-of date: first the
    /// lines waiting in pending_lines, then the lines stored since posting last looked (ids
    /// above `looked_through`); those of them not due yet go to pending_lines. Each line's
    /// amounts depend on that line alone, so lines are read and priced on a second thread, on
    /// a read-only connection of their own, while this one stores them (in store order,
    /// streaming: memory stays flat however large the night), one `forward_fees` row each.
    ///
    /// The reading connection sees the store as last committed, without this transaction's
    /// writes: right, because nothing this stage wrote before is read there (pending_lines,
    /// posting_progress and order_lines are written only below, after it has read them).
    private func postForward(writer: FeeLineWriter, sheets: SheetBook, summary: inout PostingSummary) throws {
        guard case .int(let lookedThrough)? = try db.scalar("SELECT looked_through FROM posting_progress") else {
            preconditionFailure("the store has no posting_progress row")
        }
        let reading = Handoff<ForwardCandidate> { [path = db.path, config, rules, asOf] emit in
            let reader = try Database(path: path, readOnly: true)
            try Poster.readForward(reader, lookedThrough: lookedThrough, config: config, rules: rules, asOf: asOf) {
                guard emit($0) else { throw ForwardReadingStopped() }
            }
        }
        var postedWaiting: [Int64] = []
        var newest = lookedThrough
        let wait = try db.prepare("INSERT INTO pending_lines(line_id, supplier_id, paid_at, completed_at) VALUES (?, ?, ?, ?)")
        do {
            while let batch = try reading.next() {
                for candidate in batch {
                    switch candidate {
                    case .due(let line, let waiting):
                        let (sheetKey, lateFrom) = try sheets.target(supplierAt: line.supplierPosition, postingDate: line.date,
                                                                     asOf: asOf)
                        try writer.write(ForwardFeeRow(lineID: line.lineID, sheetKey: sheetKey, postingDate: line.date,
                                                       lateFrom: lateFrom, triggerAt: line.trigger, fees: line.fees))
                        summary.forwardLines += 1
                        if waiting { postedWaiting.append(line.lineID) } else { newest = max(newest, line.lineID) }
                    case .notDue(let lineID, let supplierID, let paidAt, let completedAt):
                        try wait.bind(1, lineID)
                        try wait.bind(2, supplierID)
                        try wait.bind(3, paidAt)
                        try wait.bind(4, completedAt)
                        try wait.run()
                        newest = max(newest, lineID)
                    }
                }
            }
        } catch {
            reading.cancel()
            throw error
        }
        try db.run("UPDATE posting_progress SET looked_through = ?", [.int(newest)])
        // The reverse lines read the forward rows back.
        try writer.finish()
        let unmarkPending = try db.prepare("DELETE FROM pending_lines WHERE line_id = ?")
        for id in postedWaiting {
            try unmarkPending.bind(1, id)
            try unmarkPending.run()
        }
    }

    /// The reading side of forward posting: every line of pending_lines whose trigger can be
    /// due, then every line above `lookedThrough`, each priced when due, in store order.
    private static func readForward(_ reader: Database, lookedThrough: Int64, config: MallConfig, rules: FeeRuleBook,
                                    asOf: Day, _ emit: (ForwardCandidate) throws -> Void) throws {
        // Pick the candidates in the small pending table: a trigger before `bound` (a day and
        // 14 hours after the as-of date's UTC midnight, later than its end in any timezone);
        // the exact business date is checked for each.
        let bound = (Int64(asOf.ordinal + 1) * 86_400 + 14 * 3_600) * Instant.nanosPerSecond
        let positions = Dictionary(uniqueKeysWithValues: config.suppliers.enumerated().map { ($1.id, $0) })
        let paidSuppliers = config.suppliers.filter { $0.settleOn == .paid }.map(\.id)
        let paidList = String(decoding: try JSONSerialization.data(withJSONObject: paidSuppliers), as: UTF8.self)
        try reader.query("""
            SELECT o.id, o.paid_at, o.completed_at, \(Poster.lineColumns)
            FROM pending_lines p JOIN order_lines o ON o.id = p.line_id
            WHERE CASE WHEN p.supplier_id IN (SELECT value FROM json_each(?)) THEN p.paid_at ELSE p.completed_at END < ?
            ORDER BY p.line_id
            """, [.text(paidList), .int(bound)]) { row in
            if let line = priceForward(row, config: config, positions: positions, rules: rules, asOf: asOf) {
                try emit(.due(line, waiting: true))
            }
        }
        try reader.query("""
            SELECT o.id, o.paid_at, o.completed_at, \(Poster.lineColumns) FROM order_lines o WHERE o.id > ? ORDER BY o.id
            """, [.int(lookedThrough)]) { row in
            if let line = priceForward(row, config: config, positions: positions, rules: rules, asOf: asOf) {
                try emit(.due(line, waiting: false))
            } else {
                try emit(.notDue(lineID: row.int(0), supplierID: row.string(3), paidAt: row.int(1),
                                 completedAt: row.optionalInt(2)))
            }
        }
    }

    /// The forward amounts of one order line (columns: id, paid_at, completed_at, then
    /// `lineColumns`) if its trigger is due by the as-of date; nil when it is not.
    private static func priceForward(_ row: Statement, config: MallConfig, positions: [String: Int], rules: FeeRuleBook,
                                     asOf: Day) -> PricedForward? {
        let line = Poster.line(from: row, offset: 3)
        guard let position = positions[line.supplierID] else { return nil }
        let supplier = config.suppliers[position]
        let trigger = supplier.settleOn == .paid ? row.int(1) : row.optionalInt(2)
        guard let trigger else { return nil }
        let date = config.calendar.businessDate(of: Instant(nanos: trigger))
        guard date <= asOf else { return nil }
        let (amounts, kept) = FeeCalculator.forward(line, supplier: supplier, rules: rules, on: date)
        return PricedForward(lineID: row.int(0), supplierPosition: position, date: date, trigger: trigger,
                             fees: ForwardFees(amounts, paymentFeeReversible: kept.paymentFeeReversible))
    }

    private func postReverse(writer: FeeLineWriter, sheets: SheetBook, summary: inout PostingSummary) throws {
        struct Due {
            let refundRowID: Int64, lineRowID: Int64
            let refundID: String, orderID: String, lineNo: Int64
            let postingAt: Int64, refundedAt: Int64
            let refund: RefundAmounts
            let line: PricedLine
            let forward: ForwardAmounts
            let posted: PostedRefunds
        }
        var due: [Due] = []
        try db.query("""
            SELECT r.id, o.id, r.refund_id, r.order_id, r.line_no, r.refunded_at, ff.trigger_at,
                   r.refund_type, r.quantity, r.refund_goods, r.refund_freight, r.refund_cash,
                   ff.platform_subsidy, ff.commission, ff.payment_fee, ff.payment_fee_reversible, ff.delivery_fee,
                   ff.warehousing_fee, ff.cost, lr.pst_quantity, lr.pst_goods, lr.pst_cash,
                   \(Poster.lineColumns)
            FROM refunds r JOIN order_lines o ON o.order_id = r.order_id AND o.line_no = r.line_no
            JOIN forward_fees ff ON ff.line_id = o.id
            JOIN line_refunds lr ON lr.line_id = o.id
            WHERE r.state = 'accepted' AND r.posted = 0
            """) { row in
            let postingAt = max(row.int(5), row.int(6))
            guard config.calendar.businessDate(of: Instant(nanos: postingAt)) <= asOf else { return }
            var forward = ForwardAmounts()
            forward.subsidy = row.int(12)
            forward.commission = row.int(13)
            forward.paymentFee = row.int(14)
            forward.paymentFeeReversible = row.int(15) == 1
            forward.delivery = row.int(16)
            forward.warehousing = row.int(17)
            forward.cost = row.int(18)
            due.append(Due(refundRowID: row.int(0), lineRowID: row.int(1), refundID: row.string(2),
                           orderID: row.string(3), lineNo: row.int(4), postingAt: postingAt, refundedAt: row.int(5),
                           refund: RefundAmounts(type: row.string(7), quantity: row.int(8), goods: row.int(9),
                                                 freight: row.int(10), cash: row.int(11)),
                           line: Poster.line(from: row, offset: 22), forward: forward,
                           posted: PostedRefunds(quantity: row.int(19), goods: row.int(20), cash: row.int(21))))
        }
        // Posting order (SPEC §5): posting instant, refunded_at, refund_id, order_id, line_no.
        // The positions are sorted, not the large rows themselves.
        let order = due.indices.sorted { a, b in
            let (x, y) = (due[a], due[b])
            return (x.postingAt, x.refundedAt, x.refundID, x.orderID, x.lineNo)
                < (y.postingAt, y.refundedAt, y.refundID, y.orderID, y.lineNo)
        }
        var postedByLine: [Int64: PostedRefunds] = [:]
        var postedRefunds: [(Int64, Int64)] = []
        for index in order {
            let item = due[index]
            let supplier = config.supplierByID[item.line.supplierID]!
            let date = config.calendar.businessDate(of: Instant(nanos: item.postingAt))
            let before = postedByLine[item.lineRowID] ?? item.posted
            let (amounts, after) = FeeCalculator.reverse(item.refund, of: item.line, forward: item.forward, posted: before,
                                                         supplier: supplier, rules: rules, on: date)
            postedByLine[item.lineRowID] = after
            if !amounts.isEmpty {
                let (sheetKey, lateFrom) = try sheets.target(supplier, postingDate: date, asOf: asOf)
                for amount in amounts {
                    try writer.write(FeeLine(sheetKey: sheetKey, postingDate: date, sourceType: .refund,
                                             sourceKey: item.refundRowID, lineKey: item.lineRowID, code: amount.code,
                                             amount: amount.amount, lateFrom: lateFrom, rule: amount.rule))
                }
            }
            postedRefunds.append((item.refundRowID, item.postingAt))
            summary.refundsPosted += 1
        }
        postedRefunds.sort { $0.0 < $1.0 }
        let markPosted = try db.prepare("UPDATE refunds SET posted = 1, posting_at = ? WHERE id = ?")
        for (id, postingAt) in postedRefunds {
            try markPosted.bind(1, postingAt)
            try markPosted.bind(2, id)
            try markPosted.run()
        }
        let keepPosted = try db.prepare("UPDATE line_refunds SET pst_quantity = ?, pst_goods = ?, pst_cash = ? WHERE line_id = ?")
        for (lineID, state) in postedByLine.sorted(by: { $0.key < $1.key }) {
            try keepPosted.bind(1, state.quantity)
            try keepPosted.bind(2, state.goods)
            try keepPosted.bind(3, state.cash)
            try keepPosted.bind(4, lineID)
            try keepPosted.run()
        }
    }

    private func postAdjustments(writer: FeeLineWriter, sheets: SheetBook, summary: inout PostingSummary) throws {
        struct Due { let id: Int64; let adjustmentID: String; let supplierID: String; let amount: Int64; let at: Int64 }
        var due: [Due] = []
        try db.query("SELECT id, adjustment_id, supplier_id, amount, effective_at FROM adjustments WHERE posted = 0") { row in
            let at = row.int(4)
            guard config.calendar.businessDate(of: Instant(nanos: at)) <= asOf else { return }
            due.append(Due(id: row.int(0), adjustmentID: row.string(1), supplierID: row.string(2), amount: row.int(3), at: at))
        }
        due.sort { ($0.at, $0.adjustmentID) < ($1.at, $1.adjustmentID) }
        for item in due {
            guard let supplier = config.supplierByID[item.supplierID] else { continue }
            let date = config.calendar.businessDate(of: Instant(nanos: item.at))
            let (sheetKey, lateFrom) = try sheets.target(supplier, postingDate: date, asOf: asOf)
            try writer.write(FeeLine(sheetKey: sheetKey, postingDate: date, sourceType: .adjustment, sourceKey: item.id,
                                     lineKey: nil, code: .adjustment, amount: item.amount, lateFrom: lateFrom,
                                     rule: .adjustment))
            try db.run("UPDATE adjustments SET posted = 1 WHERE id = ?", [.int(item.id)])
            summary.adjustmentsPosted += 1
        }
    }
}
