// NewChannel: the night a channel is named by a payments row for the first time, its whole
// history is reconciled at once — every order line paid in cash through it and every refund
// with cash back on such a line is expected, and every channel row judged. That night can hold
// a million references (the month a mall starts sending its channel files), so it is done in
// one sorted pass over three cursors, all in key order (channel, kind, reference): the `pay`
// expectations, summed per parent order in memory (PaySums.swift); the `refund` expectations,
// summed by SQLite; and the channels' rows, kept as the night's payments rows are read and put
// in key order in memory (`NewChannelRows`). Each reference is judged as the cursors go by it,
// with the same `ChannelMatch.items` as any other night and no look-up per reference. A channel
// named for the first time has no stored items, so nothing is compared with an earlier judgement.

import MallCore
import MallStore

/// The channel rows of the channels named for the first time tonight. Every row of such a
/// channel is new tonight (a channel is named by the first night that reads one of its rows),
/// so they all come with the night's payments rows, read once in id order (`readPayments`):
/// walking them again through `payments_reference`, with a look-up of each row in the table,
/// was the costliest part of the month's first night.
final class NewChannelRows: SortedKeys {
    /// A channel row and its reference.
    private struct Row {
        let reference: String
        let reported: ReportedRow
    }

    private struct Group: Hashable {
        let channel: String
        let kind: String
    }

    /// The rows of each channel and kind: in id order as they are added, then by reference
    /// (`putInOrder`).
    private var adding: [Group: [Row]] = [:]
    private var groups: [(group: Group, rows: [Row])] = []
    /// The current row: its group and its place in it.
    private var group = 0, index = 0

    /// The channels of the rows added.
    var channels: Set<String> { Set(adding.keys.map(\.channel)) }

    /// A row of a channel named tonight, in id order.
    func add(channel: String, kind: String, reference: String, _ row: ReportedRow) {
        adding[Group(channel: channel, kind: kind), default: []].append(Row(reference: reference, reported: row))
    }

    /// Puts the rows in key order (channel, kind, reference, id: byte order, as SQLite sorts
    /// them). Within a channel and kind the rows come mostly in runs of ascending references,
    /// which Swift's sort merges.
    func putInOrder() {
        groups = adding.map { ($0.key, $0.value) }.sorted { a, b in
            a.group.channel != b.group.channel ? a.group.channel.utf8.lexicographicallyPrecedes(b.group.channel.utf8)
                : a.group.kind.utf8.lexicographicallyPrecedes(b.group.kind.utf8)
        }
        adding = [:]
        for at in groups.indices {
            groups[at].rows.sort { a, b in
                a.reference == b.reference ? a.reported.paymentKey < b.reported.paymentKey
                    : a.reference.utf8.lexicographicallyPrecedes(b.reference.utf8)
            }
        }
        (group, index) = (0, 0)
    }

    var channel: String? { group < groups.count ? groups[group].group.channel : nil }
    var kind: String { groups[group].group.kind }
    var reference: String { groups[group].rows[index].reference }
    var row: ReportedRow { groups[group].rows[index].reported }
    func advance() {
        index += 1
        if index == groups[group].rows.count { (group, index) = (group + 1, 0) }
    }
}

/// The three sorted cursors over the channels named for the first time tonight.
final class NewChannelCursors {
    /// The refund sums' cursor: its statement, the key of its current row (read once per row:
    /// the pass compares keys several times a row), and where its columns are (the query names
    /// them `channel`, `kind`, `reference`, `amount` and `at`).
    private final class Cursor: SortedSums {
        let statement: Statement
        let channelAt, kindAt, referenceAt, amountAt, atAt: Int32
        /// The current row's channel, nil past the last row, and its kind and reference.
        private(set) var channel: String?
        private(set) var kind = ""
        private(set) var reference = ""
        init(_ statement: Statement) throws {
            self.statement = statement
            (channelAt, kindAt, referenceAt) = (statement.column("channel"), statement.column("kind"), statement.column("reference"))
            (amountAt, atAt) = (statement.column("amount"), statement.column("at"))
            try advance()
        }
        var amount: Int64 { statement.int(amountAt) }
        var at: Int64 { statement.int(atAt) }
        func advance() throws {
            guard try statement.step() else { channel = nil; return }
            channel = statement.string(channelAt)
            kind = statement.string(kindAt)
            reference = statement.string(referenceAt)
        }
    }

    private let pays: PaySums
    private let refunds: Cursor
    private let rows: NewChannelRows

    /// Opens the cursors over `channels`: the `pay` sums and the channel rows read with the
    /// night's lines and payments rows, the accepted refunds through `refunds` (those still
    /// unchecked wait).
    init(db: Database, channels: [String], pays: PaySums, rows: NewChannelRows, refunds: Int64) throws {
        let marks = Array(repeating: "?", count: channels.count).joined(separator: ", ")
        let names = channels.map { SQLValue.text($0) }
        self.pays = pays
        self.rows = rows
        let refundSums = try db.prepare("""
            SELECT o.payment_channel AS channel, 'refund' AS kind, r.refund_id AS reference, sum(r.refund_cash) AS amount,
                   min(r.refunded_at) AS at
            FROM refunds r JOIN order_lines o ON o.order_id = r.order_id AND o.line_no = r.line_no
            WHERE r.id <= ? AND r.state = 'accepted' AND r.refund_cash > 0 AND o.payment_channel IN (\(marks))
            GROUP BY 1, 3 ORDER BY 1, 3
            """)
        try refundSums.bind([.int(refunds)] + names)
        self.refunds = try Cursor(refundSums)
    }

    /// Calls `body` with each reference of `channel`, in key order, with its expectation
    /// (amount, earliest instant) and its channel rows in the order they were accepted.
    /// Channels must be asked for in byte order.
    func forEachReference(of channel: String,
                          _ body: (_ kind: String, _ reference: String, _ expected: (amount: Int64, at: Int64)?,
                                   _ rows: [ReportedRow]) throws -> Void) throws {
        var reported: [ReportedRow] = []
        let all: [any SortedKeys] = [pays, refunds, rows], expectations: [any SortedSums] = [pays, refunds]
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
                reported.append(rows.row)
                rows.advance()
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
        refunds.statement.reset()
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
        try cursors.forEachReference(of: channel) { kind, reference, expected, rows in
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
