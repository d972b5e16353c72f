// DayFacts: the sales facts of one business date (the lines paid on it and what their refunds
// returned so far), as the nightly keeps them in the store (`report_days`, KeptFacts.swift).
// The nightly's reports read the 30 dates of their window from here instead of every order
// line of the store's history.
//
// A date's facts are one BLOB: integers as zigzag LEB128 varints, texts as a length and their
// UTF-8 bytes. The distinct orders and buyers of the date are two more BLOBs of sorted texts,
// read only when a line of that date arrives.

import Foundation
import MallStore

/// Writes integers and texts compactly.
struct FactWriter {
    private(set) var bytes: [UInt8] = []

    mutating func int(_ value: Int64) {
        var rest = UInt64(bitPattern: (value << 1) ^ (value >> 63))
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    mutating func text(_ value: String) {
        var value = value
        value.withUTF8 { utf8 in
            int(Int64(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    /// A text already in bytes (a kept date's, copied as it is).
    mutating func rawText(_ value: UnsafeRawBufferPointer) {
        int(Int64(value.count))
        bytes.append(contentsOf: value)
    }

    mutating func sums(_ sums: SalesSums) {
        int(sums.lines); int(sums.units); int(sums.gmv); int(sums.discountPlatform); int(sums.discountSupplier)
        int(sums.goods); int(sums.freight); int(sums.refundGoods); int(sums.refundUnits)
    }

    mutating func append(_ other: FactWriter) { bytes.append(contentsOf: other.bytes) }
}

/// Reads what FactWriter wrote. Bytes that end early or run past the end set `damaged` and
/// read as 0 or empty: the caller then throws the kept facts away and builds them again.
struct FactReader {
    private let bytes: UnsafeRawBufferPointer
    private var at = 0
    private(set) var damaged = false

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var atEnd: Bool { at >= bytes.count }

    /// A zigzag varint. One byte (counts, small amounts) is read inline: merging a window
    /// reads eleven million of them a night, and the call alone cost as much as the byte.
    @inline(__always)
    mutating func int() -> Int64 {
        if at < bytes.count {
            let byte = bytes[at]
            if byte < 0x80 {
                at += 1
                return Int64(byte >> 1) ^ -Int64(byte & 1)
            }
        }
        return longInt()
    }

    private mutating func longInt() -> Int64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while at < bytes.count && shift < 64 {
            let byte = bytes[at]
            at += 1
            value |= UInt64(byte & 0x7f) << shift
            if byte < 0x80 { return Int64(bitPattern: value >> 1) ^ -Int64(bitPattern: value & 1) }
            shift += 7
        }
        damaged = true
        return 0
    }

    mutating func text() -> String { String(decoding: rawText(), as: UTF8.self) }

    /// A text's UTF-8 bytes, valid as long as the bytes read.
    mutating func rawText() -> UnsafeRawBufferPointer {
        let count = Int(int())
        guard count >= 0 && count <= bytes.count - at else {
            damaged = true
            return UnsafeRawBufferPointer(start: nil, count: 0)
        }
        defer { at += count }
        return UnsafeRawBufferPointer(rebasing: bytes[at..<(at + count)])
    }

    mutating func sums() -> SalesSums {
        var sums = SalesSums()
        sums.lines = int(); sums.units = int(); sums.gmv = int()
        sums.discountPlatform = int(); sums.discountSupplier = int(); sums.goods = int()
        sums.freight = int(); sums.refundGoods = int(); sums.refundUnits = int()
        return sums
    }
}

/// One business date's sales facts.
struct DayFacts {
    /// Every line of the date, with its refunds.
    var totals = SalesSums()
    /// Σ paid_points of the date's lines (marketing_cost).
    var points: Int64 = 0
    /// Distinct parent orders and buyers (guests excluded) of the date.
    var orders = 0
    var buyers = 0
    /// Sums per SKU in order of SKUKey.hash, one entry per SKU (DayWork.settled makes them so).
    var products: [(key: SKUKey, sums: SalesSums)] = []
    var tenders: [TenderKey: TenderSums] = [:]

    /// The format's first byte: a BLOB of another version is damaged (and folded again).
    private static let version: Int64 = 2

    /// The header, the tenders, then the SKUs in order of SKUKey.hash, so that the window's
    /// read merges its dates' SKUs in one pass (KeptWindow.swift).
    func encoded() -> [UInt8] {
        var writer = head(products: products.count)
        for (key, sums) in products {
            writer.text(key.sku)
            writer.text(key.supplierID)
            writer.text(key.category)
            writer.sums(sums)
        }
        return writer.bytes
    }

    /// The header and tenders, and the number of SKUs that follow.
    private func head(products count: Int) -> FactWriter {
        var writer = FactWriter()
        writer.int(DayFacts.version)
        writer.sums(totals)
        writer.int(points)
        writer.int(Int64(orders))
        writer.int(Int64(buyers))
        writer.int(Int64(tenders.count))
        // In order of tender and channel: the same facts make the same bytes in every process.
        for (key, sums) in tenders.sorted(by: { ($0.key.tender, $0.key.channel) < ($1.key.tender, $1.key.channel) }) {
            writer.text(key.tender)
            writer.text(key.channel)
            writer.int(sums.lines)
            writer.int(sums.paid)
            writer.int(sums.refunded)
        }
        writer.int(Int64(count))
        return writer
    }

    /// A kept date's bytes with `added` (what a refresh's refunds add to the date: sums, tenders
    /// and SKUs one each, in order of hash, as DayWork.settled leaves them) added in: the same
    /// bytes as decoding the date, adding and encoding it again, without making a text of the
    /// date's SKUs. nil when the kept bytes are damaged.
    static func merging(_ kept: UnsafeRawBufferPointer, _ added: DayFacts) -> [UInt8]? {
        var merged = DayFacts()
        guard var cursor = DayFacts.read(kept, header: { totals, points, orders, buyers in
            merged.totals = totals
            merged.points = points
            merged.orders = orders
            merged.buyers = buyers
        }, tender: { merged.tenders[$0] = $1 }) else { return nil }
        merged.totals.merge(added.totals)
        merged.points += added.points
        for (key, sums) in added.tenders { merged.tenders[key, default: TenderSums()].merge(sums) }
        // Both in order of hash. Where hashes meet, the kept SKUs come first, in their order,
        // then the added ones not among them, in theirs: as DayWork.merged orders them.
        var skus = FactWriter(), count = 0
        let new = added.products
        var next = 0, hasKept = cursor.next()
        while hasKept || next < new.count {
            let hash = hasKept && (next == new.count || cursor.hash <= new[next].key.hash) ? cursor.hash : new[next].key.hash
            var runEnd = next
            while runEnd < new.count && new[runEnd].key.hash == hash { runEnd += 1 }
            var taken = Array(repeating: false, count: runEnd - next)
            while hasKept && cursor.hash == hash {
                var sums = cursor.sums
                if let same = (next..<runEnd).first(where: { !taken[$0 - next] && cursor.isSKU(new[$0].key) }) {
                    sums.merge(new[same].sums)
                    taken[same - next] = true
                }
                skus.rawText(cursor.sku)
                skus.rawText(cursor.supplier)
                skus.rawText(cursor.category)
                skus.sums(sums)
                count += 1
                hasKept = cursor.next()
            }
            for index in next..<runEnd where !taken[index - next] {
                skus.text(new[index].key.sku)
                skus.text(new[index].key.supplierID)
                skus.text(new[index].key.category)
                skus.sums(new[index].sums)
                count += 1
            }
            next = runEnd
        }
        guard cursor.sound else { return nil }
        var writer = merged.head(products: count)
        writer.append(skus)
        return writer.bytes
    }

    /// Reads a date's header and tenders, handing them to the caller; returns the date's SKUs
    /// to read next, or nil when the bytes are damaged.
    static func read(_ bytes: UnsafeRawBufferPointer,
                     header: (_ totals: SalesSums, _ points: Int64, _ orders: Int, _ buyers: Int) -> Void,
                     tender: (TenderKey, TenderSums) -> Void) -> SKUCursor? {
        var reader = FactReader(bytes)
        guard reader.int() == version else { return nil }
        let totals = reader.sums()
        let points = reader.int(), orders = reader.int(), buyers = reader.int()
        header(totals, points, Int(orders), Int(buyers))
        let tenderCount = Int(reader.int())
        guard tenderCount >= 0 && tenderCount <= bytes.count else { return nil }
        for _ in 0..<tenderCount {
            let key = TenderKey(tender: reader.text(), channel: reader.text())
            let sums = TenderSums(lines: reader.int(), paid: reader.int(), refunded: reader.int())
            if reader.damaged { return nil }
            tender(key, sums)
        }
        let productCount = Int(reader.int())
        guard productCount >= 0 && productCount <= bytes.count && !reader.damaged else { return nil }
        return SKUCursor(reader: reader, remaining: productCount)
    }

    /// A date's facts read whole, to change them; nil when damaged.
    init?(decoding bytes: UnsafeRawBufferPointer) {
        var facts = DayFacts()
        let cursor = DayFacts.read(bytes, header: { totals, points, orders, buyers in
            facts.totals = totals
            facts.points = points
            facts.orders = orders
            facts.buyers = buyers
        }, tender: { facts.tenders[$0] = $1 })
        guard var skus = cursor else { return nil }
        facts.products.reserveCapacity(skus.remaining)
        while skus.next() { facts.products.append((skus.key(), skus.sums)) }
        guard skus.sound else { return nil }
        self = facts
    }

    init() {}
}

/// A date's SKUs, one at a time, in order of hash: the current one's texts as bytes (valid as
/// long as the date's bytes) and its sums.
struct SKUCursor {
    fileprivate var reader: FactReader
    private(set) var remaining: Int
    private(set) var hash: UInt64 = 0
    private(set) var sku = UnsafeRawBufferPointer(start: nil, count: 0)
    private(set) var supplier = UnsafeRawBufferPointer(start: nil, count: 0)
    private(set) var category = UnsafeRawBufferPointer(start: nil, count: 0)
    private(set) var sums = SalesSums()

    fileprivate init(reader: FactReader, remaining: Int) {
        self.reader = reader
        self.remaining = remaining
    }

    /// Moves to the next SKU; false at the end or on damaged bytes.
    mutating func next() -> Bool {
        guard remaining > 0 && !reader.damaged else { return false }
        remaining -= 1
        sku = reader.rawText()
        supplier = reader.rawText()
        category = reader.rawText()
        sums = reader.sums()
        hash = SKUKey.hash(sku: TextKey.fnv1a(sku), supplier: TextKey.fnv1a(supplier), category: TextKey.fnv1a(category))
        return !reader.damaged
    }

    /// Read to the end without damage.
    var sound: Bool { remaining == 0 && !reader.damaged && reader.atEnd }

    /// Adds to the current SKU's sums (a merge keeps the first date's cursor as the sum).
    mutating func add(_ more: SalesSums) { sums.merge(more) }

    /// Whether the current SKU is `key`.
    func isSKU(_ key: SKUKey) -> Bool {
        SKUCursor.same(sku, key.sku) && SKUCursor.same(supplier, key.supplierID) && SKUCursor.same(category, key.category)
    }

    private static func same(_ bytes: UnsafeRawBufferPointer, _ text: String) -> Bool {
        var text = text
        return text.withUTF8 { same(bytes, UnsafeRawBufferPointer($0)) }
    }

    /// Whether the current SKU has these texts.
    func isSKU(_ other: SKUCursor) -> Bool {
        SKUCursor.same(sku, other.sku) && SKUCursor.same(supplier, other.supplier) && SKUCursor.same(category, other.category)
    }

    func key() -> SKUKey {
        let text = { (bytes: UnsafeRawBufferPointer) in TextKey(String(decoding: bytes, as: UTF8.self)) }
        return SKUKey(sku: text(sku), supplier: text(supplier), category: text(category))
    }

    private static func same(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        a.count == b.count && (a.isEmpty || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0)
    }
}

/// A date's distinct texts (its parent orders, or its buyers), in order of hash.
enum TextSet {
    static func encoded(_ texts: [TextKey]) -> [UInt8] {
        var writer = FactWriter()
        writer.int(Int64(texts.count))
        for key in texts { writer.text(key.text) }
        return writer.bytes
    }

    /// nil when damaged.
    static func decoded(_ bytes: UnsafeRawBufferPointer) -> [TextKey]? {
        var reader = FactReader(bytes)
        let count = Int(reader.int())
        guard count >= 0 && count <= bytes.count else { return nil }
        var texts: [TextKey] = []
        texts.reserveCapacity(count)
        for _ in 0..<count { texts.append(TextKey(reader.text())) }
        return reader.damaged || !reader.atEnd ? nil : texts
    }
}

/// Sums per SKU (as one supplier sells it under one category), in two arrays.
struct ProductSums {
    private(set) var keys: [SKUKey] = []
    private(set) var sums: [SalesSums] = []

    var count: Int { keys.count }

    /// Adds a SKU not here yet.
    mutating func append(_ key: SKUKey, _ sums: SalesSums) {
        keys.append(key)
        self.sums.append(sums)
    }
}
