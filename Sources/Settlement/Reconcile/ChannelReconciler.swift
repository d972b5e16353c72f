// ChannelReconciler: payment-channel reconciliation on the store (SPEC §9), inside the
// reconcile stage's transaction. A night reads only what is new since the last one (the
// payments, order lines and refunds past `recon_progress`, the orphan refunds it waits for)
// and the items whose window ends tonight, and judges again only the references those touch:
// its cost follows that night's rows, not the store's history.

import MallCore
import MallStore

/// A reference of one channel: the unit the channel rows are matched on.
struct ChannelKey: Hashable, Comparable {
    let channel: String
    let kind: String
    let reference: String

    /// Byte order of channel, kind, reference (as SQLite sorts them), without copying.
    static func < (a: ChannelKey, b: ChannelKey) -> Bool {
        if a.channel != b.channel { return a.channel.utf8.lexicographicallyPrecedes(b.channel.utf8) }
        if a.kind != b.kind { return a.kind.utf8.lexicographicallyPrecedes(b.kind.utf8) }
        return a.reference.utf8.lexicographicallyPrecedes(b.reference.utf8)
    }

    var values: [SQLValue] { [.text(channel), .text(kind), .text(reference)] }

    /// The keys of one channel in key order (`<`), their references compared by their first
    /// sixteen bytes (`TextOrder`) before their texts: a night judges tens of thousands of
    /// references, and walking two references' UTF-8 byte by byte was most of their sort.
    static func inOrder(_ keys: [ChannelKey]) -> [ChannelKey] {
        let orders = keys.map { TextOrder($0.reference) }
        return TextOrder.sortedPositions(keys.count) { i, j in
            let (a, b) = (keys[i], keys[j])
            if a.channel != b.channel { return a.channel.utf8.lexicographicallyPrecedes(b.channel.utf8) }
            if a.kind != b.kind { return a.kind.utf8.lexicographicallyPrecedes(b.kind.utf8) }
            return TextOrder.precedes(a.reference, orders[i], b.reference, orders[j])
        }.map { keys[$0] }
    }
}

/// What the reconcile stage did, for the manifest and the exit status.
public struct ReconcileSummary: Sendable {
    /// Channel references judged again tonight.
    public var referencesJudged = 0
    /// Payouts judged tonight, and the sheets they marked paid.
    public var payoutsJudged = 0
    public var sheetsPaid: [String] = []
    /// Breaks this stage opened (kind, channel and reference).
    public var newBreaks: [String] = []
    /// Breaks this stage resolved.
    public var resolvedBreaks = 0
}

final class ChannelReconciler {
    let db: Database
    let config: MallConfig
    let asOf: Day
    /// The date windows are judged against: the latest as-of date reconciled so far, so that
    /// a run for an earlier date never turns a break back into pending.
    private var windowDate: Day
    /// The reconciled channels (few), read once.
    private var channels = Set<String>()
    /// The channels reconciled before tonight: only their new lines and refunds add to the
    /// stored expectations as they are read. A channel named for the first time tonight gets
    /// its expectations from the store in one pass (`expectFromStore`); the others keep none.
    private var expecting = Set<String>()
    /// Tonight's changes to the summary's counts, written once at the end.
    private var countChanges: [DayCountKey: Int64] = [:]
    /// Tonight's additions to the expectations, written once per reference.
    private var expectations: [ChannelKey: Expectation] = [:]
    /// The whole expectations of the references tonight added to, as written.
    private var written: [ChannelKey: Expectation] = [:]
    /// Tonight's new channel rows per reference, in the order they were accepted. A reference
    /// with no stored item has no earlier row (every row is judged the night it arrives), so
    /// these are all its rows and the payments table need not be read for it.
    private var newRows: [ChannelKey: [ReportedRow]] = [:]
    private var dayTexts = DayTexts()
    /// Where the columns are in the queries run once per reference, found by name on their
    /// first row and kept for the night: `expectRefund`'s, the expectations' (`addExpectation`,
    /// `storedExpectation`), `judge`'s channel rows, `storedItems`'.
    private var refundAt: ExpectedColumns?
    private var expectedAt: ExpectationColumns?
    private var reportedAt: ReportedColumns?
    private var itemAt: ItemColumns?
    /// Tonight's matched items (MatchedItems.swift), written at the end of the night in the
    /// order of their payments rows: a month's first night stores a million, judged in key
    /// order, and a rowid table takes them fastest in its own order.
    var matches: [(paymentKey: Int64, day: Day, due: Day)] = []
    /// The keys that may have a row in recon_expected, and in recon_items: every key the
    /// table held at the start of the night, when it was small enough to read whole within a
    /// bound set by tonight's rows, and every key written since. A key outside is looked up
    /// no further (most references a night judges are its own new orders). nil: the table
    /// was too large, and every key is looked up.
    private var expectedKeys: Set<ChannelKey>?
    private var itemKeys: Set<ChannelKey>?
    /// The matched items `addExpectation` looked up, for `judge` to take instead of reading
    /// them again (a reference is judged once a night, after its expectation is added to).
    var matchesSeen: [ChannelKey: ReconItem?] = [:]

    private struct DayCountKey: Hashable, Comparable {
        let channel: String
        let day: Day
        let outcome: String
        static func < (a: DayCountKey, b: DayCountKey) -> Bool {
            (a.day, a.channel, a.outcome) < (b.day, b.channel, b.outcome)
        }
    }

    init(db: Database, config: MallConfig, asOf: Day) {
        self.db = db
        self.config = config
        self.asOf = asOf
        self.windowDate = asOf
    }

    /// Reads what is new, then judges every reference it touches, in key order.
    func reconcile(into summary: inout ReconcileSummary) throws {
        var marks = (lines: Int64(0), refunds: Int64(0), payments: Int64(0))
        try db.query("SELECT lines_through, refunds_through, payments_through, judged_through FROM recon_progress") {
            marks = ($0.int("lines_through"), $0.int("refunds_through"), $0.int("payments_through"))
            if let judged = Day(parsing: $0.string("judged_through")) { windowDate = max(asOf, judged) }
        }
        try readKeys(marks)
        var touched = Set<ChannelKey>()
        let fees = ChannelFees(db: db, config: config)
        let newChannelRows = NewChannelRows()
        let newChannels = try readPayments(after: marks.payments, fees: fees, newChannelRows, &touched, &marks.payments)
        try fees.addPostedLines()
        // The lines paid through a channel named tonight: those read on earlier nights, then
        // tonight's, read once for the channel fees and these sums.
        let pays = newChannels.isEmpty ? nil : PaySums(channels: newChannels.sorted(by: Self.byteOrder))
        try pays?.addEarlierLines(db: db, through: marks.lines)
        let linesFrom = marks.lines
        try readOrderLines(after: marks.lines, fees: fees, pays: pays, &marks.lines)
        try expectPaid(channels: expecting.sorted(by: Self.byteOrder), after: linesFrom, through: marks.lines, &touched)
        try readRefunds(after: marks.refunds, &touched, &marks.refunds)
        try fees.write()
        try writeExpectations()
        var at: KeyColumns?
        try db.query("SELECT DISTINCT channel, kind, reference FROM recon_items WHERE outcome = 'pending' AND due <= ?",
                     [.text(windowDate.description)]) { row in
            let c = at ?? KeyColumns(row)
            at = c
            touched.insert(c.key(row))
        }
        // Channel by channel in byte order, so that breaks open in key order whichever way a
        // channel is judged: a channel named for the first time in one pass (NewChannel.swift),
        // the others reference by reference.
        let touchedByChannel = Dictionary(grouping: touched.filter { channels.contains($0.channel) }, by: \.channel)
        var cursors: NewChannelCursors?
        if let pays {
            pays.sum()
            newChannelRows.putInOrder()
            cursors = try NewChannelCursors(db: db, channels: newChannels.sorted(by: Self.byteOrder), pays: pays, rows: newChannelRows,
                                            refunds: marks.refunds)
        }
        defer { cursors?.close() }
        for channel in Set(touchedByChannel.keys).union(newChannels).sorted(by: Self.byteOrder) {
            if let cursors, newChannels.contains(channel) {
                try reconcileNew(channel, from: cursors, into: &summary)
                continue
            }
            for key in ChannelKey.inOrder(touchedByChannel[channel, default: []]) {
                try judge(key, into: &summary)
                summary.referencesJudged += 1
            }
        }
        try writeMatches()
        try writeCountChanges()
        try db.run("UPDATE recon_progress SET lines_through = ?, refunds_through = ?, payments_through = ?, judged_through = ?",
                   [.int(marks.lines), .int(marks.refunds), .int(marks.payments), .text(windowDate.description)])
    }

    func day(_ nanos: Int64) -> Day { config.calendar.businessDate(of: Instant(nanos: nanos)) }

    /// Keys read beyond twice the night's rows (`readKeys`); a test sets it to 0.
    nonisolated(unsafe) static var keysReadSlack: Int64 = 4096

    /// Reads the keys of recon_expected and recon_items (`expectedKeys`, `itemKeys`) when each
    /// holds at most twice tonight's new lines, refunds and payments (and 4,096 more), so that
    /// reading them costs what the night's own rows do; a larger table is left unread.
    private func readKeys(_ marks: (lines: Int64, refunds: Int64, payments: Int64)) throws {
        var newRows: Int64 = 0
        try db.query("""
            SELECT coalesce((SELECT max(id) FROM order_lines), 0), coalesce((SELECT max(id) FROM refunds), 0),
                   coalesce((SELECT max(id) FROM payments), 0)
            """) { row in
            newRows = max(0, row.int(0) - marks.lines) + max(0, row.int(1) - marks.refunds) + max(0, row.int(2) - marks.payments)
        }
        let bound = 2 * newRows + Self.keysReadSlack
        func keys(_ sql: String) throws -> Set<ChannelKey>? {
            var keys = Set<ChannelKey>()
            var rows: Int64 = 0
            var at: KeyColumns?
            try db.query(sql, [.int(bound + 1)]) { row in
                let c = at ?? KeyColumns(row)
                at = c
                keys.insert(c.key(row))
                rows += 1
            }
            return rows > bound ? nil : keys
        }
        expectedKeys = try keys("SELECT channel, kind, reference FROM recon_expected LIMIT ?")
        itemKeys = try keys("SELECT channel, kind, reference FROM recon_items LIMIT ?")
    }

    /// `YYYY-MM-DD` of `day`, made once per day: a night writes two per item.
    func dayText(_ day: Day) -> String {
        dayTexts.text(day)
    }

    private static func byteOrder(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }

    // MARK: Reading what is new

    /// The payments rows past the mark: their references are touched, their fees counted;
    /// returns the channels named for the first time, whose rows go to `newChannelRows`.
    private func readPayments(after mark: Int64, fees: ChannelFees, _ newChannelRows: NewChannelRows,
                              _ touched: inout Set<ChannelKey>, _ through: inout Int64) throws -> Set<String> {
        try db.query("SELECT channel FROM recon_channels") { channels.insert($0.string("channel")) }
        expecting = channels
        var at: PaymentColumns?
        try db.query("SELECT id, channel, kind, reference, txn_id, amount, occurred_at, fee FROM payments WHERE id > ? ORDER BY id", [.int(mark)]) { row in
            let c = at ?? PaymentColumns(row)
            at = c
            through = max(through, row.int(c.id))
            let channel = row.string(c.key.channel)
            let occurred = day(row.int(c.reported.occurredAt))
            fees.addChannelRow(channel: channel, day: occurred, fee: row.int(c.fee))
            let reported = ReportedRow(paymentKey: row.int(c.id), txnID: row.string(c.reported.txnID),
                                       amount: row.int(c.reported.amount), day: occurred)
            // A channel named for the first time is judged whole, in one pass (`reconcileNew`).
            guard channels.contains(channel) else {
                newChannelRows.add(channel: channel, kind: row.string(c.key.kind), reference: row.string(c.key.reference), reported)
                return
            }
            let key = c.key.key(row)
            touched.insert(key)
            newRows[key, default: []].append(reported)
        }
        let fresh = newChannelRows.channels
        for channel in fresh.sorted(by: Self.byteOrder) {
            try db.run("INSERT INTO recon_channels(channel) VALUES (?)", [.text(channel)])
            channels.insert(channel)
        }
        return fresh
    }

    /// The order lines past the mark that were paid in cash: the PAYMENT_FEE of each counts
    /// in the channel fees of its channel (every channel: one named later shows its history),
    /// and those paid through a channel named tonight go to its `pays` sums. Moves `through`
    /// to the highest line stored; `expectPaid` adds them to the other channels' expectations.
    private func readOrderLines(after mark: Int64, fees: ChannelFees, pays: PaySums?, _ through: inout Int64) throws {
        if case .int(let top)? = try db.scalar("SELECT max(id) FROM order_lines") { through = max(through, top) }
        var unposted: [Int64] = []
        var at: CashLineColumns?
        var offsets = HourOffsets(calendar: config.calendar)
        try db.query("""
            SELECT o.id, o.payment_channel, o.paid_at, o.paid_cash, coalesce(o.parent_order_id, o.order_id) AS reference,
                   f.payment_fee
            FROM order_lines o LEFT JOIN forward_fees f ON f.line_id = o.id
            WHERE o.id > ? AND o.id <= ? AND o.paid_cash > 0 AND o.payment_channel IS NOT NULL ORDER BY o.id
            """, [.int(mark), .int(through)]) { row in
            let c = at ?? CashLineColumns(row)
            at = c
            let (channel, paidAt) = (row.string(c.channel), row.int(c.paidAt))
            if let fee = row.optionalInt(c.paymentFee) {
                fees.addLine(channel: channel, day: offsets.businessDate(of: Instant(nanos: paidAt)), paymentFee: fee)
            } else {
                unposted.append(row.int(c.id))
            }
            if let pays, pays.isSumming(channel) {
                pays.add(channel: channel, reference: row.string(c.reference), cash: row.int(c.paidCash), paidAt: paidAt)
            }
        }
        try fees.waitForPosting(unposted)
    }

    /// Adds the order lines in (after, through] paid in cash through `channels` to their parent
    /// orders' `pay` expectations, summed per reference by SQLite and written from its cursor
    /// (order_lines holds accepted lines only and is never deleted from), so a night of many
    /// lines keeps no dictionary of its own: only what each reference it touched comes to.
    private func expectPaid(channels: [String], after: Int64, through: Int64, _ touched: inout Set<ChannelKey>) throws {
        guard !channels.isEmpty, through > after else { return }
        let marks = Array(repeating: "?", count: channels.count).joined(separator: ", ")
        var at: ExpectedColumns?
        try db.query("""
            SELECT payment_channel AS channel, coalesce(parent_order_id, order_id) AS reference, sum(paid_cash) AS amount,
                   min(paid_at) AS first_at
            FROM order_lines
            WHERE id > ? AND id <= ? AND paid_cash > 0 AND payment_channel IN (\(marks)) GROUP BY 1, 2
            """, [.int(after), .int(through)] + channels.map { .text($0) }) { row in
            let c = at ?? ExpectedColumns(row)
            at = c
            let key = ChannelKey(channel: row.string(c.channel), kind: "pay", reference: row.string(c.reference))
            try addExpectation(key, amount: row.int(c.amount), day: day(row.int(c.firstAt)))
            touched.insert(key)
        }
    }

    /// Adds `amount` to the expectation of `key` (the stored one, or the one its matched item
    /// implies), dated by the earliest day, stores what it comes to and keeps it for judging.
    /// Read, then inserted or updated: an upsert with `RETURNING` cost twice as much (SQLite
    /// gathers a returned row in a table of its own for every statement). A key recon_expected
    /// cannot hold (`expectedKeys`) is not looked up there, and the matched item read is kept
    /// for `judge`.
    private func addExpectation(_ key: ChannelKey, amount: Int64, day: Day) throws {
        var stored: (expectation: Expectation, kept: Bool)?
        if let expectation = try storedExpectation(key) {
            stored = (expectation, kept: true)
        } else if let matched = try storedMatch(key, keep: true), let amount = matched.expected {
            stored = (Expectation(amount: amount, day: matched.day), kept: false)
        }
        let sum = stored.map { Expectation(amount: $0.expectation.amount + amount, day: min($0.expectation.day, day)) }
            ?? Expectation(amount: amount, day: day)
        if stored?.kept == true {
            try db.run("UPDATE recon_expected SET amount = ?, day = ? WHERE channel = ? AND kind = ? AND reference = ?",
                       [.int(sum.amount), .text(sum.day.description)] + key.values)
        } else {
            try db.run("INSERT INTO recon_expected(channel, kind, reference, amount, day) VALUES (?, ?, ?, ?, ?)",
                       key.values + [.int(sum.amount), .text(sum.day.description)])
            expectedKeys?.insert(key)
        }
        written[key] = sum
    }

    /// The stored expectation of `key`, if any.
    private func storedExpectation(_ key: ChannelKey) throws -> Expectation? {
        guard expectedKeys?.contains(key) ?? true else { return nil }
        var expectation: Expectation?
        try db.query("SELECT amount, day FROM recon_expected WHERE channel = ? AND kind = ? AND reference = ?", key.values) { row in
            let c = expectedAt ?? ExpectationColumns(row)
            expectedAt = c
            guard let stored = c.expectation(row) else { preconditionFailure("recon_expected holds dates") }
            expectation = stored
        }
        return expectation
    }

    /// The refunds past the mark and the orphans waiting: each one accepted adds its
    /// `refund_cash` to the refund's expectation on the channel of the refunded line; those
    /// still unchecked wait. An orphan found `over_refund` is deleted, and SQLite may give
    /// its id to the next refund stored (the highest id plus one) below the mark: its key
    /// keeps waiting until an accepted refund above it (never deleted) rules that out.
    private func readRefunds(after mark: Int64, _ touched: inout Set<ChannelKey>, _ through: inout Int64) throws {
        var candidates: [(key: Int64, state: String?)] = []
        var acceptedTop: Int64 = 0
        try db.query("SELECT id FROM refunds WHERE state = 'accepted' ORDER BY id DESC LIMIT 1") { acceptedTop = $0.int("id") }
        var waitingAt: CandidateColumns?
        try db.query("""
            SELECT w.refund_key, r.state FROM recon_waiting_refunds w LEFT JOIN refunds r ON r.id = w.refund_key
            ORDER BY w.refund_key
            """) { row in
            let c = waitingAt ?? CandidateColumns(row)
            waitingAt = c
            candidates.append((row.int(c.key), row.text(c.state)))
        }
        var newAt: CandidateColumns?
        try db.query("SELECT id AS refund_key, state FROM refunds WHERE id > ? ORDER BY id", [.int(mark)]) { row in
            let c = newAt ?? CandidateColumns(row)
            newAt = c
            through = max(through, row.int(c.key))
            candidates.append((row.int(c.key), row.text(c.state)))
        }
        for candidate in candidates {
            switch candidate.state {
            case "accepted"?:
                try db.run("DELETE FROM recon_waiting_refunds WHERE refund_key = ?", [.int(candidate.key)])
                try expectRefund(candidate.key, &touched)
            case nil where candidate.key < acceptedTop:
                try db.run("DELETE FROM recon_waiting_refunds WHERE refund_key = ?", [.int(candidate.key)])
            case nil:
                break
            default:
                try db.run("INSERT OR IGNORE INTO recon_waiting_refunds(refund_key) VALUES (?)", [.int(candidate.key)])
            }
        }
    }

    private func expectRefund(_ refundKey: Int64, _ touched: inout Set<ChannelKey>) throws {
        // No channel keeps expectations as they come (the night every channel is first named):
        // nothing to look up.
        guard !expecting.isEmpty else { return }
        var found: (key: ChannelKey, cash: Int64, day: Day)?
        try db.query("""
            SELECT o.payment_channel AS channel, r.refund_id AS reference, r.refund_cash AS amount, r.refunded_at AS first_at
            FROM refunds r JOIN order_lines o ON o.order_id = r.order_id AND o.line_no = r.line_no
            WHERE r.id = ? AND r.refund_cash > 0 AND o.payment_channel IS NOT NULL
            """, [.int(refundKey)]) { row in
            let c = refundAt ?? ExpectedColumns(row)
            refundAt = c
            found = (ChannelKey(channel: row.string(c.channel), kind: "refund", reference: row.string(c.reference)),
                     row.int(c.amount), day(row.int(c.firstAt)))
        }
        guard let found, expecting.contains(found.key.channel) else { return }
        expect(found.key, amount: found.cash, day: found.day)
        touched.insert(found.key)
    }

    /// Adds `amount` to tonight's part of the expectation of `key`, dated by the earliest day.
    private func expect(_ key: ChannelKey, amount: Int64, day: Day) {
        let sum = expectations[key].map { Expectation(amount: $0.amount + amount, day: min($0.day, day)) }
        expectations[key] = sum ?? Expectation(amount: amount, day: day)
    }

    /// Adds tonight's parts to the stored expectations, one write per reference, keeping
    /// what each comes to.
    private func writeExpectations() throws {
        for (key, part) in expectations.sorted(by: { $0.key < $1.key }) {
            try addExpectation(key, amount: part.amount, day: part.day)
        }
        expectations = [:]
    }

    // MARK: Judging a reference

    /// Judges `key` again and writes what changed: items, day counts, breaks.
    private func judge(_ key: ChannelKey, into summary: inout ReconcileSummary) throws {
        let stored = try storedItems(key)
        var expectation = written[key]
        if expectation == nil { expectation = try storedExpectation(key) }
        var rows: [ReportedRow] = []
        if stored.isEmpty {
            rows = newRows[key] ?? []
        } else {
            try db.query("SELECT id, txn_id, amount, occurred_at FROM payments WHERE channel = ? AND kind = ? AND reference = ? ORDER BY id",
                         key.values) { row in
                let c = reportedAt ?? ReportedColumns(row)
                reportedAt = c
                rows.append(c.row(row, day: day))
            }
        }
        if expectation == nil, let matched = stored[""]?.item, matched.outcome == .matched, let amount = matched.expected {
            expectation = Expectation(amount: amount, day: matched.day)
        }
        if expectation?.amount == 0 { expectation = nil }
        try judge(key, expectation: expectation, rows: rows, stored: stored, into: &summary)
    }

    /// Judges `key` from its expectation and channel rows, against its `stored` items, and
    /// writes what changed: items, day counts, breaks.
    func judge(_ key: ChannelKey, expectation: Expectation?, rows: [ReportedRow],
               stored: [String: (item: ReconItem, breakID: Int64?)], into summary: inout ReconcileSummary) throws {
        let wanted = ChannelMatch.items(kind: key.kind, expectation: expectation, rows: rows, asOf: windowDate,
                                        windowDays: config.reconcileWindowDays)
        for item in wanted {
            let old = stored[item.txnID]
            if let old, old.item == item { continue }
            var breakID = old?.breakID
            if let old, !old.item.sameFinding(as: item) {
                if let open = old.breakID {
                    try db.run("UPDATE breaks SET resolved_at = ? WHERE break_id = ?", [.text(asOf.description), .int(open)])
                    summary.resolvedBreaks += 1
                }
                breakID = nil
            }
            if item.outcome.isBreak && breakID == nil {
                breakID = try openBreak(key, item)
                summary.newBreaks.append("\(item.outcome.rawValue) \(key.channel)/\(key.reference)")
            }
            if item.outcome == .matched, let first = rows.first {
                try storeMatch(key, item, paymentKey: first.paymentKey, replacing: old?.item)
            } else {
                if old?.item.outcome == .matched, let first = rows.first { try dropMatch(paymentKey: first.paymentKey) }
                try write(key, item, breakID: breakID)
            }
            count(key, item, replacing: old?.item)
        }
    }

    private func storedItems(_ key: ChannelKey) throws -> [String: (item: ReconItem, breakID: Int64?)] {
        var stored: [String: (item: ReconItem, breakID: Int64?)] = [:]
        if let matched = try storedMatch(key, keep: false) { stored[""] = (matched, nil) }
        guard itemKeys?.contains(key) ?? true else { return stored }
        try db.query("""
            SELECT txn_id, outcome, expected, found, day, due, detail, break_id FROM recon_items
            WHERE channel = ? AND kind = ? AND reference = ?
            """, key.values) { row in
            let c = itemAt ?? ItemColumns(row)
            itemAt = c
            guard let outcome = ChannelOutcome(rawValue: row.string(c.outcome)), let day = Day(parsing: row.string(c.day)),
                  let due = Day(parsing: row.string(c.due)) else { preconditionFailure("recon_items holds what this file wrote") }
            let txnID = row.string(c.txnID)
            stored[txnID] = (ReconItem(txnID: txnID, outcome: outcome, expected: row.optionalInt(c.expected),
                                       found: row.optionalInt(c.found), day: day, due: due, detail: row.string(c.detail)),
                             row.optionalInt(c.breakID))
        }
        return stored
    }

    private func openBreak(_ key: ChannelKey, _ item: ReconItem) throws -> Int64 {
        try db.run("""
            INSERT INTO breaks(kind, channel, reference, expected, found, first_seen, resolved_at, detail)
            VALUES (?, ?, ?, ?, ?, ?, NULL, ?)
            """, [.text(item.outcome.rawValue), .text(key.channel), .text(key.reference),
                  item.expected.map { .int($0) } ?? .null, item.found.map { .int($0) } ?? .null,
                  .text(asOf.description), .text(item.detail)])
        return db.lastInsertRowID
    }

    /// Stores an item that is not matched in recon_items.
    private func write(_ key: ChannelKey, _ item: ReconItem, breakID: Int64?) throws {
        // Prepared once: the store caches statements by their text.
        let storeItem = try db.prepare("""
            INSERT OR REPLACE INTO recon_items(channel, kind, reference, txn_id, outcome, expected, found, day, due, detail, break_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        try storeItem.bindRow([.text(key.channel), .text(key.kind), .text(key.reference), .text(item.txnID),
                               .text(item.outcome.rawValue), item.expected.map { .int($0) } ?? .null,
                               item.found.map { .int($0) } ?? .null, .text(dayText(item.day)), .text(dayText(item.due)),
                               .text(item.detail), breakID.map { .int($0) } ?? .null])
        try storeItem.run()
        itemKeys?.insert(key)
    }

    /// Moves the item from the day count of `old` to its own.
    private func count(_ key: ChannelKey, _ item: ReconItem, replacing old: ReconItem?) {
        if let old { countChanges[DayCountKey(channel: key.channel, day: old.day, outcome: old.outcome.rawValue), default: 0] -= 1 }
        countChanges[DayCountKey(channel: key.channel, day: item.day, outcome: item.outcome.rawValue), default: 0] += 1
    }

    private func writeCountChanges() throws {
        for (key, change) in countChanges.sorted(by: { $0.key < $1.key }) where change != 0 {
            try db.run("""
                INSERT INTO recon_day_counts(channel, day, outcome, items) VALUES (?, ?, ?, ?)
                ON CONFLICT (channel, day, outcome) DO UPDATE SET items = items + excluded.items
                """, [.text(key.channel), .text(key.day.description), .text(key.outcome), .int(change)])
        }
        countChanges = [:]
    }
}

// MARK: Where the columns are

/// The column indexes of each query's `AS` names (or column names), found by name on the
/// query's first row: a night reads millions of rows, each by index.
extension ChannelReconciler {
    /// `channel`, `kind` and `reference`: a `ChannelKey`.
    struct KeyColumns {
        let channel, kind, reference: Int32
        init(_ row: Statement) {
            channel = row.column("channel"); kind = row.column("kind"); reference = row.column("reference")
        }
        func key(_ row: Statement) -> ChannelKey {
            ChannelKey(channel: row.string(channel), kind: row.string(kind), reference: row.string(reference))
        }
    }

    /// A channel row as judged: `id`, `txn_id`, `amount` and the instant `occurred_at`.
    struct ReportedColumns {
        let id, txnID, amount, occurredAt: Int32
        init(_ row: Statement) {
            id = row.column("id"); txnID = row.column("txn_id"); amount = row.column("amount")
            occurredAt = row.column("occurred_at")
        }
        func row(_ row: Statement, day: (Int64) -> Day) -> ReportedRow {
            ReportedRow(paymentKey: row.int(id), txnID: row.string(txnID), amount: row.int(amount), day: day(row.int(occurredAt)))
        }
    }

    /// A payments row read for the first time: its key, reported row (with its `id`) and `fee`.
    struct PaymentColumns {
        let fee: Int32
        let key: KeyColumns
        let reported: ReportedColumns
        var id: Int32 { reported.id }
        init(_ row: Statement) {
            fee = row.column("fee")
            key = KeyColumns(row); reported = ReportedColumns(row)
        }
    }

    /// An order line paid in cash: `id`, `payment_channel`, `paid_at`, `paid_cash`, its parent
    /// order as `reference` and its forward line's `payment_fee` (NULL while unposted).
    struct CashLineColumns {
        let id, channel, paidAt, paidCash, reference, paymentFee: Int32
        init(_ row: Statement) {
            id = row.column("id"); channel = row.column("payment_channel"); paidAt = row.column("paid_at")
            paidCash = row.column("paid_cash"); reference = row.column("reference"); paymentFee = row.column("payment_fee")
        }
    }

    /// What adds to an expectation: `channel`, `reference`, `amount` and the instant `first_at`.
    struct ExpectedColumns {
        let channel, reference, amount, firstAt: Int32
        init(_ row: Statement) {
            channel = row.column("channel"); reference = row.column("reference"); amount = row.column("amount")
            firstAt = row.column("first_at")
        }
    }

    /// A stored expectation: `amount` and the date `day`.
    struct ExpectationColumns {
        let amount, day: Int32
        init(_ row: Statement) { amount = row.column("amount"); day = row.column("day") }
        func expectation(_ row: Statement) -> Expectation? {
            guard let date = Day(parsing: row.string(day)) else { return nil }
            return Expectation(amount: row.int(amount), day: date)
        }
    }

    /// A refund that may add to an expectation: its `refund_key` and `state` (NULL if gone).
    struct CandidateColumns {
        let key, state: Int32
        init(_ row: Statement) { key = row.column("refund_key"); state = row.column("state") }
    }

    /// A stored item of `recon_items`.
    struct ItemColumns {
        let txnID, outcome, expected, found, day, due, detail, breakID: Int32
        init(_ row: Statement) {
            txnID = row.column("txn_id"); outcome = row.column("outcome"); expected = row.column("expected")
            found = row.column("found"); day = row.column("day"); due = row.column("due"); detail = row.column("detail")
            breakID = row.column("break_id")
        }
    }
}
