// TextPool: the texts a reading loop meets again and again (suppliers, SKUs, categories,
// channels), each made into a String once. A million rows name a few thousand of them:
// making and checking a new String for every column of every row cost more than finding the
// one made before by the bytes' hash.

import Foundation
import MallStore

struct TextPool {
    private var slots = HashSlots()
    private var entries: [(bytes: [UInt8], text: String)] = []
    /// Texts kept at most; past it a new text is made each time (a column of ids, say).
    let capacity: Int

    init(capacity: Int = 65_536) {
        self.capacity = capacity
    }

    /// Where the text of `bytes` is in the pool, added when new; nil when the pool is full
    /// and the text is not in it.
    mutating func index(of bytes: UnsafeRawBufferPointer) -> Int? {
        let hash = TextKey.fnv1a(bytes)
        if let found = slots.position(of: hash, where: { TextPool.same(entries[$0].bytes, bytes) }) { return found }
        guard entries.count < capacity else { return nil }
        slots.add(hash, at: entries.count)
        entries.append((Array(bytes), String(decoding: bytes, as: UTF8.self)))
        return entries.count - 1
    }

    private static func same(_ kept: [UInt8], _ bytes: UnsafeRawBufferPointer) -> Bool {
        kept.count == bytes.count && kept.withUnsafeBytes { $0.isEmpty || memcmp($0.baseAddress!, bytes.baseAddress!, $0.count) == 0 }
    }

    /// The text at `index` (from `index(of:)`).
    func text(at index: Int) -> String { entries[index].text }

    /// The text of `bytes`: the pool's String when it holds it.
    mutating func text(_ bytes: UnsafeRawBufferPointer) -> String {
        index(of: bytes).map(text(at:)) ?? String(decoding: bytes, as: UTF8.self)
    }

    /// The text of a row's column (nil for NULL), from the pool.
    mutating func text(_ row: Statement, _ column: Int32) -> String? {
        row.isNull(column) ? nil : row.withBlob(column) { text($0) }
    }
}
