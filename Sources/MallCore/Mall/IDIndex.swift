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
    /// Open addressing over a power-of-two table of `slotWords` words per slot: the hash and
    /// length, the first 16 bytes of the id, and its value and position in `ends` + 1 (0: an
    /// empty slot). An id of up to 16 bytes is found in its slot alone, one cache line: the
    /// index of a million orders is far larger than the caches.
    private var slots: [UInt64] = []
    private var slotCount = 0
    /// Every id, once an id that is not all ASCII has been stored; then the only table used.
    private var byString: [String: Int]?

    /// At most half the slots are used, so probes stay short.
    private static let slotsMin = 16
    private static let slotWords = 4
    /// Values and positions are kept in 32 bits each.
    static let countMax = Int(Int32.max) - 1

    init(expectedCount: Int = 0) {
        var size = IDIndex.slotsMin
        while size < expectedCount * 2 { size *= 2 }
        slots = Array(repeating: 0, count: size * IDIndex.slotWords)
        slotCount = size
        ends.reserveCapacity(expectedCount)
        values.reserveCapacity(expectedCount)
    }

    /// Makes room for `count` ids in all, so that growing to them rehashes nothing.
    mutating func reserveCapacity(_ count: Int) {
        guard byString == nil else { return }
        var size = IDIndex.slotsMin
        while size < count * 2 { size *= 2 }
        if size > slotCount { rehash(size: size) }
        ends.reserveCapacity(count)
        values.reserveCapacity(count)
        bytes.reserveCapacity(count * 16)
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
        return find(key, hash: IDIndex.hash(key)).value
    }

    /// Reads the first slot of each hash (0: none), for `MallState.touchSlots`.
    func touch(_ keys: UnsafeBufferPointer<EventKeyHashes>, _ hash: KeyPath<EventKeyHashes, UInt64>) -> UInt64 {
        guard byString == nil else { return 0 }
        let mask = slotCount - 1
        return slots.withUnsafeBufferPointer { table in
            var words: UInt64 = 0
            for key in keys {
                let h = key[keyPath: hash]
                if h != 0 { words &+= table[(slotIndex(h) & mask) &* IDIndex.slotWords &+ 3] }
            }
            return words
        }
    }

    /// The value in the first slot of `hash` when that slot holds an id of this hash (likely
    /// the id; its bytes are not compared), else -1. For `MallState.touchRecords` only.
    func firstSlotValue(_ hash: UInt64) -> Int {
        guard byString == nil else { return -1 }
        let base = (slotIndex(hash) & (slotCount - 1)) &* IDIndex.slotWords
        return slots.withUnsafeBufferPointer { table in
            guard table[base + 3] != 0, table[base] >> 16 == (hash << 16) >> 16 else { return -1 }
            return Int(truncatingIfNeeded: table[base + 3] & 0xFFFF_FFFF)
        }
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
        precondition(value >= 0 && value <= IDIndex.countMax && ends.count < IDIndex.countMax, "IDIndex holds up to 2^31 ids")
        return IDIndex.withBytes(id) { key in
            let hash = IDIndex.hash(key)
            let (found, slot) = find(key, hash: hash)
            guard found == nil else { return false }
            bytes.append(contentsOf: key)
            ends.append(bytes.count)
            values.append(value)
            fill(slot, key: key, hash: hash, value: value, entry: ends.count)
            if ends.count * 2 > slotCount { rehash(size: slotCount * 2) }
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
        bytes = []; ends = []; values = []; slots = []; slotCount = 0
    }

    @inline(__always)
    private static func isASCII(_ key: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = key.baseAddress else { return true }
        let raw = UnsafeRawPointer(base)
        var i = 0
        while i + 8 <= key.count {
            if raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { return false }
            i += 8
        }
        return i == key.count || word(key, from: i, count: key.count - i) & 0x8080_8080_8080_8080 == 0
    }

    /// Bytes `from..<from + count` of the key (count 0–8) as a word, first byte lowest, the
    /// rest zero: whole words and overlapping halves, each read inside the key.
    @inline(__always)
    private static func word(_ key: UnsafeBufferPointer<UInt8>, from: Int, count: Int) -> UInt64 {
        let raw = UnsafeRawPointer(key.baseAddress! + from)
        switch count {
        case 8:
            return raw.loadUnaligned(as: UInt64.self)
        case 4..<8:
            let low = UInt64(raw.loadUnaligned(as: UInt32.self))
            let high = UInt64(raw.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self))
            return low | high << UInt64(8 * (count - 4))
        default:
            var word: UInt64 = 0
            for i in 0..<count { word |= UInt64(key[from + i]) << UInt64(8 * i) }
            return word
        }
    }

    /// The first 16 bytes of an id, zero-padded, as two words.
    @inline(__always)
    private static func head(_ key: UnsafeBufferPointer<UInt8>) -> (UInt64, UInt64) {
        let n = key.count
        guard n > 0 else { return (0, 0) }
        if n >= 16 { return (word(key, from: 0, count: 8), word(key, from: 8, count: 8)) }
        if n > 8 { return (word(key, from: 0, count: 8), word(key, from: 8, count: n - 8)) }
        return (word(key, from: 0, count: n), 0)
    }

    /// The hash and length word of a slot (never 0 together with a 0 last word).
    @inline(__always)
    private static func tag(_ hash: UInt64, _ count: Int) -> UInt64 { (hash << 16) | UInt64(min(count, 0xFFFF)) }

    @inline(__always)
    private func slotIndex(_ hash: UInt64) -> Int {
        Int(truncatingIfNeeded: hash >> UInt64(64 - slotCount.trailingZeroBitCount))
    }

    /// The id's value, or nil and the empty slot where it would go.
    private func find(_ key: UnsafeBufferPointer<UInt8>, hash: UInt64) -> (value: Int?, slot: Int) {
        let mask = slotCount - 1
        var slot = slotIndex(hash) & mask
        let tag = IDIndex.tag(hash, key.count)
        let (head0, head1) = IDIndex.head(key)
        return slots.withUnsafeBufferPointer { table in
            while true {
                let base = slot &* IDIndex.slotWords
                let last = table[base + 3]
                if last == 0 { return (nil, slot) }
                if table[base] == tag && table[base + 1] == head0 && table[base + 2] == head1 {
                    let entry = Int(truncatingIfNeeded: last >> 32)
                    if key.count <= 16 || restMatches(key, entry: entry) {
                        return (Int(truncatingIfNeeded: last & 0xFFFF_FFFF), slot)
                    }
                }
                slot = (slot + 1) & mask
            }
        }
    }

    /// Whether the bytes of a long id after its first 16 are the stored id's (`entry` from 1).
    private func restMatches(_ key: UnsafeBufferPointer<UInt8>, entry: Int) -> Bool {
        let end = ends[entry - 1]
        let start = entry == 1 ? 0 : ends[entry - 2]
        guard end - start == key.count else { return false }
        return bytes.withUnsafeBufferPointer { stored in
            memcmpEqual(stored.baseAddress! + start + 16, key.baseAddress! + 16, key.count - 16)
        }
    }

    private mutating func fill(_ slot: Int, key: UnsafeBufferPointer<UInt8>, hash: UInt64, value: Int, entry: Int) {
        let base = slot * IDIndex.slotWords
        let (head0, head1) = IDIndex.head(key)
        slots[base] = IDIndex.tag(hash, key.count)
        slots[base + 1] = head0
        slots[base + 2] = head1
        slots[base + 3] = UInt64(entry) << 32 | UInt64(value)
    }

    private mutating func rehash(size: Int) {
        slots = Array(repeating: 0, count: size * IDIndex.slotWords)
        slotCount = size
        let mask = size - 1
        let stored = bytes
        stored.withUnsafeBufferPointer { stored in
            var start = 0
            for (position, end) in ends.enumerated() {
                let key = UnsafeBufferPointer(rebasing: stored[start..<end])
                let hash = IDIndex.hash(key)
                var slot = slotIndex(hash) & mask
                while slots[slot * IDIndex.slotWords + 3] != 0 { slot = (slot + 1) & mask }
                fill(slot, key: key, hash: hash, value: values[position], entry: position + 1)
                start = end
            }
        }
    }

    /// The key taken eight bytes at a time (the last word zero-padded), each word mixed in by
    /// a multiply and a fold of the high half onto the low one, the length last; then
    /// multiplied by the golden ratio so that the high bits, which pick the slot, depend on
    /// every byte. (FNV-1a before: a multiply for every byte.)
    @inline(__always)
    static func hash(_ key: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        var i = 0
        while i < key.count {
            let w = word(key, from: i, count: min(8, key.count - i))
            h = (h ^ w) &* 0xff51_afd7_ed55_8ccd
            h ^= h >> 32
            i += 8
        }
        h = (h ^ UInt64(key.count)) &* 0xc4ce_b9fe_1a85_ec53
        h ^= h >> 29
        return h &* 0x9E37_79B9_7F4A_7C15
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
