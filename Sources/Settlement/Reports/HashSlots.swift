// HashSlots: where entries already added lie, found by a 64-bit hash the entry carries, so
// that a line adds to its SKU's sums (or notes its buyer) without hashing texts again.

/// An open-addressing table of entry positions keyed by a precomputed 64-bit hash (linear
/// probing, at most half full). It holds positions only: the caller keeps the entries and
/// tells, for a position whose hash matches, whether its entry is the one looked for.
struct HashSlots {
    /// Position + 1 per slot; 0: empty.
    private var positions: [Int32] = []
    private var hashes: [UInt64] = []
    private var count = 0
    private var shift = 64

    /// The position of the entry with `hash` for which `isIt` holds, if added.
    func position(of hash: UInt64, where isIt: (Int) -> Bool) -> Int? {
        guard count > 0 else { return nil }
        var slot = self.slot(hash)
        let mask = positions.count - 1
        while positions[slot] != 0 {
            if hashes[slot] == hash && isIt(Int(positions[slot]) - 1) { return Int(positions[slot]) - 1 }
            slot = (slot + 1) & mask
        }
        return nil
    }

    /// Notes an entry with `hash` at `position`; the caller has found no equal one.
    mutating func add(_ hash: UInt64, at position: Int) {
        if (count + 1) * 2 > positions.count { grow() }
        place(hash, Int32(position + 1))
        count += 1
    }

    /// Fibonacci hashing: the top bits of the hash times the golden ratio pick the slot.
    private func slot(_ hash: UInt64) -> Int {
        Int(truncatingIfNeeded: (hash &* 0x9E37_79B9_7F4A_7C15) >> UInt64(shift))
    }

    private mutating func place(_ hash: UInt64, _ stored: Int32) {
        let mask = positions.count - 1
        var slot = self.slot(hash)
        while positions[slot] != 0 { slot = (slot + 1) & mask }
        positions[slot] = stored
        hashes[slot] = hash
    }

    private mutating func grow() {
        let old = (positions, hashes)
        let size = max(64, positions.count * 2)
        shift = 64 - size.trailingZeroBitCount
        positions = Array(repeating: 0, count: size)
        hashes = Array(repeating: 0, count: size)
        for (stored, hash) in zip(old.0, old.1) where stored != 0 { place(hash, stored) }
    }
}
