// IDIndex: the mall core's ids (orders, SKUs, buyers, coupons) found by their bytes. A replay
// looks up an id for nearly every event, millions in all; a Dictionary keyed by String hashes
// each one with SipHash and allocates a String to look up a child order's parent. This table
// keeps every id's bytes once, hashes them with FNV-1a and looks them up from any bytes.

import Foundation

/// A map from id to a number (an index into the core's arrays), kept in insertion order.
///
/// Ids match as Strings do (`==`, canonical equivalence). For ASCII ids, the ones the mall
/// writes, that is byte equality, and the bytes are hashed and compared directly. Once an id
/// with other characters is stored, the index becomes a `[String: Int]` and stays one; an
/// id with other characters asked of an ASCII-only index is compared in its NFC form (an
/// ASCII id is its own NFC form, and canonically equivalent strings have the same one).
struct IDIndex: Sendable {
    /// Every id's UTF-8 bytes, one after another; id `k` ends at `ends[k]`.
    private var bytes: [UInt8] = []
    private var ends: [Int] = []
    private var values: [Int] = []
    /// Open addressing over a power-of-two table: the position in `ends` + 1, or 0 when empty.
    private var slots: [Int32] = []
    /// Every id, once an id that is not all ASCII has been stored; then the only table used.
    private var byString: [String: Int]?

    /// At most half the slots are used, so probes stay short.
    private static let slotsMin = 16

    init(expectedCount: Int = 0) {
        var size = IDIndex.slotsMin
        while size < expectedCount * 2 { size *= 2 }
        slots = Array(repeating: 0, count: size)
        ends.reserveCapacity(expectedCount)
        values.reserveCapacity(expectedCount)
    }

    /// The value stored for `id`, nil when absent.
    subscript(id: String) -> Int? {
        if let byString { return byString[id] }
        return IDIndex.withBytes(id) { self[bytes: $0] }
    }

    /// The value stored for the id with these UTF-8 bytes, nil when absent.
    subscript(bytes key: UnsafeBufferPointer<UInt8>) -> Int? {
        if let byString { return byString[String(decoding: key, as: UTF8.self)] }
        guard IDIndex.isASCII(key) else {
            let nfc = String(decoding: key, as: UTF8.self).precomposedStringWithCanonicalMapping
            guard nfc.utf8.allSatisfy({ $0 < 0x80 }) else { return nil }
            return IDIndex.withBytes(nfc) { self[bytes: $0] }
        }
        let position = find(key, hash: IDIndex.hash(key)).position
        return position.map { values[$0] }
    }

    /// Stores `value` for `id` unless the id is there already. True when stored.
    @discardableResult
    mutating func insert(_ id: String, value: Int) -> Bool {
        if byString == nil && !IDIndex.withBytes(id, IDIndex.isASCII) { switchToStrings() }
        if byString != nil {
            guard byString![id] == nil else { return false }
            byString![id] = value
            return true
        }
        return IDIndex.withBytes(id) { key in
            let hash = IDIndex.hash(key)
            let (position, slot) = find(key, hash: hash)
            guard position == nil else { return false }
            bytes.append(contentsOf: key)
            ends.append(bytes.count)
            values.append(value)
            slots[slot] = Int32(ends.count)
            if ends.count * 2 > slots.count { rehash(size: slots.count * 2) }
            return true
        }
    }

    private mutating func switchToStrings() {
        var table: [String: Int] = [:]
        var start = 0
        for (position, end) in ends.enumerated() {
            table[String(decoding: bytes[start..<end], as: UTF8.self)] = values[position]
            start = end
        }
        byString = table
        bytes = []; ends = []; values = []; slots = [0]
    }

    @inline(__always)
    private static func isASCII(_ key: UnsafeBufferPointer<UInt8>) -> Bool {
        for byte in key where byte >= 0x80 { return false }
        return true
    }

    /// The id's position in insertion order, or nil and the empty slot where it would go.
    private func find(_ key: UnsafeBufferPointer<UInt8>, hash: UInt64) -> (position: Int?, slot: Int) {
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        return bytes.withUnsafeBufferPointer { stored in
            while true {
                let entry = Int(slots[slot])
                if entry == 0 { return (nil, slot) }
                let end = ends[entry - 1]
                let start = entry == 1 ? 0 : ends[entry - 2]
                if end - start == key.count
                    && (key.isEmpty || memcmpEqual(stored.baseAddress! + start, key.baseAddress!, key.count))
                {
                    return (entry - 1, slot)
                }
                slot = (slot + 1) & mask
            }
        }
    }

    private mutating func rehash(size: Int) {
        var table = [Int32](repeating: 0, count: size)
        let mask = size - 1
        bytes.withUnsafeBufferPointer { stored in
            var start = 0
            for (position, end) in ends.enumerated() {
                let key = UnsafeBufferPointer(rebasing: stored[start..<end])
                var slot = Int(truncatingIfNeeded: IDIndex.hash(key)) & mask
                while table[slot] != 0 { slot = (slot + 1) & mask }
                table[slot] = Int32(position + 1)
                start = end
            }
        }
        slots = table
    }

    /// FNV-1a, 64 bits, then the high bits folded down (the table takes the low ones).
    @inline(__always)
    static func hash(_ key: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return h ^ (h >> 29)
    }

    @inline(__always)
    static func withBytes<R>(_ id: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let result = id.utf8.withContiguousStorageIfAvailable(body) { return result }
        var copy = id
        return copy.withUTF8(body)
    }
}

extension IDIndex: Hashable {
    /// The slots follow from the ids, so only the ids and their values count.
    static func == (a: IDIndex, b: IDIndex) -> Bool {
        a.bytes == b.bytes && a.ends == b.ends && a.values == b.values && a.byString == b.byString
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(bytes); hasher.combine(ends); hasher.combine(values); hasher.combine(byString)
    }
}

@inline(__always)
private func memcmpEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ count: Int) -> Bool {
    var i = 0
    while i < count {
        if a[i] != b[i] { return false }
        i += 1
    }
    return true
}
