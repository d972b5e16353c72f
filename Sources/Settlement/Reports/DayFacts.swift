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

    mutating func sums(_ sums: SalesSums) {
        for value in [sums.lines, sums.units, sums.gmv, sums.discountPlatform, sums.discountSupplier, sums.goods,
                      sums.freight, sums.refundGoods, sums.refundUnits] { int(value) }
    }
}

/// Reads what FactWriter wrote. Bytes that end early or run past the end set `damaged` and
/// read as 0 or empty: the caller then throws the kept facts away and builds them again.
struct FactReader {
    private let bytes: UnsafeRawBufferPointer
    private var at = 0
    private(set) var damaged = false

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var atEnd: Bool { at >= bytes.count }

    mutating func int() -> Int64 {
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
    var products: [SKUKey: SalesSums] = [:]
    var tenders: [TenderKey: TenderSums] = [:]

    /// The format's first byte: a BLOB of another version is damaged.
    private static let version: Int64 = 1

    func encoded() -> [UInt8] {
        var writer = FactWriter()
        writer.int(DayFacts.version)
        writer.sums(totals)
        writer.int(points)
        writer.int(Int64(orders))
        writer.int(Int64(buyers))
        writer.int(Int64(products.count))
        for (key, sums) in products {
            writer.text(key.sku)
            writer.text(key.supplierID)
            writer.text(key.category)
            writer.sums(sums)
        }
        writer.int(Int64(tenders.count))
        for (key, sums) in tenders {
            writer.text(key.tender)
            writer.text(key.channel)
            writer.int(sums.lines)
            writer.int(sums.paid)
            writer.int(sums.refunded)
        }
        return writer.bytes
    }

    /// Reads a date's facts, handing each part to the caller as it is read (the window's read
    /// adds a million products into its sums without a dictionary per date). Returns false
    /// when the bytes are damaged.
    static func read(_ bytes: UnsafeRawBufferPointer, header: (_ totals: SalesSums, _ points: Int64, _ orders: Int, _ buyers: Int) -> Void,
                     products: (_ count: Int) -> Void = { _ in },
                     product: (_ sku: UnsafeRawBufferPointer, _ supplier: UnsafeRawBufferPointer,
                               _ category: UnsafeRawBufferPointer, SalesSums) -> Void,
                     tender: (TenderKey, TenderSums) -> Void) -> Bool {
        var reader = FactReader(bytes)
        guard reader.int() == version else { return false }
        let totals = reader.sums()
        let points = reader.int(), orders = reader.int(), buyers = reader.int()
        header(totals, points, Int(orders), Int(buyers))
        let productCount = Int(reader.int())
        guard productCount >= 0 && productCount <= bytes.count else { return false }
        products(productCount)
        for _ in 0..<productCount {
            let sku = reader.rawText(), supplier = reader.rawText(), category = reader.rawText()
            let sums = reader.sums()
            if reader.damaged { return false }
            product(sku, supplier, category, sums)
        }
        let tenderCount = Int(reader.int())
        guard tenderCount >= 0 && tenderCount <= bytes.count else { return false }
        for _ in 0..<tenderCount {
            let key = TenderKey(tender: reader.text(), channel: reader.text())
            let sums = TenderSums(lines: reader.int(), paid: reader.int(), refunded: reader.int())
            if reader.damaged { return false }
            tender(key, sums)
        }
        return !reader.damaged && reader.atEnd
    }

    /// A date's facts read whole, to change them; nil when damaged.
    init?(decoding bytes: UnsafeRawBufferPointer) {
        var facts = DayFacts()
        let read = DayFacts.read(bytes, header: { totals, points, orders, buyers in
            facts.totals = totals
            facts.points = points
            facts.orders = orders
            facts.buyers = buyers
        }, products: { facts.products.reserveCapacity($0) }, product: { sku, supplier, category, sums in
            let text = { (bytes: UnsafeRawBufferPointer) in TextKey(String(decoding: bytes, as: UTF8.self)) }
            facts.products[SKUKey(sku: text(sku), supplier: text(supplier), category: text(category))] = sums
        },
        tender: { facts.tenders[$0] = $1 })
        guard read else { return nil }
        self = facts
    }

    init() {}
}

/// A date's distinct texts (its parent orders, or its buyers), in no particular order.
enum TextSet {
    static func encoded(_ texts: Set<TextKey>) -> [UInt8] {
        var writer = FactWriter()
        writer.int(Int64(texts.count))
        for key in texts { writer.text(key.text) }
        return writer.bytes
    }

    /// nil when damaged.
    static func decoded(_ bytes: UnsafeRawBufferPointer) -> Set<TextKey>? {
        var reader = FactReader(bytes)
        let count = Int(reader.int())
        guard count >= 0 && count <= bytes.count else { return nil }
        var texts = Set<TextKey>(minimumCapacity: count)
        for _ in 0..<count { texts.insert(TextKey(reader.text())) }
        return reader.damaged || !reader.atEnd ? nil : texts
    }
}

/// Sums per SKU (as one supplier sells it under one category), kept in two arrays with an
/// open-addressed index by hash: the window's read adds a million entries from the dates'
/// bytes, and makes texts only for a SKU it has not seen yet.
struct ProductSums {
    private(set) var keys: [SKUKey] = []
    private(set) var sums: [SalesSums] = []
    /// Each SKU's hash, and its texts' UTF-8 bytes one after another in `bytes` from
    /// `starts[slot]` (lengths in `lengths[3 × slot …]`): a probe compares bytes without
    /// touching the SKU's strings.
    private var hashes: [UInt64] = []
    private var bytes: [UInt8] = []
    private var starts: [Int] = []
    private var lengths: [Int32] = []
    /// Slot + 1 of the SKU at each position (0: empty); positions are hash & mask, probed linearly.
    private var index: [Int32] = Array(repeating: 0, count: 1024)

    var count: Int { keys.count }

    /// Adds `sums` under the SKU whose texts are these UTF-8 bytes.
    mutating func add(sku: UnsafeRawBufferPointer, supplier: UnsafeRawBufferPointer, category: UnsafeRawBufferPointer,
                      _ sums: SalesSums) {
        let hash = (ProductSums.fnv1a(sku) &* 31 &+ ProductSums.fnv1a(supplier)) &* 31 &+ ProductSums.fnv1a(category)
        let mask = index.count - 1
        var position = Int(truncatingIfNeeded: hash) & mask
        while index[position] != 0 {
            let slot = Int(index[position]) - 1
            if hashes[slot] == hash && holds(slot, sku, supplier, category) {
                self.sums[slot].merge(sums)
                return
            }
            position = (position + 1) & mask
        }
        let text = { (bytes: UnsafeRawBufferPointer) in TextKey(String(decoding: bytes, as: UTF8.self)) }
        insert(SKUKey(sku: text(sku), supplier: text(supplier), category: text(category)), sums, at: position)
    }

    /// Adds a SKU known not to be here yet.
    mutating func append(_ key: SKUKey, _ sums: SalesSums) {
        let mask = index.count - 1
        var position = Int(truncatingIfNeeded: key.hash) & mask
        while index[position] != 0 { position = (position + 1) & mask }
        insert(key, sums, at: position)
    }

    /// Whether slot `slot` is the SKU of these texts.
    private func holds(_ slot: Int, _ sku: UnsafeRawBufferPointer, _ supplier: UnsafeRawBufferPointer,
                       _ category: UnsafeRawBufferPointer) -> Bool {
        let first = lengths[3 * slot], second = lengths[3 * slot + 1], third = lengths[3 * slot + 2]
        guard Int(first) == sku.count && Int(second) == supplier.count && Int(third) == category.count else { return false }
        let start = starts[slot]
        return bytes.withUnsafeBytes { stored in
            ProductSums.equal(stored, start, sku) && ProductSums.equal(stored, start + sku.count, supplier)
                && ProductSums.equal(stored, start + sku.count + supplier.count, category)
        }
    }

    private static func equal(_ stored: UnsafeRawBufferPointer, _ start: Int, _ text: UnsafeRawBufferPointer) -> Bool {
        text.isEmpty || memcmp(stored.baseAddress! + start, text.baseAddress!, text.count) == 0
    }

    private mutating func insert(_ key: SKUKey, _ sums: SalesSums, at position: Int) {
        starts.append(bytes.count)
        for text in [key.sku, key.supplierID, key.category] {
            bytes.append(contentsOf: text.utf8)
            lengths.append(Int32(text.utf8.count))
        }
        hashes.append(key.hash)
        keys.append(key)
        self.sums.append(sums)
        index[position] = Int32(keys.count)
        // At most half full, so that probes stay short.
        if keys.count * 2 > index.count { grow() }
    }

    private mutating func grow() {
        index = Array(repeating: 0, count: index.count * 2)
        let mask = index.count - 1
        for (slot, hash) in hashes.enumerated() {
            var position = Int(truncatingIfNeeded: hash) & mask
            while index[position] != 0 { position = (position + 1) & mask }
            index[position] = Int32(slot + 1)
        }
    }

    /// TextKey.fnv1a over raw bytes.
    static func fnv1a(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return hash
    }
}
