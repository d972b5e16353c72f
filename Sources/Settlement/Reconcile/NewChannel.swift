// NewChannel: the night a channel is named by a payments row for the first time, its whole
// history is reconciled at once — every order line paid in cash through it and every refund
// with cash back on such a line is expected, and every channel row judged. That night can hold
// a million references (the month a mall starts sending its channel files), so it is done in
// one sorted pass over three cursors, all in key order (channel, kind, reference): the `pay`
// expectations, summed per parent order in one scan of the order lines for every new channel
// (PaySums.swift); the `refund` expectations, summed by SQLite; and the channels' rows, read
// through their index. Each reference is judged as the cursors go by it, with the same
// `ChannelMatch.items` as any other night and no look-up per reference. A channel named for
// the first time has no stored items, so nothing is compared with an earlier judgement.

import MallCore
import MallStore

/// The three sorted cursors over the channels named for the first time tonight.
final class NewChannelCursors {
    /// One cursor: its statement, the key of its current row (read once per row: the pass
    /// compares keys several times a row), and where its columns are (each query names them
    /// `channel`, `kind`, `reference`, `amount`, `at`, and `id` and `txn_id` for the channel rows).
    private final class Cursor: SortedSums {
        let statement: Statement
        let channelAt, kindAt, referenceAt, amountAt, atAt: Int32
        let idAt, txnIDAt: Int32?
        /// The current row's channel, nil past the last row, and its kind and reference.
        private(set) var channel: String?
        private(set) var kind = ""
        private(set) var reference = ""
        init(_ statement: Statement, isChannelRows: Bool = false) throws {
            self.statement = statement
            (channelAt, kindAt, referenceAt) = (statement.column("channel"), statement.column("kind"), statement.column("reference"))
            (amountAt, atAt) = (statement.column("amount"), statement.column("at"))
            (idAt, txnIDAt) = isChannelRows ? (statement.column("id"), statement.column("txn_id")) : (nil, nil)
            try advance()
        }
        var amount: Int64 { statement.int(amountAt) }
        var at: Int64 { statement.int(atAt) }
        var id: Int64 { idAt.map(statement.int) ?? 0 }
        var txnID: String { txnIDAt.map(statement.string) ?? "" }
        func advance() throws {
            guard try statement.step() else { channel = nil; return }
            channel = statement.string(channelAt)
            kind = statement.string(kindAt)
            reference = statement.string(referenceAt)
        }
    }

    private let pays: PaySums
    private let refunds: Cursor
    private let rows: Cursor

    /// Opens the cursors over `channels`: the order lines through `lines`, the accepted
    /// refunds through `refunds` (those still unchecked wait), every channel row.
    init(db: Database, channels: [String], lines: Int64, refunds: Int64) throws {
        let marks = Array(repeating: "?", count: channels.count).joined(separator: ", ")
        let names = channels.map { SQLValue.text($0) }
        pays = try PaySums(db: db, channels: channels, lines: lines)
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
            SELECT channel, kind, reference, amount, occurred_at AS at, id, txn_id FROM payments
            WHERE channel IN (\(marks)) ORDER BY channel, kind, reference, id
            """)
        try channelRows.bind(names)
        self.rows = try Cursor(channelRows, isChannelRows: true)
    }

    /// Calls `body` with each reference of `channel`, in key order, with its expectation
    /// (amount, earliest instant) and its channel rows in the order they were accepted, dated
    /// by `day`. Channels must be asked for in byte order.
    func forEachReference(of channel: String, day: (Int64) -> Day,
                          _ body: (_ kind: String, _ reference: String, _ expected: (amount: Int64, at: Int64)?,
                                   _ rows: [ReportedRow]) throws -> Void) throws {
        var reported: [ReportedRow] = []
        let all: [any SortedSums] = [pays, refunds, rows], expectations: [any SortedSums] = [pays, refunds]
        while true {
            // The smallest (kind, reference) of the channel among the cursors.
            var next: (kind: String, reference: String)?
            for cursor in all where cursor.channel == channel {
                let key = (cursor.kind, cursor.reference)
                if next.map({ Self.precedes(key, $0) }) ?? true { next = key }
            }
            guard let (kind, reference) = next else { return }
            var expected: (amount: Int64, at: Int64)?
            for cursor in expectations where cursor.isAt(channel, kind, reference) {
                expected = (cursor.amount, cursor.at)
                try cursor.advance()
            }
            reported.removeAll(keepingCapacity: true)
            while rows.isAt(channel, kind, reference) {
                reported.append(ReportedRow(paymentKey: rows.id, txnID: rows.txnID, amount: rows.amount, day: day(rows.at)))
                try rows.advance()
            }
            try body(kind, reference, expected, reported)
        }
    }

    /// Byte order of (kind, reference), as SQLite sorts them.
    private static func precedes(_ a: (String, String), _ b: (String, String)) -> Bool {
        a.0 != b.0 ? a.0.utf8.lexicographicallyPrecedes(b.0.utf8) : a.1.utf8.lexicographicallyPrecedes(b.1.utf8)
    }

    /// Lets go of the statements (cached by the store for the next night).
    func close() {
        for cursor in [refunds, rows] { cursor.statement.reset() }
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
        try cursors.forEachReference(of: channel, day: day) { kind, reference, expected, rows in
            let key = ChannelKey(channel: channel, kind: kind, reference: reference)
            var expectation: Expectation?
            if let expected {
                expectation = Expectation(amount: expected.amount, day: day(expected.at))
                // A reference matched at once keeps its expectation in its matched item
                // (MatchedItems.swift); the others' are stored.
                if expected.amount == 0 || expected.amount != rows.first?.amount {
                    try storeExpectation.bindRow([.text(channel), .text(kind), .text(reference), .int(expected.amount),
                                                  .text(dayText(expectation!.day))])
                    try storeExpectation.run()
                }
            }
            try judge(key, expectation: expectation?.amount == 0 ? nil : expectation, rows: rows, stored: [:], into: &summary)
            summary.referencesJudged += 1
        }
    }
}
