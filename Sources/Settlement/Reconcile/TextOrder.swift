// TextOrder: a reference's place in byte order (SQLite's BINARY collation, the order the
// reconciliation walks references in), cheap to compare. The first night of a month sorts a
// million parent orders by reference, and comparing two Swift strings byte by byte through
// their UTF-8 views was most of that sort.

/// A text's first 16 bytes as two big-endian integers (zero past its end) and its length:
/// comparing those is comparing the texts byte by byte, except for two texts longer than 16
/// bytes that agree on them, which are compared in full.
struct TextOrder {
    let high: UInt64
    let low: UInt64
    let count: Int

    /// Bytes held in `high` and `low`.
    static let bytesHeld = 16

    init(_ text: String) {
        var text = text
        (high, low, count) = text.withUTF8 { bytes in
            var words: (UInt64, UInt64) = (0, 0)
            for at in 0..<8 { words.0 = words.0 << 8 | UInt64(at < bytes.count ? bytes[at] : 0) }
            for at in 8..<16 { words.1 = words.1 << 8 | UInt64(at < bytes.count ? bytes[at] : 0) }
            return (words.0, words.1, bytes.count)
        }
    }

    /// Whether the text of `a` comes before the text of `b` in byte order; nil when only the
    /// texts can tell (both longer than 16 bytes, and equal on those).
    static func precedes(_ a: TextOrder, _ b: TextOrder) -> Bool? {
        if a.high != b.high { return a.high < b.high }
        if a.low != b.low { return a.low < b.low }
        if a.count > bytesHeld && b.count > bytesHeld { return nil }
        // Equal first bytes: the shorter text is the other's beginning (or they are equal).
        return a.count < b.count
    }

    /// Whether the texts of `a` and `b` are the same bytes; nil when only the texts can tell.
    static func same(_ a: TextOrder, _ b: TextOrder) -> Bool? {
        guard a.high == b.high, a.low == b.low, a.count == b.count else { return false }
        return a.count <= bytesHeld ? true : nil
    }

    /// Whether text `a` comes before text `b` in byte order, given their orders: by the
    /// orders, and by the texts only when those cannot tell.
    static func precedes(_ a: String, _ aOrder: TextOrder, _ b: String, _ bOrder: TextOrder) -> Bool {
        precedes(aOrder, bOrder) ?? a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    /// `texts` in byte order (as `utf8.lexicographicallyPrecedes` orders them), compared by
    /// their first sixteen bytes before their texts: credit sorts its tens of thousands of
    /// buyers this way three times a night.
    static func sorted<Texts: Collection<String>>(_ texts: Texts) -> [String] {
        let texts = Array(texts)
        let orders = texts.map(TextOrder.init)
        return sortedPositions(texts.count) { precedes(texts[$0], orders[$0], texts[$1], orders[$1]) }.map { texts[$0] }
    }

    /// The positions of `count` items in order of `areInOrder`, which compares two positions:
    /// sorting positions keeps each item's texts and orders in place.
    static func sortedPositions(_ count: Int, by areInOrder: (Int, Int) -> Bool) -> [Int] {
        var positions = Array(0 ..< count)
        positions.sort(by: areInOrder)
        return positions
    }
}
