// FeedKind: the six feeds and how a file name says which one it is (SPEC §3).

/// A kind of input feed, in the order a run takes them.
public enum FeedKind: String, Sendable, CaseIterable, Comparable {
    case orders, refunds, payments, repayments, adjustments, payouts

    /// The kind named by an inbox file's prefix (`orders-20261103.csv`, `ORDERS-…`: matched
    /// without regard to case, as extensions are), or nil.
    public static func fromFileName(_ name: String) -> FeedKind? {
        let lower = name.lowercased()
        return allCases.first { lower.hasPrefix($0.rawValue) }
    }

    var order: Int { FeedKind.allCases.firstIndex(of: self) ?? 0 }
    public static func < (a: FeedKind, b: FeedKind) -> Bool { a.order < b.order }
}
