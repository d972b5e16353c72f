// PaySums: the `pay` expectations of the channels named for the first time tonight, summed per
// parent order in memory for the one-pass judge (NewChannel.swift). SQLite's GROUP BY sorted
// the month's million lines with some twenty comparisons each, a second of the night; order
// lines come nearly in the order of their parent orders, and Swift's sort, which merges the
// ascending runs it finds, orders them in a few passes.

import MallStore

/// Sums in key order (channel, kind, reference), each with an amount and its earliest instant:
/// what the one-pass judge merges with the channel rows.
protocol SortedSums: AnyObject {
    /// The current sum's channel, nil past the last one.
    var channel: String? { get }
    var kind: String { get }
    var reference: String { get }
    var amount: Int64 { get }
    var at: Int64 { get }
    func advance() throws
}

extension SortedSums {
    /// Whether the current sum is of `channel`, `kind` and `reference` (the channel first:
    /// past the last sum there is no kind nor reference).
    func isAt(_ channel: String, _ kind: String, _ reference: String) -> Bool {
        self.channel == channel && self.kind == kind && self.reference == reference
    }
}

final class PaySums: SortedSums {
    /// A line, then a sum of lines: its channel as an index into `channels` (byte order).
    private struct Sum {
        let channel: Int
        let reference: String
        var amount: Int64
        var at: Int64
    }

    private let channels: [String]
    private var sums: [Sum] = []
    private var current = 0
    let kind = "pay"

    /// The order lines through `lines` paid in cash through `channels` (in byte order), summed
    /// per channel and parent order (the order itself when it has no parent).
    init(db: Database, channels: [String], lines: Int64) throws {
        self.channels = channels
        let index = Dictionary(uniqueKeysWithValues: channels.enumerated().map { ($1, $0) })
        let marks = Array(repeating: "?", count: channels.count).joined(separator: ", ")
        try db.query("""
            SELECT payment_channel, coalesce(parent_order_id, order_id) AS reference, paid_cash, paid_at FROM order_lines
            WHERE id <= ? AND paid_cash > 0 AND payment_channel IN (\(marks)) ORDER BY id
            """, [.int(lines)] + channels.map { .text($0) }) { row in
            guard let channel = index[row.string(0)] else { preconditionFailure("a channel asked for") }
            sums.append(Sum(channel: channel, reference: row.string(1), amount: row.int(2), at: row.int(3)))
        }
        sums.sort { $0.channel != $1.channel ? $0.channel < $1.channel : $0.reference.utf8.lexicographicallyPrecedes($1.reference.utf8) }
        // Adds each line to the sum before it when of the same reference (byte for byte, as
        // SQLite groups texts), in place.
        var last = -1
        for line in sums.indices {
            let sum = sums[line]
            if last >= 0, sums[last].channel == sum.channel, sums[last].reference.utf8.elementsEqual(sum.reference.utf8) {
                sums[last].amount += sum.amount
                sums[last].at = min(sums[last].at, sum.at)
            } else {
                last += 1
                sums[last] = sum
            }
        }
        sums.removeLast(sums.count - (last + 1))
    }

    var channel: String? { current < sums.count ? channels[sums[current].channel] : nil }
    var reference: String { sums[current].reference }
    var amount: Int64 { sums[current].amount }
    var at: Int64 { sums[current].at }
    func advance() throws { current += 1 }
}
