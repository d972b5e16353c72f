// Posting: turning stored rows into fee lines (SPEC §3.2 usability, §5, §6).
//
// Run by the nightly inside one transaction: forward lines; then the refunds whose line is
// stored become usable (accepted or over_refund) and the reverse lines of those due are
// posted in posting order; then adjustments.

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

    /// A refund not yet posted, with its line's amounts and refund state when the line is
    /// stored, and its line's forward row when that is posted.
    private struct OpenRefund {
        let id: Int64, refundID: String, orderID: String, lineNo: Int64
        let sourceFile: Int64, sourceLine: Int64
        let heldSince: String?
        let acceptedBefore: Bool
        let refundedAt: Int64
        let refund: RefundAmounts
        /// quantity, goods, freight, points, credit, cash asked back.
        let asked: Tenders
        let lineID: Int64?
        /// What the line paid, in the order of `asked`.
        let paid: Tenders
        let line: PricedLine?
        /// The line's forward amounts and the instant its forward lines were posted at, once
        /// its forward row is stored.
        let forward: (amounts: ForwardAmounts, triggerAt: Int64)?
    }

    /// The refund state of one line as `line_refunds` keeps it.
    private struct LineRefundState {
        var accepted: Tenders
        var posted: PostedRefunds
        var changed = false
    }

    /// Refunds, after the forward lines: checks every unchecked refund whose line is stored,
    /// in order of `refunded_at`, `refund_id`, `order_id`, `line_no` (SPEC §3.2: accepted, or
    /// quarantined as an over-refund; the rest held as orphans, and orphan breaks opened);
    /// then posts the reverse lines of every accepted refund that is due, in posting order
    /// (SPEC §5). One read of the open refunds with their lines serves both steps, and each
    /// refund row and line state is written once, whether it was accepted, posted or both.
    private func checkAndPostRefunds(writer: FeeLineWriter, sheets: SheetBook, summary: inout PostingSummary) throws {
        let (open, states) = try readOpenRefunds()
        var lineStates = states
        let accepted = try checkRefunds(open, &lineStates, summary: &summary)
        progress.note("checked \(summary.refundsAccepted) refunds")
        let postingAt = try postReverseLines(open, accepted: accepted, &lineStates, writer: writer, sheets: sheets,
                                             summary: &summary)
        try writeRefundStates(open, accepted: accepted, postingAt: postingAt, lineStates)
        // Once the refunds accepted above are stored as such: an orphan whose line came is
        // no longer unchecked.
        summary.newBreaks = try Breaks.openOrphans(db, config: config, asOf: asOf)
    }

    /// The refunds not yet posted, with their lines' amounts, refund states and forward rows.
    private func readOpenRefunds() throws -> ([OpenRefund], [Int64: LineRefundState]) {
        var open: [OpenRefund] = []
        var lineStates: [Int64: LineRefundState] = [:]
        func tenders(_ row: Statement, _ columns: TenderColumns) -> Tenders {
            Tenders { row.int(columns[$0]) }
        }
        var at: OpenRefundColumns?
        try db.query("""
            SELECT r.id AS id, r.refund_id AS refund_id, r.order_id AS order_id, r.line_no AS line_no,
                   r.source_file AS source_file, r.source_line AS source_line, r.held_since AS held_since,
                   r.state AS state, r.refunded_at AS refunded_at, r.refund_type AS refund_type,
                   r.quantity AS asked_quantity, r.refund_goods AS asked_goods, r.refund_freight AS asked_freight,
                   r.refund_points AS asked_points, r.refund_credit AS asked_credit, r.refund_cash AS asked_cash,
                   o.id AS line_id, o.quantity AS line_quantity, o.goods AS line_goods, o.freight AS line_freight,
                   o.paid_points AS line_points, o.paid_credit AS line_credit, o.paid_cash AS line_cash,
                   coalesce(lr.acc_quantity, 0) AS acc_quantity, coalesce(lr.acc_goods, 0) AS acc_goods,
                   coalesce(lr.acc_freight, 0) AS acc_freight, coalesce(lr.acc_points, 0) AS acc_points,
                   coalesce(lr.acc_credit, 0) AS acc_credit, coalesce(lr.acc_cash, 0) AS acc_cash,
                   coalesce(lr.pst_quantity, 0) AS pst_quantity, coalesce(lr.pst_goods, 0) AS pst_goods,
                   coalesce(lr.pst_cash, 0) AS pst_cash,
                   ff.trigger_at AS trigger_at, ff.platform_subsidy AS platform_subsidy, ff.commission AS commission,
                   ff.payment_fee AS payment_fee, ff.payment_fee_reversible AS payment_fee_reversible,
                   ff.delivery_fee AS delivery_fee, ff.warehousing_fee AS warehousing_fee, ff.cost AS cost,
                   \(Poster.lineColumns)
            FROM refunds r LEFT JOIN order_lines o ON o.order_id = r.order_id AND o.line_no = r.line_no
            LEFT JOIN line_refunds lr ON lr.line_id = o.id
            LEFT JOIN forward_fees ff ON ff.line_id = o.id
            WHERE r.posted = 0
            """) { row in
            let c = at ?? OpenRefundColumns(row)
            at = c
            let lineID = row.optionalInt(c.lineID)
            var forward: (ForwardAmounts, Int64)?
            if let triggerAt = row.optionalInt(c.triggerAt) {
                var amounts = ForwardAmounts()
                amounts.subsidy = row.int(c.subsidy)
                amounts.commission = row.int(c.commission)
                amounts.paymentFee = row.int(c.paymentFee)
                amounts.paymentFeeReversible = row.int(c.paymentFeeReversible) == 1
                amounts.delivery = row.int(c.delivery)
                amounts.warehousing = row.int(c.warehousing)
                amounts.cost = row.int(c.cost)
                forward = (amounts, triggerAt)
            }
            if let lineID, lineStates[lineID] == nil {
                lineStates[lineID] = LineRefundState(
                    accepted: tenders(row, c.accepted),
                    posted: PostedRefunds(quantity: row.int(c.postedQuantity), goods: row.int(c.postedGoods),
                                          cash: row.int(c.postedCash)))
            }
            open.append(OpenRefund(
                id: row.int(c.id), refundID: row.string(c.refundID), orderID: row.string(c.orderID),
                lineNo: row.int(c.lineNo), sourceFile: row.int(c.sourceFile), sourceLine: row.int(c.sourceLine),
                heldSince: row.text(c.heldSince), acceptedBefore: row.string(c.state) == "accepted",
                refundedAt: row.int(c.refundedAt),
                refund: RefundAmounts(type: row.string(c.refundType), quantity: row.int(c.asked[0]),
                                      goods: row.int(c.asked[1]), freight: row.int(c.asked[2]), cash: row.int(c.asked[5])),
                asked: tenders(row, c.asked), lineID: lineID,
                paid: lineID == nil ? Tenders(repeating: 0) : tenders(row, c.paid),
                line: lineID == nil ? nil : Poster.line(from: row, c.line),
                forward: forward))
        }
        return (open, lineStates)
    }

    /// Checks every unchecked refund whose line is stored, in order of refunded_at, refund_id,
    /// order_id, line_no: accepted (into its line's state), or quarantined as an over-refund;
    /// the rest held as orphans. Returns the indices in `open` of the refunds accepted.
    private func checkRefunds(_ open: [OpenRefund], _ lineStates: inout [Int64: LineRefundState],
                              summary: inout PostingSummary) throws -> Set<Int> {
        var accepted = Set<Int>()
        let unchecked = open.indices.filter { !open[$0].acceptedBefore }.sorted { a, b in
            let (x, y) = (open[a], open[b])
            return (x.refundedAt, x.refundID, x.orderID, x.lineNo) < (y.refundedAt, y.refundID, y.orderID, y.lineNo)
        }
        for index in unchecked {
            let refund = open[index]
            guard let lineID = refund.lineID, var state = lineStates[lineID] else {
                summary.orphansHeld += 1
                if refund.heldSince == nil {
                    try db.run("UPDATE refunds SET held_since = ? WHERE id = ?", [.text(asOf.description), .int(refund.id)])
                }
                continue
            }
            if refund.heldSince != nil {
                try Breaks.resolveOrphan(db, refundID: refund.refundID, orderID: refund.orderID, lineNo: refund.lineNo, asOf: asOf)
            }
            let (paid, asked, refunded) = (refund.paid, refund.asked, state.accepted)
            if let over = (0..<6).first(where: { refunded[$0] + asked[$0] > paid[$0] }) {
                try quarantineOverRefund(refund.id, orderID: refund.orderID,
                                         lineNo: refund.lineNo, sourceFile: refund.sourceFile,
                                         sourceLine: refund.sourceLine, over: over,
                                         reaching: refunded[over] + asked[over], paid: paid[over], into: &summary)
                continue
            }
            state.accepted = Tenders { refunded[$0] + asked[$0] }
            state.changed = true
            lineStates[lineID] = state
            accepted.insert(index)
            summary.refundsAccepted += 1
        }
        return accepted
    }

    /// Posts the reverse lines of the accepted refunds that are due, in posting order (SPEC
    /// §5): posting instant, refunded_at, refund_id, order_id, line_no. Returns the posting
    /// instant of each refund posted, by its index in `open`.
    private func postReverseLines(_ open: [OpenRefund], accepted: Set<Int>, _ lineStates: inout [Int64: LineRefundState],
                                  writer: FeeLineWriter, sheets: SheetBook,
                                  summary: inout PostingSummary) throws -> [Int: Int64] {
        var due: [(index: Int, postingAt: Int64)] = []
        for index in open.indices where open[index].acceptedBefore || accepted.contains(index) {
            let refund = open[index]
            guard let forward = refund.forward else { continue }  // its line is not posted yet
            let postingAt = max(refund.refundedAt, forward.triggerAt)
            guard config.calendar.businessDate(of: Instant(nanos: postingAt)) <= asOf else { continue }
            due.append((index, postingAt))
        }
        due.sort { a, b in
            let (x, y) = (open[a.index], open[b.index])
            return (a.postingAt, x.refundedAt, x.refundID, x.orderID, x.lineNo)
                < (b.postingAt, y.refundedAt, y.refundID, y.orderID, y.lineNo)
        }
        var postingAt: [Int: Int64] = [:]
        for (index, at) in due {
            let item = open[index]
            guard let lineID = item.lineID, let line = item.line, let forward = item.forward,
                  var state = lineStates[lineID] else { continue }
            let supplier = config.supplierByID[line.supplierID]!
            let date = config.calendar.businessDate(of: Instant(nanos: at))
            let (amounts, after) = FeeCalculator.reverse(item.refund, of: line, forward: forward.amounts, posted: state.posted,
                                                         supplier: supplier, rules: rules, on: date)
            state.posted = after
            state.changed = true
            lineStates[lineID] = state
            if !amounts.isEmpty {
                let (sheetKey, lateFrom) = try sheets.target(supplier, postingDate: date, asOf: asOf)
                for amount in amounts {
                    try writer.write(FeeLine(sheetKey: sheetKey, postingDate: date, sourceType: .refund,
                                             sourceKey: item.id, lineKey: lineID, code: amount.code,
                                             amount: amount.amount, lateFrom: lateFrom, rule: amount.rule))
                }
            }
            postingAt[index] = at
            summary.refundsPosted += 1
        }
        return postingAt
    }

    /// Writes each refund that was accepted or posted, and each line whose state moved, once,
    /// in store order.
    private func writeRefundStates(_ open: [OpenRefund], accepted: Set<Int>, postingAt: [Int: Int64],
                                   _ lineStates: [Int64: LineRefundState]) throws {
        let markRefund = try db.prepare("""
            UPDATE refunds SET state = 'accepted', posted = ?, posting_at = ?, posted_run = ?,
                               accepted_run = coalesce(accepted_run, ?) WHERE id = ?
            """)
        let changedRefunds = open.indices.filter { accepted.contains($0) || postingAt[$0] != nil }
            .sorted { open[$0].id < open[$1].id }
        let setAside = try mostRefundsChanging(changedRefunds.count) ? Poster.refundStateIndexes : []
        try db.withIndexesSetAside(setAside) {
            for index in changedRefunds {
                if let at = postingAt[index] {
                    try markRefund.bind(1, Int64(1))
                    try markRefund.bind(2, at)
                    try markRefund.bind(3, runSeq)
                } else {
                    try markRefund.bind(1, Int64(0))
                    try markRefund.bind(2, Optional<Int64>.none)
                    try markRefund.bind(3, Optional<Int64>.none)
                }
                try markRefund.bind(4, runSeq)
                try markRefund.bind(5, open[index].id)
                try markRefund.run()
            }
        }
        let keep = try db.prepare("""
            INSERT INTO line_refunds(line_id, acc_quantity, acc_goods, acc_freight, acc_points, acc_credit, acc_cash,
                                     pst_quantity, pst_goods, pst_cash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (line_id) DO UPDATE SET acc_quantity = excluded.acc_quantity, acc_goods = excluded.acc_goods,
                acc_freight = excluded.acc_freight, acc_points = excluded.acc_points,
                acc_credit = excluded.acc_credit, acc_cash = excluded.acc_cash,
                pst_quantity = excluded.pst_quantity, pst_goods = excluded.pst_goods, pst_cash = excluded.pst_cash
            """)
        for (lineID, state) in lineStates.filter({ $0.value.changed }).sorted(by: { $0.key < $1.key }) {
            try keep.bind(1, lineID)
            for index in 0..<6 { try keep.bind(Int32(index + 2), state.accepted[index]) }
            try keep.bind(8, state.posted.quantity)
            try keep.bind(9, state.posted.goods)
            try keep.bind(10, state.posted.cash)
            try keep.run()
        }
    }

    /// The indexes of `refunds` that a refund's check or posting changes: its row leaves
    /// `refunds_open` and enters the other three.
    static let refundStateIndexes = ["refunds_open", "refunds_posted_run", "refunds_posting_at", "refunds_accepted_run"]

    /// True when at least half of the refunds the store holds change tonight (a store's
    /// first night, a bulk load of history): `refundStateIndexes` are then built once from
    /// the written rows, a scan and a sort, instead of changed refund by refund, four index
    /// searches and changes each (docs/benchmarks.md, ninth round). Ids only grow, so the
    /// highest is an upper bound on the rows, found without a scan.
    private func mostRefundsChanging(_ changing: Int) throws -> Bool {
        guard case .int(let highest)? = try db.scalar("SELECT max(id) FROM refunds") else { return false }
        return Poster.rebuildsRefundIndexes(changing: changing, highestID: highest)
    }

    /// The rule of `mostRefundsChanging`: `changing` refunds of at most `highestID` stored.
    static func rebuildsRefundIndexes(changing: Int, highestID: Int64) -> Bool {
        changing > 0 && Int64(changing) * 2 >= highestID
    }

    /// Quarantines a refund that would take more of its line than was paid (`over`: the index
    /// in `tenderNames`), with the row as it came and the column at fault.
    private func quarantineOverRefund(_ id: Int64, orderID: String, lineNo: Int64, sourceFile: Int64,
                                      sourceLine: Int64, over: Int, reaching: Int64, paid: Int64,
                                      into summary: inout PostingSummary) throws {
        var raw = ""
        var columns: [Int] = []
        try db.query("SELECT raw, cols FROM refunds WHERE id = ?", [.int(id)]) { row in
            raw = row.string(row.column("raw"))
            columns = row.string(row.column("cols")).split(separator: ",").map { Int($0) ?? 0 }
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

    /// Ensures the as-of sheets, then posts forward lines, checks refunds and posts reverse
    /// lines, then adjustment lines.
    public func post(into summary: inout PostingSummary) throws {
        try db.transaction {
            let sheets = try SheetBook(db: db, config: config)
            let writer = try FeeLineWriter(db: db, sheets: sheets)
            for supplier in config.suppliers {
                try sheets.sheet(supplier, periodStarting: supplier.cycle.periodStart(containing: asOf))
            }
            try postForward(writer: writer, sheets: sheets, summary: &summary)
            progress.note("posted \(summary.forwardLines) order lines")
            try checkAndPostRefunds(writer: writer, sheets: sheets, summary: &summary)
            progress.note("posted \(summary.refundsPosted) refunds")
            try postAdjustments(writer: writer, sheets: sheets, summary: &summary)
            try writer.finish()
            try sheets.flush()
            summary.feeLines += writer.written
            progress.note("priced \(writer.written) fee lines")
        }
    }

    private static func line(from row: Statement, _ c: LineColumns) -> PricedLine {
        PricedLine(supplierID: row.string(c.supplierID), sku: row.string(c.sku), category: row.string(c.category),
                   quantity: row.int(c.quantity), unitPrice: row.int(c.unitPrice), costPrice: row.optionalInt(c.costPrice),
                   discountPlatform: row.int(c.discountPlatform), discountSupplier: row.int(c.discountSupplier),
                   freight: row.int(c.freight), paidCash: row.int(c.paidCash), channel: row.text(c.channel))
    }

    /// An order line's columns that price it (`PricedLine`), each under its column's name.
    private static let lineColumns = """
        o.supplier_id AS supplier_id, o.sku AS sku, o.category AS category, o.quantity AS quantity,
        o.unit_price AS unit_price, o.cost_price AS cost_price, o.discount_platform AS discount_platform,
        o.discount_supplier AS discount_supplier, o.freight AS freight, o.paid_cash AS paid_cash,
        o.payment_channel AS payment_channel
        """

    /// Where `lineColumns` are in a query's rows, found by name once per query.
    struct LineColumns {
        let supplierID, sku, category, quantity, unitPrice, costPrice, discountPlatform, discountSupplier: Int32
        let freight, paidCash, channel: Int32
        init(_ row: Statement) {
            supplierID = row.column("supplier_id"); sku = row.column("sku"); category = row.column("category")
            quantity = row.column("quantity"); unitPrice = row.column("unit_price"); costPrice = row.column("cost_price")
            discountPlatform = row.column("discount_platform"); discountSupplier = row.column("discount_supplier")
            freight = row.column("freight"); paidCash = row.column("paid_cash"); channel = row.column("payment_channel")
        }
    }

    /// Six tender columns of a refunds query, in the order of `tenderNames`.
    typealias TenderColumns = InlineArray<6, Int32>

    /// Where `readOpenRefunds`' columns are, found by name once per query.
    struct OpenRefundColumns {
        let id, refundID, orderID, lineNo, sourceFile, sourceLine, heldSince, state, refundedAt, refundType: Int32
        let lineID, postedQuantity, postedGoods, postedCash: Int32
        let triggerAt, subsidy, commission, paymentFee, paymentFeeReversible, delivery, warehousing, cost: Int32
        /// The refund's (`asked_…`), its line's (`line_…`) and the refunds accepted before (`acc_…`).
        let asked, paid, accepted: TenderColumns
        let line: LineColumns
        init(_ row: Statement) {
            id = row.column("id"); refundID = row.column("refund_id"); orderID = row.column("order_id")
            lineNo = row.column("line_no"); sourceFile = row.column("source_file"); sourceLine = row.column("source_line")
            heldSince = row.column("held_since"); state = row.column("state"); refundedAt = row.column("refunded_at")
            refundType = row.column("refund_type"); lineID = row.column("line_id")
            postedQuantity = row.column("pst_quantity"); postedGoods = row.column("pst_goods")
            postedCash = row.column("pst_cash"); triggerAt = row.column("trigger_at")
            subsidy = row.column("platform_subsidy"); commission = row.column("commission")
            paymentFee = row.column("payment_fee"); paymentFeeReversible = row.column("payment_fee_reversible")
            delivery = row.column("delivery_fee"); warehousing = row.column("warehousing_fee"); cost = row.column("cost")
            let tenders = ["quantity", "goods", "freight", "points", "credit", "cash"]
            asked = TenderColumns { row.column("asked_" + tenders[$0]) }
            paid = TenderColumns { row.column("line_" + tenders[$0]) }
            accepted = TenderColumns { row.column("acc_" + tenders[$0]) }
            line = LineColumns(row)
        }
    }

    /// Where the forward queries' columns (`line_id, paid_at, completed_at`, then
    /// `lineColumns`) are, found by name once per query.
    struct ForwardColumns {
        let lineID, paidAt, completedAt: Int32
        let line: LineColumns
        init(_ row: Statement) {
            lineID = row.column("line_id"); paidAt = row.column("paid_at"); completedAt = row.column("completed_at")
            line = LineColumns(row)
        }
    }

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
        let reading = Handoff<ForwardCandidate, any Error> { [path = db.path, config, rules, asOf] emit in
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
        var pricer = ForwardPricer(config: config, rules: rules, asOf: asOf)
        let paidSuppliers = config.suppliers.filter { $0.settleOn == .paid }.map(\.id)
        let paidList = String(decoding: try JSONSerialization.data(withJSONObject: paidSuppliers), as: UTF8.self)
        var at: ForwardColumns?
        try reader.query("""
            SELECT o.id AS line_id, o.paid_at AS paid_at, o.completed_at AS completed_at, \(Poster.lineColumns)
            FROM pending_lines p JOIN order_lines o ON o.id = p.line_id
            WHERE CASE WHEN p.supplier_id IN (SELECT value FROM json_each(?)) THEN p.paid_at ELSE p.completed_at END < ?
            ORDER BY p.line_id
            """, [.text(paidList), .int(bound)]) { row in
            let c = at ?? ForwardColumns(row)
            at = c
            if let line = pricer.price(row, c) {
                try emit(.due(line, waiting: true))
            }
        }
        at = nil
        try reader.query("""
            SELECT o.id AS line_id, o.paid_at AS paid_at, o.completed_at AS completed_at, \(Poster.lineColumns)
            FROM order_lines o WHERE o.id > ? ORDER BY o.id
            """, [.int(lookedThrough)]) { row in
            let c = at ?? ForwardColumns(row)
            at = c
            if let line = pricer.price(row, c) {
                try emit(.due(line, waiting: false))
            } else {
                try emit(.notDue(lineID: row.int(c.lineID), supplierID: row.string(c.line.supplierID),
                                 paidAt: row.int(c.paidAt), completedAt: row.optionalInt(c.completedAt)))
            }
        }
    }

    /// The pricing side of forward posting: each order line priced when its trigger is due,
    /// its business date read from a table of hour offsets.
    private struct ForwardPricer {
        let config: MallConfig
        let rules: FeeRuleBook
        let asOf: Day
        private let positionsByID: [String: Int]
        private var offsets: HourOffsets

        init(config: MallConfig, rules: FeeRuleBook, asOf: Day) {
            self.config = config
            self.rules = rules
            self.asOf = asOf
            positionsByID = Dictionary(uniqueKeysWithValues: config.suppliers.enumerated().map { ($1.id, $0) })
            offsets = HourOffsets(calendar: config.calendar)
        }

        /// The forward amounts of one order line (columns: `ForwardColumns`) if its trigger
        /// is due by the as-of date; nil when it is not.
        mutating func price(_ row: Statement, _ c: ForwardColumns) -> PricedForward? {
            let line = Poster.line(from: row, c.line)
            guard let position = positionsByID[line.supplierID] else { return nil }
            let supplier = config.suppliers[position]
            let trigger = supplier.settleOn == .paid ? row.int(c.paidAt) : row.optionalInt(c.completedAt)
            guard let trigger else { return nil }
            let date = offsets.businessDate(of: Instant(nanos: trigger))
            guard date <= asOf else { return nil }
            return PricedForward(lineID: row.int(c.lineID), supplierPosition: position, date: date, trigger: trigger,
                                 fees: ForwardFees(pricing: line, supplier: supplier, rules: rules, on: date))
        }
    }

    private func postAdjustments(writer: FeeLineWriter, sheets: SheetBook, summary: inout PostingSummary) throws {
        struct Due { let id: Int64; let adjustmentID: String; let supplierID: String; let amount: Int64; let at: Int64 }
        var due: [Due] = []
        var c: (id: Int32, adjustmentID: Int32, supplierID: Int32, amount: Int32, effectiveAt: Int32)?
        try db.query("SELECT id, adjustment_id, supplier_id, amount, effective_at FROM adjustments WHERE posted = 0") { row in
            let at = c ?? (row.column("id"), row.column("adjustment_id"), row.column("supplier_id"), row.column("amount"),
                           row.column("effective_at"))
            c = at
            let effective = row.int(at.effectiveAt)
            guard config.calendar.businessDate(of: Instant(nanos: effective)) <= asOf else { return }
            due.append(Due(id: row.int(at.id), adjustmentID: row.string(at.adjustmentID), supplierID: row.string(at.supplierID),
                           amount: row.int(at.amount), at: effective))
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
