// Replay/ReplayReconcile.swift: replay reconciliation (SPEC section 9, "Replay"). The journal
// is replayed in memory and every feed row it implies is compared, field by field, with the
// row the store ingested under the same key. Values compare as parsed (money by amount,
// timestamps as instants, an empty optional cell as its default), as SPEC section 3 defines
// equality. Orders compare in their latest state (with the completion when there is one).
import Foundation
import MallCore
import MallIO
import MallStore

/// One difference between the replayed and the ingested feeds.
public struct ReplayBreak: Hashable, Sendable, Comparable {
    public enum Kind: String, Sendable {
        /// The replay implies the row, the store has none under its key.
        case missing = "replay_missing"
        /// The store has a row under a key the replay never produced.
        case unexpected = "replay_unexpected"
        /// Both have the row; this field differs.
        case mismatch = "replay_mismatch"
    }
    public var kind: Kind
    /// `orders`, `refunds`, `payments` or `repayments`.
    public var feed: String
    /// The row's key, its parts joined by `/` (e.g. `O1-1/2`).
    public var key: String
    /// The differing column, or `(row)` for a missing or unexpected row.
    public var field: String
    public var expected: String
    public var found: String

    public static func < (a: ReplayBreak, b: ReplayBreak) -> Bool {
        (a.feed, a.key, a.field, a.kind.rawValue) < (b.feed, b.key, b.field, b.kind.rawValue)
    }
}

public struct ReplayReconciliation: Sendable {
    public struct FeedCount: Sendable, Equatable {
        public var feed: String
        public var expected = 0
        public var found = 0
        public var matched = 0
    }
    public var breaks: [ReplayBreak]
    public var counts: [FeedCount]
    public var rejectedEvents: Int
    /// The business date of the journal's last event: the folder the results go to.
    public var lastDay: Day?
}

public enum ReplayReconcile {
    /// A feed's comparable columns and the expected rows by key.
    private struct Expected {
        let feed: String
        let columns: [String]
        var rows: [String: [String]] = [:]
    }

    /// Replays `journal` and compares what the feeds should hold with what `db` holds.
    public static func compare(journal: String, catalog: Catalog, db: Database) throws -> ReplayReconciliation {
        guard let calendar = BusinessCalendar(timezone: catalog.timezone) else {
            throw ReplayError(message: "the catalog's time zone \(catalog.timezone) is unknown")
        }
        var expected = try expectedRows(journal: journal, catalog: catalog, calendar: calendar)
        var found = Comparison()
        try compareStored(&expected, db: db, currency: catalog.currency, into: &found)
        return ReplayReconciliation(breaks: found.breaks.sorted(), counts: found.counts, rejectedEvents: expected.rejected,
                                    lastDay: expected.lastDay)
    }

    /// What the feeds should hold, by feed, from the journal replayed through the mall core.
    private struct ExpectedFeeds {
        var orders = Expected(feed: "orders", columns: Array(FeedRowFormatter.orderColumns.dropFirst().filter { $0 != "line_no" }))
        var refunds = Expected(feed: "refunds", columns: Array(FeedRowFormatter.refundColumns.dropFirst(3)))
        var payments = Expected(feed: "payments", columns: Array(FeedRowFormatter.paymentColumns.dropFirst(2)))
        var repayments = Expected(feed: "repayments", columns: Array(FeedRowFormatter.repaymentColumns.dropFirst()))
        /// Events unreadable or refused by the core.
        var rejected = 0
        var lastDay: Day?
    }

    /// The breaks and per-feed counts found so far.
    private struct Comparison {
        var breaks: [ReplayBreak] = []
        var counts: [ReplayReconciliation.FeedCount] = []
    }

    private static func expectedRows(journal: String, catalog: Catalog, calendar: BusinessCalendar) throws -> ExpectedFeeds {
        var expected = ExpectedFeeds()
        var state = MallState(catalog: catalog)
        let reader: JournalReader
        do { reader = try JournalReader(path: journal) } catch { throw ReplayError(message: "\(journal): \(error.message)") }
        while true {
            let next: Result<JournalEvent, JSONFieldError>?
            do { next = try reader.next() } catch { throw ReplayError(message: "\(journal): \(error.message)") }
            guard let next else { break }
            guard case .success(let event) = next else { expected.rejected += 1; continue }
            expected.lastDay = calendar.businessDate(of: event.at)
            guard case .success(let outputs) = state.apply(event) else { expected.rejected += 1; continue }
            for output in outputs { expect(output, in: &expected) }
        }
        return expected
    }

    /// The feed row one output of the core should have left, as the comparable columns' text.
    private static func expect(_ output: MallOutput, in expected: inout ExpectedFeeds) {
        switch output {
        case .orderLine(let r):
            expected.orders.rows[key(r.orderID, String(r.lineNo))] = [
                r.parentOrderID, r.supplierID, r.buyerID, r.memberLevel, r.sku, r.category, String(r.quantity),
                r.unitPrice.description, r.costPrice.description, r.discountPlatform.description,
                r.discountSupplier.description, r.freight.description, r.paidPoints.description,
                r.paidCredit.description, r.paidCash.description, r.paymentChannel, r.orderedAt.description,
                r.paidAt.description, r.completedAt?.description ?? "", r.currency,
            ]
        case .refund(let r):
            expected.refunds.rows[key(r.refundID, r.orderID, String(r.lineNo))] = [
                r.type.rawValue, String(r.quantity), r.refundGoods.description, r.refundFreight.description,
                r.refundPoints.description, r.refundCredit.description, r.refundCash.description,
                r.refundedAt.description,
            ]
        case .channel(let r):
            expected.payments.rows[key(r.channel, r.txnID)] = [
                r.kind.rawValue, r.reference, r.amount.description, r.fee.description, r.occurredAt.description,
            ]
        case .repayment(let r):
            expected.repayments.rows[key(r.repaymentID)] = [r.buyerID, r.amount.description, r.paidAt.description]
        case .pointsLost:
            break
        }
    }

    /// Reads each feed's stored rows and compares them with what was expected.
    private static func compareStored(_ expected: inout ExpectedFeeds, db: Database, currency: String,
                                      into found: inout Comparison) throws {
        func money(_ s: Statement, _ c: Int32) -> String { Money(fen: s.int(c)).description }
        func time(_ s: Statement, _ c: Int32) -> String { Instant(nanos: s.int(c)).description }
        func optionalTime(_ s: Statement, _ c: Int32) -> String { s.optionalInt(c).map { Instant(nanos: $0).description } ?? "" }
        func optionalMoney(_ s: Statement, _ c: Int32) -> String { s.optionalInt(c).map { Money(fen: $0).description } ?? "" }
        try compare(&expected.orders, db: db, into: &found, sql: """
            SELECT order_id, line_no, coalesce(parent_order_id, order_id), supplier_id, coalesce(buyer_id, ''),
                   coalesce(member_level, ''), sku, category, quantity, unit_price, cost_price, discount_platform,
                   discount_supplier, freight, paid_points, paid_credit, paid_cash, coalesce(payment_channel, ''),
                   ordered_at, paid_at, completed_at, currency
            FROM order_lines
            """) { s in
            (key(s.string(0), String(s.int(1))),
             [s.string(2), s.string(3), s.string(4), s.string(5), s.string(6), s.string(7), String(s.int(8)),
              money(s, 9), optionalMoney(s, 10), money(s, 11), money(s, 12), money(s, 13), money(s, 14), money(s, 15),
              money(s, 16), s.string(17), time(s, 18), time(s, 19), optionalTime(s, 20), s.text(21) ?? currency])
        }
        try compare(&expected.refunds, db: db, into: &found, sql: """
            SELECT refund_id, order_id, line_no, refund_type, quantity, refund_goods, refund_freight, refund_points,
                   refund_credit, refund_cash, refunded_at
            FROM refunds
            """) { s in
            (key(s.string(0), s.string(1), String(s.int(2))),
             [s.string(3), String(s.int(4)), money(s, 5), money(s, 6), money(s, 7), money(s, 8), money(s, 9), time(s, 10)])
        }
        try compare(&expected.payments, db: db, into: &found,
                    sql: "SELECT channel, txn_id, kind, reference, amount, fee, occurred_at FROM payments") { s in
            (key(s.string(0), s.string(1)), [s.string(2), s.string(3), money(s, 4), money(s, 5), time(s, 6)])
        }
        try compare(&expected.repayments, db: db, into: &found,
                    sql: "SELECT repayment_id, buyer_id, amount, paid_at FROM repayments") { s in
            (key(s.string(0)), [s.string(1), money(s, 2), time(s, 3)])
        }
    }

    /// Compares one feed: each stored row (`row` gives its key and comparable columns)
    /// against the expected row of its key; what is left expected is missing.
    private static func compare(_ expected: inout Expected, db: Database, into found: inout Comparison, sql: String,
                                row: (Statement) -> (String, [String])) throws {
        var count = ReplayReconciliation.FeedCount(feed: expected.feed)
        count.expected = expected.rows.count
        try db.query(sql) { s in
            let (k, stored) = row(s)
            count.found += 1
            guard let want = expected.rows.removeValue(forKey: k) else {
                found.breaks.append(ReplayBreak(kind: .unexpected, feed: expected.feed, key: k, field: "(row)",
                                                expected: "absent", found: "present"))
                return
            }
            var same = true
            for (i, column) in expected.columns.enumerated() where want[i] != stored[i] {
                same = false
                found.breaks.append(ReplayBreak(kind: .mismatch, feed: expected.feed, key: k, field: column,
                                                expected: want[i], found: stored[i]))
            }
            if same { count.matched += 1 }
        }
        for k in expected.rows.keys {
            found.breaks.append(ReplayBreak(kind: .missing, feed: expected.feed, key: k, field: "(row)",
                                            expected: "present", found: "absent"))
        }
        found.counts.append(count)
    }

    private static func key(_ parts: String...) -> String { parts.joined(separator: "/") }

    /// Writes `replay_breaks.csv` and `replay_summary.csv` into `folder`.
    public static func write(_ result: ReplayReconciliation, to folder: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let breakRows: [[CSVCell]] = result.breaks.map {
            [.text($0.kind.rawValue), .text($0.feed), .text($0.key), .text($0.field), cell($0.expected), cell($0.found)]
        }
        try AtomicFile.write(CSVEncoder.document(header: ["kind", "feed", "key", "field", "expected", "found"], rows: breakRows),
                             to: "\(folder)/replay_breaks.csv")
        let summaryRows: [[CSVCell]] = result.counts.map { c in
            let mismatched = Set(result.breaks.filter { $0.feed == c.feed && $0.kind == .mismatch }.map(\.key)).count
            let missing = result.breaks.filter { $0.feed == c.feed && $0.kind == .missing }.count
            let unexpected = result.breaks.filter { $0.feed == c.feed && $0.kind == .unexpected }.count
            return [.text(c.feed), .number(String(c.expected)), .number(String(c.found)), .number(String(c.matched)),
                    .number(String(mismatched)), .number(String(missing)), .number(String(unexpected))]
        }
        try AtomicFile.write(CSVEncoder.document(header: ["feed", "expected", "found", "matched", "mismatched", "missing", "unexpected"],
                                                 rows: summaryRows),
                             to: "\(folder)/replay_summary.csv")
    }

    private static func cell(_ s: String) -> CSVCell { s.isEmpty ? .empty : .text(s) }
}
