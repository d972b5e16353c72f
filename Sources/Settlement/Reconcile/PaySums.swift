// PaySums: the `pay` expectations of the channels named for the first time tonight, summed per
// parent order in memory for the one-pass judge (NewChannel.swift), from the lines read once
// for the channel fees and the expectations (`readOrderLines`). SQLite's GROUP BY sorted
// the month's million lines with some twenty comparisons each, a second of the night; order
// lines come nearly in the order of their parent orders, and Swift's sort, which merges the
// ascending runs it finds, orders them in a few passes.

import MallStore

/// Rows in key order (channel, kind, reference): what the one-pass judge merges.
protocol SortedKeys: AnyObject {
    /// The current row's channel, nil past the last one.
    var channel: String? { get }
    var kind: String { get }
    var reference: String { get }
    func advance() throws
}

extension SortedKeys {
    /// Whether the current row is of `channel`, `kind` and `reference` (the channel first:
    /// past the last row there is no kind nor reference).
    func isAt(_ channel: String, _ kind: String, _ reference: String) -> Bool {
        self.channel == channel && self.kind == kind && self.reference == reference
    }
}

/// Sums in key order, each with an amount and its earliest instant: the expectations.
protocol SortedSums: SortedKeys {
    var amount: Int64 { get }
    var at: Int64 { get }
}

final class PaySums: SortedSums {
    /// A line, then a sum of lines: its channel as an index into `channels` (byte order), its
    /// reference as an index into `references` with the reference's byte order, made once per
    /// line (the sort compares it some twenty times). Plain integers, which the sort moves
    /// without counting references.
    private struct Sum {
        let channel: Int
        let reference: Int
        let order: TextOrder
        var amount: Int64
        var at: Int64
    }

    private let channels: [String]
    private let index: [String: Int]
    private var sums: [Sum] = []
    private var references: [String] = []
    private var current = 0
    let kind = "pay"

    /// The sums of the order lines paid in cash through `channels` (in byte order), per channel
    /// and parent order (the order itself when it has no parent), from the lines `add`ed.
    init(channels: [String]) {
        self.channels = channels
        index = Dictionary(uniqueKeysWithValues: channels.enumerated().map { ($1, $0) })
    }

    /// Whether lines paid through `channel` are summed here.
    func isSumming(_ channel: String) -> Bool { index[channel] != nil }

    /// Adds the lines through `lines` read on earlier nights (the night's new lines come with
    /// the channel fees' reading, `add`).
    func addEarlierLines(db: Database, through lines: Int64) throws {
        guard lines > 0 else { return }
        let marks = Array(repeating: "?", count: channels.count).joined(separator: ", ")
        try db.query("""
            SELECT payment_channel, coalesce(parent_order_id, order_id) AS reference, paid_cash, paid_at FROM order_lines
            WHERE id <= ? AND paid_cash > 0 AND payment_channel IN (\(marks)) ORDER BY id
            """, [.int(lines)] + channels.map { .text($0) }) { row in
            add(channel: row.string(0), reference: row.string(1), cash: row.int(2), paidAt: row.int(3))
        }
    }

    /// A line paid `cash` (> 0) at `paidAt` through one of the channels, in id order.
    func add(channel: String, reference: String, cash: Int64, paidAt: Int64) {
        guard let channel = index[channel] else { preconditionFailure("a channel asked for") }
        sums.append(Sum(channel: channel, reference: references.count, order: TextOrder(reference), amount: cash, at: paidAt))
        references.append(reference)
    }

    /// Sums the lines added, in key order: channel, then reference byte for byte (as SQLite
    /// sorts and groups texts).
    func sum() {
        let references = self.references
        sums.sort { a, b in
            if a.channel != b.channel { return a.channel < b.channel }
            return TextOrder.precedes(references[a.reference], a.order, references[b.reference], b.order)
        }
        // Adds each line to the sum before it when of the same reference, in place.
        var last = -1
        for line in sums.indices {
            let sum = sums[line]
            if last >= 0, sums[last].channel == sum.channel, Self.same(sums[last], sum, references) {
                sums[last].amount += sum.amount
                sums[last].at = min(sums[last].at, sum.at)
            } else {
                last += 1
                sums[last] = sum
            }
        }
        sums.removeLast(sums.count - (last + 1))
        current = 0
    }

    /// Whether `a` and `b` are of the same reference, byte for byte.
    private static func same(_ a: Sum, _ b: Sum, _ references: [String]) -> Bool {
        TextOrder.same(a.order, b.order) ?? references[a.reference].utf8.elementsEqual(references[b.reference].utf8)
    }

    var channel: String? { current < sums.count ? channels[sums[current].channel] : nil }
    var reference: String { references[sums[current].reference] }
    var amount: Int64 { sums[current].amount }
    var at: Int64 { sums[current].at }
    func advance() throws { current += 1 }
}
