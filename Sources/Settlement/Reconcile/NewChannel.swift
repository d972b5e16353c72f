// NewChannel: the night a channel is named by a payments row for the first time, its whole
// history is reconciled at once — every order line paid in cash through it and every refund
// with cash back on such a line is expected, and every channel row judged. That night can hold
// a million references (the month a mall starts sending its channel files), so it is done in
// one sorted pass over three cursors, all in key order (channel, kind, reference): the `pay`
// expectations, summed per parent order by SQLite in one scan of the order lines for every
// new channel; the `refund` expectations, likewise; and the channels' rows, read through
// their index. Each reference is judged as the cursors go by it, with the same
// `ChannelMatch.items` as any other night and no look-up per reference. A channel named for
// the first time has no stored items, so nothing is compared with an earlier judgement.

import MallCore
import MallStore

/// The three sorted cursors over the channels named for the first time tonight.
final class NewChannelCursors {
    /// One cursor: its statement, whether it is on a row, and where its columns are (each
    /// query names them `channel`, `kind`, `reference`, `amount`, `at`, and `txn_id` for the
    /// channel rows).
    private final class Cursor {
        let statement: Statement
        var onRow: Bool
        let channelAt, kindAt, referenceAt, amountAt, atAt: Int32
        let txnIDAt: Int32?
        init(_ statement: Statement, hasTxnID: Bool = false) throws {
            self.statement = statement
            (channelAt, kindAt, referenceAt) = (statement.column("channel"), statement.column("kind"), statement.column("reference"))
            (amountAt, atAt) = (statement.column("amount"), statement.column("at"))
            txnIDAt = hasTxnID ? statement.column("txn_id") : nil
            onRow = try statement.step()
        }
        /// The channel of the current row, if any.
        var channel: String? { onRow ? statement.string(channelAt) : nil }
        var kind: String { statement.string(kindAt) }
        var reference: String { statement.string(referenceAt) }
        var amount: Int64 { statement.int(amountAt) }
        var at: Int64 { statement.int(atAt) }
        var txnID: String { txnIDAt.map(statement.string) ?? "" }
        func advance() throws { onRow = try statement.step() }
    }

    private let pays: Cursor
    private let refunds: Cursor
    private let rows: Cursor

    /// Opens the cursors over `channels`: the order lines through `lines`, the accepted
    /// refunds through `refunds` (those still unchecked wait), every channel row.
    init(db: Database, channels: [String], lines: Int64, refunds: Int64) throws {
        let marks = Array(repeating: "?", count: channels.count).joined(separator: ", ")
        let names = channels.map { SQLValue.text($0) }
        let pays = try db.prepare("""
            SELECT payment_channel AS channel, 'pay' AS kind, coalesce(parent_order_id, order_id) AS reference,
                   sum(paid_cash) AS amount, min(paid_at) AS at
            FROM order_lines
            WHERE id <= ? AND paid_cash > 0 AND payment_channel IN (\(marks)) GROUP BY 1, 3 ORDER BY 1, 3
            """)
        try pays.bind([.int(lines)] + names)
        self.pays = try Cursor(pays)
        let refundSums = try db.prepare("""
            SELECT o.payment_channel AS channel, 'refund' AS kind, r.refund_id AS reference, sum(r.refund_cash) AS amount,
                   min(r.refunded_at) AS at
            FROM refunds r JOIN order_lines o ON o.order_id = r.order_id AND o.line_no = r.line_no
            WHERE r.id <= ? AND r.state = 'accepted' AND r.refund_cash > 0 AND o.payment_channel IN (\(marks))
            GROUP BY 1, 3 ORDER BY 1, 3
            """)
        try refundSums.bind([.int(refunds)] + names)
        self.refunds = try Cursor(refundSums)
        let channelRows = try db.prepare("""
            SELECT channel, kind, reference, amount, occurred_at AS at, txn_id FROM payments
            WHERE channel IN (\(marks)) ORDER BY channel, kind, reference, id
            """)
        try channelRows.bind(names)
        self.rows = try Cursor(channelRows, hasTxnID: true)
    }

    /// Calls `body` with each reference of `channel`, in key order, with its expectation
    /// (amount, earliest instant) and its channel rows (amount, instant, txn_id) in the order
    /// they were accepted. Channels must be asked for in byte order.
    func forEachReference(of channel: String,
                          _ body: (_ kind: String, _ reference: String, _ expected: (amount: Int64, at: Int64)?,
                                   _ rows: [(amount: Int64, at: Int64, txnID: String)]) throws -> Void) throws {
        var reported: [(amount: Int64, at: Int64, txnID: String)] = []
        while true {
            // The smallest (kind, reference) of the channel among the cursors.
            var next: (kind: String, reference: String)?
            for cursor in [pays, refunds, rows] where cursor.channel == channel {
                let key = (cursor.kind, cursor.reference)
                if next.map({ Self.precedes(key, $0) }) ?? true { next = key }
            }
            guard let key = next else { return }
            var expected: (amount: Int64, at: Int64)?
            for cursor in [pays, refunds] where cursor.channel == channel && cursor.kind == key.kind
                && cursor.reference == key.reference {
                expected = (cursor.amount, cursor.at)
                try cursor.advance()
            }
            reported.removeAll(keepingCapacity: true)
            while rows.channel == channel && rows.kind == key.kind && rows.reference == key.reference {
                reported.append((rows.amount, rows.at, rows.txnID))
                try rows.advance()
            }
            try body(key.kind, key.reference, expected, reported)
        }
    }

    /// Byte order of (kind, reference), as SQLite sorts them.
    private static func precedes(_ a: (String, String), _ b: (String, String)) -> Bool {
        a.0 != b.0 ? a.0.utf8.lexicographicallyPrecedes(b.0.utf8) : a.1.utf8.lexicographicallyPrecedes(b.1.utf8)
    }

    /// Lets go of the statements (cached by the store for the next night).
    func close() {
        for cursor in [pays, refunds, rows] { cursor.statement.reset() }
    }
}

extension ChannelReconciler {
    /// Expects and judges every reference of `channel`, named for the first time tonight,
    /// from `cursors`.
    func reconcileNew(_ channel: String, from cursors: NewChannelCursors, into summary: inout ReconcileSummary) throws {
        // Earlier expectations of the channel (a store reconciled by a version that kept every
        // channel's) are replaced.
        try db.run("DELETE FROM recon_expected WHERE channel = ?", [.text(channel)])
        let storeExpectation = try db.prepare("INSERT INTO recon_expected(channel, kind, reference, amount, day) VALUES (?, ?, ?, ?, ?)")
        var rows: [ReportedRow] = []
        try cursors.forEachReference(of: channel) { kind, reference, expected, reported in
            let key = ChannelKey(channel: channel, kind: kind, reference: reference)
            var expectation: Expectation?
            if let expected {
                expectation = Expectation(amount: expected.amount, day: day(expected.at))
                try storeExpectation.bindRow([.text(channel), .text(kind), .text(reference), .int(expected.amount),
                                              .text(dayText(expectation!.day))])
                try storeExpectation.run()
            }
            rows.removeAll(keepingCapacity: true)
            for row in reported { rows.append(ReportedRow(txnID: row.txnID, amount: row.amount, day: day(row.at))) }
            try judge(key, expectation: expectation?.amount == 0 ? nil : expectation, rows: rows, stored: [:], into: &summary)
            summary.referencesJudged += 1
        }
    }
}
