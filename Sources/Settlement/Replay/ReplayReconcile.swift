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
        /// The columns compared: the declared ones but the key, in feed order.
        let columns: [String]
        var rows: [String: [String]] = [:]

        init(_ declaration: FeedDeclaration) {
            feed = declaration.kind.rawValue
            let key = declaration.tableSpec.key
            columns = declaration.columns.indices.filter { !key.contains($0) }.map { declaration.columns[$0].name }
        }
    }

    /// Replays `journal` and compares what the feeds should hold with what `db` holds.
    public static func compare(journal: String, catalog: Catalog, db: Database,
                               progress: ProgressLog = ProgressLog(enabled: false)) throws -> ReplayReconciliation {
        guard let calendar = BusinessCalendar(timezone: catalog.timezone) else {
            throw ReplayError(message: "the catalog's time zone \(catalog.timezone) is unknown")
        }
        progress.note("replaying \(journal) through the mall core")
        var expected = try expectedRows(journal: journal, catalog: catalog, calendar: calendar)
        progress.note("comparing with the stored feeds: \(expected.orders.rows.count) order lines, \(expected.refunds.rows.count) refunds, "
                      + "\(expected.payments.rows.count) payments, \(expected.repayments.rows.count) repayments expected")
        var found = Comparison()
        try compareStored(&expected, db: db, currency: catalog.currency, into: &found)
        progress.note("compared: \(found.breaks.count) break(s)")
        return ReplayReconciliation(breaks: found.breaks.sorted(), counts: found.counts, rejectedEvents: expected.rejected,
                                    lastDay: expected.lastDay)
    }

    /// What the feeds should hold, by feed, from the journal replayed through the mall core.
    private struct ExpectedFeeds {
        var orders = Expected(FeedDeclaration.orders)
        var refunds = Expected(FeedDeclaration.refunds)
        var payments = Expected(FeedDeclaration.payments)
        var repayments = Expected(FeedDeclaration.repayments)
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
        // A parent equal to its order and the store's currency are stored as NULL.
        try compare(&expected.orders, db: db, into: &found, stored: FeedDeclaration.orders,
                    sqlFor: ["parent_order_id": "coalesce(parent_order_id, order_id)", "currency": "coalesce(currency, ?1)"],
                    [.text(currency)])
        try compare(&expected.refunds, db: db, into: &found, stored: FeedDeclaration.refunds)
        try compare(&expected.payments, db: db, into: &found, stored: FeedDeclaration.payments)
        try compare(&expected.repayments, db: db, into: &found, stored: FeedDeclaration.repayments)
    }

    /// Compares one feed's stored rows, read by its declaration: every declared column by
    /// name (`sqlFor` gives the SQL of a column stored other than as it reads), as the text
    /// `expect` gives it — money with two decimals, instants as `Instant.description`, NULL
    /// as empty — keyed by the declaration's key.
    private static func compare(_ expected: inout Expected, db: Database, into found: inout Comparison,
                                stored feed: FeedDeclaration, sqlFor: [String: String] = [:],
                                _ values: [SQLValue] = []) throws {
        let spec = feed.tableSpec
        let select = feed.columns.map { column in sqlFor[column.name].map { "\($0) AS \(column.name)" } ?? column.name }
        let compared = feed.columns.indices.filter { !spec.key.contains($0) }
        precondition(compared.map { feed.columns[$0].name } == expected.columns, "\(feed.table): compared as expected")
        var at: [Int32] = []
        try compare(&expected, db: db, into: &found,
                    sql: "SELECT \(select.joined(separator: ", ")) FROM \(feed.table)", values) { s in
            if at.isEmpty { at = feed.columns.map { s.column($0.name) } }
            func text(_ index: Int) -> String { storedText(s, at[index], feed.columns[index].type) }
            return (spec.key.map(text).joined(separator: "/"), compared.map(text))
        }
    }

    /// A stored cell as the replayed feed's text.
    private static func storedText(_ s: Statement, _ column: Int32, _ type: CellType) -> String {
        if s.isNull(column) { return "" }
        switch type {
        case .text, .choice: return s.string(column)
        case .integer: return String(s.int(column))
        case .money, .positiveMoney: return Money(fen: s.int(column)).description
        case .timestamp: return Instant(nanos: s.int(column)).description
        }
    }

    /// Compares one feed: each stored row (`row` gives its key and comparable columns)
    /// against the expected row of its key; what is left expected is missing.
    private static func compare(_ expected: inout Expected, db: Database, into found: inout Comparison, sql: String,
                                _ values: [SQLValue], row: (Statement) -> (String, [String])) throws {
        var count = ReplayReconciliation.FeedCount(feed: expected.feed)
        count.expected = expected.rows.count
        try db.query(sql, values) { s in
            let (k, stored) = row(s)
            count.found += 1
            // Keys and values byte for byte (SPEC §3): a Swift String key would match `Café`
            // in NFC with `Café` in NFD.
            guard let at = expected.rows.index(forKey: k), expected.rows.keys[at].utf8.elementsEqual(k.utf8) else {
                found.breaks.append(ReplayBreak(kind: .unexpected, feed: expected.feed, key: k, field: "(row)",
                                                expected: "absent", found: "present"))
                return
            }
            let want = expected.rows.remove(at: at).value
            var same = true
            for (i, column) in expected.columns.enumerated() where !want[i].utf8.elementsEqual(stored[i].utf8) {
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
